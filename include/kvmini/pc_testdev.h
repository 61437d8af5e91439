/* SPDX-License-Identifier: MIT */
/*
 * QEMU's pc-testdev (hw/misc/pc-testdev.c), the ISA test device that
 * kvm-unit-tests' x86 tests use unless their environment says TEST_DEVICE=0
 * (lib/x86/fwcfg.h, test_device_enabled()). Four port windows, each its own
 * struct device, at QEMU's ports:
 *   ioport       0xe0-0xe3  a 32-bit scratch register: an access of len
 *                           bytes at offset o reads or writes bytes
 *                           o..o+len-1 of it (little-endian); the emulator
 *                           and realmode tests check `in`/`out` with it
 *   flush        0xe4-0xe7  a 4-byte write of a guest-physical address asks
 *                           the monitor to make KVM drop its mapping of that
 *                           page (the eventinj test takes a fault while an
 *                           event is injected); reads return 0
 *   ioport_byte  0xe8-0xeb  the same scratch register as ioport
 *   irq          0x2000-0x2017  a 1-byte write of v to port 0x2000 + n
 *                           drives interrupt line n (GSI n) to !!v, as an ISA
 *                           card would (the ioapic and apic tests); reads
 *                           return 0; other widths are ignored
 * QEMU's 64 KiB MMIO scratch at 0xff000000 is left out: no x86 test uses it.
 * Accesses that fit no register are ignored (writes) or read 0.
 */
#ifndef KVMINI_PC_TESTDEV_H
#define KVMINI_PC_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/device.h"
#include "kvmini/irq.h"

#define PC_TESTDEV_IOPORT_BASE	    0xe0
#define PC_TESTDEV_FLUSH_BASE	    0xe4
#define PC_TESTDEV_IOPORT_BYTE_BASE 0xe8
#define PC_TESTDEV_WINDOW_SIZE	    4 /* each of the three above */
#define PC_TESTDEV_IRQ_BASE	    0x2000
#define PC_TESTDEV_IRQ_LINES	    24 /* the IOAPIC's pins */

/* The guest asked for the page at gpa (page aligned) to be unmapped and remapped. */
typedef void (*pc_testdev_flush_fn)(void *opaque, uint64_t gpa);

struct pc_testdev {
	struct device ioport, flush, ioport_byte, irq;
	/* ioport and ioport_byte are two devices with one register: this guards it. */
	pthread_mutex_t lock;
	uint32_t ioport_data;

	struct irq_line *lines; /* PC_TESTDEV_IRQ_LINES of them, the board's */
	pc_testdev_flush_fn on_flush;
	void *opaque;
	bool warned; /* log_once flag for accesses that fit no register */
};

/*
 * Fill in t and its four devices; the caller sets each device's base and
 * registers it. lines (the board's; entries may be unwired) stays the
 * caller's and must outlive t. on_flush (may be NULL: ignored) runs on the
 * vCPU thread that wrote, with t->flush.lock held.
 * Returns 0 (it cannot fail today; it returns int like every setup step).
 */
int pc_testdev_init(struct pc_testdev *t, struct irq_line *lines, pc_testdev_flush_fn on_flush,
		    void *opaque);

struct state_writer;
struct state_reader;

/*
 * Save the scratch register as one STATE_KIND_PC_TESTDEV blob
 * (kvmini/device_state.h). The interrupt lines' levels live in the
 * irqchip, not here. Takes t->lock. 0 or the writer's -errno.
 */
int pc_testdev_save(struct pc_testdev *t, struct state_writer *w);

/*
 * Load a blob written by pc_testdev_save() into a pc_testdev_init()ed
 * device. Any 32-bit value is one the guest could have written. On error
 * (-EPROTO, logged) t is unchanged. Takes t->lock.
 */
int pc_testdev_load(struct pc_testdev *t, struct state_reader *r);

#endif /* KVMINI_PC_TESTDEV_H */
