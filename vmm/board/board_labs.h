/* SPDX-License-Identifier: MIT */
/*
 * The coursework devices of the labs (docs/labs/), which only the kvmini-lab
 * monitor has: the same main.c as kvmini, built with KVMINI_LABS defined and
 * linked with vmm/board/board_labs.c and the lab device models. In kvmini itself
 * board_labs_setup() is an empty inline function, so the production monitor
 * has no lab code at all.
 *
 *   port 0x510-0x51f   lab 2 clock           devices/labs/lab_clock.c
 *   next virtio slot   lab 4 echo device     devices/labs/lab_echo.c
 * (addresses and registers: include/abi/kvmini_labs.h)
 */
#ifndef KVMINI_BOARD_LABS_H
#define KVMINI_BOARD_LABS_H

struct vm;

#ifdef KVMINI_LABS
/*
 * Place every lab device this build has (a student's tree may not have all
 * of them yet) after board_setup() and before vcpus_create(). The echo device
 * needs interrupts, so this creates the in-kernel irqchip if board_setup()
 * did not. 0 or -errno (logged).
 */
int board_labs_setup(struct vm *vm);
#else
static inline int board_labs_setup(struct vm *vm)
{
	(void)vm;
	return 0;
}
#endif

#endif /* KVMINI_BOARD_LABS_H */
