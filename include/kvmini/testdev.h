/* SPDX-License-Identifier: MIT */
/*
 * The test device of include/abi/kvmini_abi.h: how a guest ends the run with
 * an exit code, timestamps its boot phases, and measures PIO and MMIO round
 * trips. It knows nothing of KVM: what EXIT and MARKER do is up to the two
 * callbacks the monitor passes in.
 *
 * Two windows, each its own struct device:
 *   pio:  KVMINI_TESTDEV_PIO_SIZE ports; registers EXIT, MARKER, SCRATCH,
 *         COUNTER, 4 bytes each at offsets 0x0, 0x4, 0x8, 0xc.
 *   mmio: KVMINI_TESTDEV_MMIO_SIZE bytes; registers SCRATCH, COUNTER, MAGIC,
 *         8 bytes each at offsets 0x0, 0x8, 0x10 (MAGIC is 32-bit, zero
 *         extended).
 * The board registers pio at KVMINI_TESTDEV_PIO_BASE on the port-I/O bus and
 * mmio at KVMINI_TESTDEV_MMIO_BASE on the MMIO bus.
 *
 * Access rules, the same for both windows:
 *  - an access may have any width (1, 2, 4, 8) and start at any byte of a
 *    register, but must lie within that one register; the bytes it covers
 *    are read or written as in a little-endian register;
 *  - an access that straddles two registers, or touches an offset with no
 *    register, reads as 0 and its write is ignored;
 *  - EXIT and MARKER act on writes that include the register's low byte
 *    (offset 0x0 or 0x4), whose value is the code or id; other writes to them
 *    are ignored, so that `outb` to 0x501 cannot end a run with "success";
 *  - each read access of a COUNTER returns the bytes it covers of the
 *    counter's current value (0 first), then adds one;
 *  - EXIT, MARKER and MAGIC ignore writes; EXIT and MARKER read as 0.
 */
#ifndef KVMINI_TESTDEV_H
#define KVMINI_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/device.h"

/* The guest wrote code (0..255) to EXIT. */
typedef void (*testdev_exit_fn)(void *opaque, unsigned int code);
/* The guest wrote id (0..255) to MARKER (KVMINI_MARKER_*). */
typedef void (*testdev_marker_fn)(void *opaque, unsigned int id);

struct testdev {
	struct device pio;  /* register on the port-I/O bus */
	struct device mmio; /* register on the MMIO bus */

	testdev_exit_fn on_exit;
	testdev_marker_fn on_marker;
	void *opaque;

	uint32_t pio_scratch;
	uint32_t pio_counter;
	uint64_t mmio_scratch;
	uint64_t mmio_counter;
	bool warned; /* log_once flag for misaligned or unknown accesses */
};

/*
 * Fill in td and its two devices; the caller sets td->pio.base and
 * td->mmio.base and registers them. on_exit and on_marker may be NULL (the
 * write is then ignored). They run on the vCPU thread that made the access,
 * with that window's dev.lock held, and may be called more than once (a
 * guest can write EXIT again before the monitor stops it).
 * Returns 0 (it cannot fail today; it returns int like every setup step).
 */
int testdev_init(struct testdev *td, testdev_exit_fn on_exit, testdev_marker_fn on_marker,
		 void *opaque);

struct state_writer;
struct state_reader;

/*
 * Save both windows' SCRATCH and COUNTER registers as one STATE_KIND_TESTDEV
 * blob (kvmini/device_state.h). Takes both windows' locks. 0 or -errno.
 */
int testdev_save(struct testdev *td, struct state_writer *w);

/*
 * Load a blob written by testdev_save() into a testdev_init()ed device,
 * keeping its callbacks. On error (-EPROTO, logged) td is unchanged. Every
 * register value is one the guest could have produced, so there is nothing
 * else to refuse. Takes both windows' locks.
 */
int testdev_load(struct testdev *td, struct state_reader *r);

#endif /* KVMINI_TESTDEV_H */
