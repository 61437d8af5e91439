/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the virtio unit tests: a guest RAM on a plain buffer, a
 * driver-side split ring written into it, and a driver talking to a
 * virtio-mmio transport through its register callbacks, the way a guest's
 * MMIO accesses reach it through the bus.
 */
#ifndef KVMINI_TEST_VIRTIO_H
#define KVMINI_TEST_VIRTIO_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kvmini/guest_mem.h"
#include "kvmini/virtio_mmio.h"
#include "kvmini/virtio_spec.h"

#define VT_MEM_SIZE (1u << 20) /* 1 MiB of "guest RAM" */
#define VT_RING_GPA 0x10000    /* where the test rings go */
#define VT_DATA_GPA 0x40000    /* where the test buffers go */

static inline void vt_mem_init(struct guest_mem *mem)
{
	uint8_t *buf = aligned_alloc(4096, VT_MEM_SIZE);
	ck_assert_ptr_nonnull(buf);
	memset(buf, 0, VT_MEM_SIZE);
	guest_mem_layout(mem, buf, VT_MEM_SIZE);
}

static inline void vt_mem_free(struct guest_mem *mem)
{
	free(mem->host);
}

static inline void *vt_ptr(const struct guest_mem *mem, uint64_t gpa)
{
	void *p = guest_mem_ptr(mem, gpa, 1);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* The driver's view of one split ring in the test memory. */
struct vt_ring {
	const struct guest_mem *mem;
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t avail_idx; /* next free avail slot, free-running */
};

/* Lay out desc table, avail ring and used ring back to back from gpa. */
static inline void vt_ring_init(struct vt_ring *r, const struct guest_mem *mem, uint16_t num,
				uint64_t gpa)
{
	r->mem = mem;
	r->num = num;
	r->desc = gpa;
	r->avail = gpa + VIRTQ_DESC_SIZE(num);
	r->used = (r->avail + VIRTQ_AVAIL_SIZE(num) + 3) & ~3ULL;
	r->avail_idx = 0;
}

static inline void vt_desc(struct vt_ring *r, uint16_t i, uint64_t addr, uint32_t len,
			   uint16_t flags, uint16_t next)
{
	struct virtq_desc *d = vt_ptr(r->mem, r->desc + 16ULL * i);
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Write a descriptor into an indirect table at gpa. */
static inline void vt_indirect_desc(const struct guest_mem *mem, uint64_t table, uint16_t i,
				    uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc *d = vt_ptr(mem, table + 16ULL * i);
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Make the chain starting at head available. */
static inline void vt_avail_add(struct vt_ring *r, uint16_t head)
{
	struct virtq_avail *a = vt_ptr(r->mem, r->avail);
	a->ring[r->avail_idx % r->num] = head;
	r->avail_idx++;
	a->idx = r->avail_idx;
}

static inline struct virtq_avail *vt_avail(struct vt_ring *r)
{
	return vt_ptr(r->mem, r->avail);
}

static inline struct virtq_used *vt_used(struct vt_ring *r)
{
	return vt_ptr(r->mem, r->used);
}

/* ---- a driver on the register file ---------------------------------------- */

static inline uint32_t vt_rd(struct virtio_mmio *vmio, uint64_t off)
{
	uint8_t b[4];
	vmio->dev.ops->read(&vmio->dev, off, b, 4);
	return (uint32_t)device_load_le(b, 4);
}

static inline void vt_wr(struct virtio_mmio *vmio, uint64_t off, uint32_t v)
{
	uint8_t b[4];
	device_store_le(b, 4, v);
	vmio->dev.ops->write(&vmio->dev, off, b, 4);
}

/* Negotiate features (section 3.1.1 steps 1-6); returns the status read back. */
static inline uint32_t vt_negotiate(struct virtio_mmio *vmio, uint64_t features)
{
	vt_wr(vmio, VIRTIO_MMIO_STATUS, 0);
	vt_wr(vmio, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	vt_wr(vmio, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vt_wr(vmio, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vt_wr(vmio, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	vt_wr(vmio, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vt_wr(vmio, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	vt_wr(vmio, VIRTIO_MMIO_STATUS,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return vt_rd(vmio, VIRTIO_MMIO_STATUS);
}

/* Program queue q with ring r and set QueueReady. */
static inline void vt_queue_setup(struct virtio_mmio *vmio, unsigned int q, struct vt_ring *r)
{
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_SEL, q);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NUM, r->num);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)r->desc);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(r->desc >> 32));
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)r->avail);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(r->avail >> 32));
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)r->used);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(r->used >> 32));
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_READY, 1);
}

static inline void vt_driver_ok(struct virtio_mmio *vmio)
{
	vt_wr(vmio, VIRTIO_MMIO_STATUS,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		      VIRTIO_STATUS_DRIVER_OK);
}

static inline int vt_needs_reset(struct virtio_mmio *vmio)
{
	return (vt_rd(vmio, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

/* An interrupt line that counts pulses. */
struct vt_irq {
	struct irq_line line;
	int pulses;
};

static inline void vt_irq_pulse(struct irq_line *line)
{
	((struct vt_irq *)line->opaque)->pulses++;
}

static inline void vt_irq_init(struct vt_irq *irq)
{
	memset(irq, 0, sizeof(*irq));
	irq->line.pulse = vt_irq_pulse;
	irq->line.opaque = irq;
	irq->line.gsi = 5;
}

#endif /* KVMINI_TEST_VIRTIO_H */
