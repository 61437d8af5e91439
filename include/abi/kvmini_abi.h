/* SPDX-License-Identifier: MIT */
/*
 * The guest <-> monitor ABI of kvmini.
 *
 * This header is included by BOTH the monitor (vmm/, devices/) and the tiny
 * guest kernel (guest/). It holds only plain constants: no types that depend
 * on a C library, so that freestanding guest code can use it too.
 *
 * The guest-physical memory map is in abi/memory_map.h.
 */
#ifndef KVMINI_ABI_H
#define KVMINI_ABI_H

#include "abi/memory_map.h"

/*
 * Tiny-guest entry contract: the vCPU starts in 64-bit long mode, paging on,
 * with every guest-physical address below max(4 GiB, top of RAM) identity
 * mapped by 2 MiB pages (present, writable, supervisor). Interrupts are off.
 *   RIP = ELF entry point
 *   RDI = guest-physical address of the FDT
 *   RSI = KVMINI_BOOT_MAGIC
 *   RSP = KVMINI_BOOT_STACK_TOP
 */
#define KVMINI_BOOT_MAGIC 0x6b766d696e69ULL /* "kvmini" */

/* ---- legacy PC ports and interrupt lines -------------------------------- */

#define KVMINI_COM1_PORT       0x3f8
#define KVMINI_COM1_GSI	       4
#define KVMINI_I8042_DATA_PORT 0x60
#define KVMINI_I8042_CMD_PORT  0x64

/* ---- the test device ---------------------------------------------------- */

/*
 * Port-I/O window. All registers accept 1-, 2- and 4-byte accesses; a
 * 1-byte write is enough for every command, so that Linux user space can use
 * `dd of=/dev/port`.
 */
#define KVMINI_TESTDEV_PIO_BASE 0x500
#define KVMINI_TESTDEV_PIO_SIZE 0x10
#define KVMINI_TESTDEV_EXIT	0x0 /* W: stop the VM; the monitor exits with (value & 0xff) */
#define KVMINI_TESTDEV_MARKER                                                                      \
	0x4			   /* W: boot-phase marker id (0..255), timestamped by the monitor \
				    */
#define KVMINI_TESTDEV_SCRATCH 0x8 /* R/W: 32-bit scratch register */
#define KVMINI_TESTDEV_COUNTER 0xc /* R: returns 0, 1, 2, ... one more on every read access */

/* MMIO window: same idea, for MMIO round trips. */
#define KVMINI_TESTDEV_MMIO_BASE    0xd1000000ULL
#define KVMINI_TESTDEV_MMIO_SIZE    0x1000ULL
#define KVMINI_TESTDEV_MMIO_SCRATCH 0x0		/* R/W: 64-bit scratch register */
#define KVMINI_TESTDEV_MMIO_COUNTER 0x8		/* R: increments on every read access */
#define KVMINI_TESTDEV_MMIO_MAGIC   0x10	/* R: KVMINI_TESTDEV_MAGIC */
#define KVMINI_TESTDEV_MAGIC	    0x544d564bU /* "KVMT" little-endian */

/* Well-known boot-phase markers written to KVMINI_TESTDEV_MARKER. */
#define KVMINI_MARKER_GUEST_ENTRY 1 /* tiny guest: first instruction of C code */
#define KVMINI_MARKER_LINUX_INIT  2 /* Linux: /init has started */
#define KVMINI_MARKER_READY	  3 /* guest says "ready" (test or workload may start) */

/* ---- virtio-mmio devices ------------------------------------------------ */

/* virtio-mmio device n lives at BASE + n * STRIDE and raises GSI FIRST_GSI + n. */
#define KVMINI_VIRTIO_MMIO_BASE	     0xd0000000ULL
#define KVMINI_VIRTIO_MMIO_STRIDE    0x1000ULL
#define KVMINI_VIRTIO_MMIO_SIZE	     0x200ULL
#define KVMINI_VIRTIO_MMIO_FIRST_GSI 5
#define KVMINI_VIRTIO_MMIO_MAX	     8 /* GSIs 5..12 */

/* ---- the in-kernel irqchip (fixed by the PC architecture) --------------- */

#define KVMINI_IOAPIC_BASE 0xfec00000ULL
#define KVMINI_LAPIC_BASE  0xfee00000ULL

/* ---- monitor exit statuses ---------------------------------------------- */

/*
 * The monitor's own exit status when the guest did not write one. They all
 * sit below 124: timeout(1) exits with 124 when it kills a command, and the
 * shell uses 125-127 (command failed to run, not executable, not found) and
 * 128 + N for a signal, so none of kvmini's statuses can be mistaken for
 * those. `kvmini --help` prints this table (vmm/cli.c reads these names);
 * tests/lib.sh turns every KVMINI_STATUS_X into STATUS_X for shell tests.
 */
#define KVMINI_STATUS_OK	  0   /* guest powered off / exited 0 */
#define KVMINI_STATUS_SETUP_ERROR 1   /* bad command line, file, or KVM setup */
#define KVMINI_STATUS_KILLED	  117 /* ended by `kvmini ctl kill` (vmm/host/control_vm.c) */
#define KVMINI_STATUS_GUEST_HUNG  118 /* a vCPU halted with interrupts off: it can never wake */
#define KVMINI_STATUS_GUEST_CRASH 119 /* triple fault, emulation failure, unknown exit */
#define KVMINI_STATUS_PANIC	  120 /* Linux guest panicked */
#define KVMINI_STATUS_SECCOMP	  121 /* the monitor made a forbidden system call (seccomp) */
#define KVMINI_STATUS_SIGNAL	  122 /* stopped by SIGINT/SIGTERM */
#define KVMINI_STATUS_TIMEOUT	  123 /* --timeout expired */

#endif /* KVMINI_ABI_H */
