/* SPDX-License-Identifier: MIT */
/*
 * The coursework devices of the labs (docs/labs/), which only the kvmini-lab
 * monitor has: the same main.c as kvmini, built with KVMINI_LABS defined and
 * linked with vmm/board/board_labs.c and the lab device models. In kvmini itself
 * the functions below are empty inline functions, so the production monitor
 * has no lab code at all.
 *
 *   port 0x510-0x51f   lab 2 clock           devices/labs/lab_clock.c
 *   next virtio slot   lab 4 echo device     devices/labs/lab_echo.c
 * (addresses and registers: include/abi/kvmini_labs.h)
 */
#ifndef KVMINI_BOARD_LABS_H
#define KVMINI_BOARD_LABS_H

#include <stdbool.h>

struct board;

#ifdef KVMINI_LABS
/*
 * Does this build have a lab device that raises interrupts (the lab 4 echo
 * device)? Then main.c creates the in-kernel irqchip before board_setup(),
 * as it must: board_setup() wires COM1's line, and a line wired while there
 * is no irqchip stays unwired for the whole run.
 */
static inline bool board_labs_need_irqchip(void)
{
#ifdef KVMINI_HAVE_LAB_ECHO
	return true;
#else
	return false;
#endif
}

/*
 * Place every lab device this build has (a student's tree may not have all
 * of them yet) on b, after board_setup() and before vcpus_create(). The echo
 * device takes the next virtio slot from the board's device manager, after
 * the board's own virtio devices. 0 or -errno (logged).
 */
int board_labs_setup(struct board *b);

/* Free what board_labs_setup() made. Safe if it was not called or failed. */
void board_labs_destroy(struct board *b);
#else
static inline bool board_labs_need_irqchip(void)
{
	return false;
}

static inline int board_labs_setup(struct board *b)
{
	(void)b;
	return 0;
}

static inline void board_labs_destroy(struct board *b)
{
	(void)b;
}
#endif

#endif /* KVMINI_BOARD_LABS_H */
