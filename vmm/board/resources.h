/* SPDX-License-Identifier: MIT */
/*
 * The board's device manager: who owns which guest-physical MMIO range, which
 * I/O ports and which interrupt line (GSI). Every device the monitor places
 * claims its resources here first, so that two devices asking for the same
 * address or GSI get a message naming both instead of a silent clash.
 *
 * Fixed devices claim fixed places (the PC's COM1 at port 0x3f8, GSI 4);
 * virtio-mmio devices are handed the next free slot of the virtio window
 * (include/abi/kvmini_abi.h): device n at KVMINI_VIRTIO_MMIO_BASE +
 * n * KVMINI_VIRTIO_MMIO_STRIDE, raising GSI KVMINI_VIRTIO_MMIO_FIRST_GSI + n.
 * The order matters to the guest: the Linux command line and the device tree
 * list the slots, and a Linux guest names its disks in that order.
 */
#ifndef KVMINI_RESOURCES_H
#define KVMINI_RESOURCES_H

#include <stdint.h>

#include "abi/kvmini_abi.h"

#define RESOURCES_MAX_RANGES 32 /* per address space: far more than a board has */

/* KVM's in-kernel IOAPIC has 24 pins, so GSIs are 0..23 (api.rst, KVM_CREATE_IRQCHIP). */
#define RESOURCES_MAX_GSI 24

/* One claimed range of an address space. */
struct resource_range {
	uint64_t base, size;
	const char *owner; /* for messages: "COM1", "virtio-blk" */
};

/* A virtio-mmio slot handed out by resources_alloc_virtio(). */
struct virtio_slot {
	uint64_t base, size; /* size: the device's register window, not the stride */
	int gsi;
};

struct resources {
	struct resource_range mmio[RESOURCES_MAX_RANGES];
	struct resource_range pio[RESOURCES_MAX_RANGES];
	unsigned int nmmio, npio;
	const char *gsi_owner[RESOURCES_MAX_GSI]; /* NULL: free */
	/* The virtio-mmio slots handed out, in order: for the FDT and the Linux command line. */
	struct virtio_slot virtio[KVMINI_VIRTIO_MMIO_MAX];
	unsigned int nvirtio;
};

/*
 * Start with nothing handed out but what the in-kernel irqchip occupies in
 * the MMIO hole (the IOAPIC and the local APICs' pages).
 */
void resources_init(struct resources *r);

/*
 * Claim [base, base + size) of guest-physical MMIO, or of I/O port space, for
 * owner. 0; -EEXIST if any of it is already claimed (the error names both
 * owners); -EINVAL for an empty range or one that runs past 2^64; -ENOSPC
 * when the table is full. Errors are logged.
 */
int resources_claim_mmio(struct resources *r, uint64_t base, uint64_t size, const char *owner);
int resources_claim_pio(struct resources *r, uint64_t base, uint64_t size, const char *owner);

/* Claim interrupt line gsi for owner. 0, -EEXIST (logged, naming both), -EINVAL. */
int resources_claim_gsi(struct resources *r, int gsi, const char *owner);

/*
 * Hand out the next virtio-mmio slot to a device whose registers span size
 * bytes (at most KVMINI_VIRTIO_MMIO_STRIDE): claims the slot's MMIO stride and
 * its GSI, records it in r->virtio[] and fills *slot. On error nothing is
 * claimed: -ENOSPC when all KVMINI_VIRTIO_MMIO_MAX slots are taken, -EEXIST if
 * another device holds the slot's range or GSI, -EINVAL for a bad size.
 * Errors are logged.
 */
int resources_alloc_virtio(struct resources *r, uint64_t size, const char *owner,
			   struct virtio_slot *slot);

#endif /* KVMINI_RESOURCES_H */
