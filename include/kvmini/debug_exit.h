/* SPDX-License-Identifier: MIT */
/*
 * QEMU's isa-debug-exit device (hw/misc/debugexit.c): a guest ends the run
 * by writing a value v to its port, and the monitor exits with status
 * (v << 1) | 1, so that a guest can never fake "0, success" by accident.
 * kvm-unit-tests ends every test this way (lib/x86/io.c, exit(): outl to
 * 0xf4; QEMU's -device isa-debug-exit,iobase=0xf4,iosize=0x4), and its
 * runner reads status 1 as PASS (v = 0) and anything else as FAIL.
 *
 * One device of DEBUG_EXIT_PORT_SIZE ports, placed by the board at
 * DEBUG_EXIT_PORT_BASE. A write of any width at any offset within it
 * stops the run with ((v << 1) | 1) & 0xff: the value QEMU passes to
 * exit(), of which a process status keeps the low 8 bits. Reads return 0.
 * It has no state to save.
 */
#ifndef KVMINI_DEBUG_EXIT_H
#define KVMINI_DEBUG_EXIT_H

#include <stdint.h>

#include "kvmini/device.h"

#define DEBUG_EXIT_PORT_BASE 0xf4
#define DEBUG_EXIT_PORT_SIZE 4

/* The guest asked to end the run; status is already (v << 1) | 1, 8 bits. */
typedef void (*debug_exit_fn)(void *opaque, int status);

struct debug_exit {
	struct device dev;
	debug_exit_fn on_exit;
	void *opaque;
};

/* The exit status for a written value v: ((v << 1) | 1) & 0xff. */
static inline int debug_exit_status(uint64_t v)
{
	return (int)(((v << 1) | 1) & 0xff);
}

/*
 * Fill in d and its device; the caller sets d->dev.base and registers it.
 * on_exit (may be NULL: writes are then ignored) runs on the vCPU thread
 * that wrote, with d->dev.lock held, and may run more than once.
 * Returns 0 (it cannot fail today; it returns int like every setup step).
 */
int debug_exit_init(struct debug_exit *d, debug_exit_fn on_exit, void *opaque);

#endif /* KVMINI_DEBUG_EXIT_H */
