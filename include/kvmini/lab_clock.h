/* SPDX-License-Identifier: MIT */
/*
 * Lab 2 (docs/labs/lab2-port-device.md): a clock that the guest reads
 * through port I/O. Its registers are in include/abi/kvmini_labs.h; the
 * board of kvmini-lab puts it at LAB_CLOCK_PORT (vmm/board/board_labs.c).
 *
 * This header is given; devices/labs/lab_clock.c is the student's to write.
 */
#ifndef KVMINI_LAB_CLOCK_H
#define KVMINI_LAB_CLOCK_H

#include <stdint.h>

#include "kvmini/device.h"

/* A clock source in nanoseconds. The monitor passes vm_now_ns; tests a fake. */
typedef uint64_t (*lab_clock_source)(void);

struct lab_clock {
	struct device dev; /* LAB_CLOCK_SIZE ports; the board sets dev.base */
	lab_clock_source now_ns;
	uint64_t start_ns; /* now_ns() when the device was created: time 0 */
	uint64_t latch;	   /* what LOW and HIGH read */
};

/*
 * Fill in clk and its device (name "lab-clock", LAB_CLOCK_SIZE, the
 * register behaviour of kvmini_labs.h), with time 0 = now_ns() at this call
 * and the latch 0. The caller sets clk->dev.base and registers clk->dev.
 */
void lab_clock_init(struct lab_clock *clk, lab_clock_source now_ns);

struct state_writer;
struct state_reader;

/*
 * Save the clock as one STATE_KIND_LAB_CLOCK blob: the time the guest would
 * read now (now_ns() - start_ns) and the latch. Takes clk->dev.lock.
 * 0 or the writer's -errno.
 */
int lab_clock_save(struct lab_clock *clk, struct state_writer *w);

/*
 * Load a blob written by lab_clock_save() into a lab_clock_init()ed clock:
 * the clock goes on from the saved time (start_ns is moved so that
 * now_ns() - start_ns is the saved time now), so guest time never runs
 * backwards across a restore. On error (-EPROTO, logged) clk is unchanged.
 * Takes clk->dev.lock.
 */
int lab_clock_load(struct lab_clock *clk, struct state_reader *r);

#endif /* KVMINI_LAB_CLOCK_H */
