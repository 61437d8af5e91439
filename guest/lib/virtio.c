/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio driver of the tiny guest (see virtio.h).
 */
#include <stddef.h>
#include <string.h>

#include <libfdt.h>

#include "devicetree.h"
#include "io.h"
#include "irq.h"
#include "printf.h"
#include "virtio.h"

/* Keep the compiler from moving ring accesses across this point (x86 keeps the CPU in order). */
#define compiler_barrier() asm volatile("" : : : "memory")

uint32_t virtio_read(const struct virtio_dev *dev, uint32_t reg)
{
	return mmio_read32(dev->base + reg);
}

void virtio_write(const struct virtio_dev *dev, uint32_t reg, uint32_t value)
{
	mmio_write32(dev->base + reg, value);
}

uint32_t virtio_status(const struct virtio_dev *dev)
{
	return virtio_read(dev, VIRTIO_MMIO_STATUS);
}

/* reg and interrupts of a "virtio,mmio" node. 0 or -1. */
static int node_resources(const void *fdt, int node, uint64_t *base, unsigned int *gsi)
{
	int parent = fdt_parent_offset(fdt, node);
	int acells = fdt_address_cells(fdt, parent), len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
	const fdt32_t *irq;

	if (parent < 0 || acells < 1 || acells > 2 || !reg || len < acells * 4)
		return -1;
	*base = fdt32_ld(&reg[0]);
	if (acells == 2)
		*base = *base << 32 | fdt32_ld(&reg[1]);
	irq = fdt_getprop(fdt, node, "interrupts", &len);
	if (!irq || len < 4)
		return -1;
	*gsi = fdt32_ld(&irq[0]);
	return 0;
}

int virtio_count(void)
{
	const void *fdt = dt_fdt();
	int count = 0;

	if (!fdt)
		return 0;
	for (int node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio"))
		count++;
	return count;
}

int virtio_find(uint32_t device_id, int instance, struct virtio_dev *dev)
{
	const void *fdt = dt_fdt();

	if (!fdt)
		return -1;
	for (int node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) {
		memset(dev, 0, sizeof(*dev));
		if (node_resources(fdt, node, &dev->base, &dev->gsi))
			continue;
		/* Section 4.2.2.2: ignore anything that is not a version 2 device. */
		if (virtio_read(dev, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
		    virtio_read(dev, VIRTIO_MMIO_VERSION) != 2)
			continue;
		dev->device_id = virtio_read(dev, VIRTIO_MMIO_DEVICE_ID);
		if (dev->device_id == device_id && instance-- == 0)
			return 0;
	}
	return -1;
}

/* The device's interrupt: find out why (section 4.2.3.4) and acknowledge. */
static void virtio_interrupt(void *opaque)
{
	struct virtio_dev *dev = opaque;
	uint32_t isr = virtio_read(dev, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (isr)
		virtio_write(dev, VIRTIO_MMIO_INTERRUPT_ACK, isr);
	dev->isr_bits |= isr;
	dev->irq_count++;
	/* Used buffer notification: note how far each queue's used ring got. */
	if (isr & VIRTIO_MMIO_INT_VRING)
		for (unsigned int q = 0; q < 4; q++)
			if (dev->queues[q])
				dev->queues[q]->irq_used =
					*(volatile uint16_t *)&dev->queues[q]->used->idx;
}

void virtio_reset(struct virtio_dev *dev)
{
	for (unsigned int q = 0; q < 4; q++)
		dev->queues[q] = NULL;
	virtio_write(dev, VIRTIO_MMIO_STATUS, 0);
	/* Section 4.2.3.1.1: wait for the reset to complete. */
	while (virtio_status(dev) != 0)
		;
}

int virtio_init(struct virtio_dev *dev, uint64_t wanted)
{
	uint32_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	virtio_reset(dev);
	virtio_write(dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_write(dev, VIRTIO_MMIO_STATUS, status);
	virtio_write(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	dev->device_features = virtio_read(dev, VIRTIO_MMIO_DEVICE_FEATURES);
	virtio_write(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	dev->device_features |= (uint64_t)virtio_read(dev, VIRTIO_MMIO_DEVICE_FEATURES) << 32;

	dev->features = dev->device_features & (wanted | 1ULL << VIRTIO_F_VERSION_1);
	virtio_write(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	virtio_write(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)dev->features);
	virtio_write(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_write(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(dev->features >> 32));
	virtio_write(dev, VIRTIO_MMIO_STATUS, status | VIRTIO_STATUS_FEATURES_OK);
	/* Section 3.1.1 step 6: FEATURES_OK must still be set when read back. */
	if (!(virtio_status(dev) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_write(dev, VIRTIO_MMIO_STATUS, status | VIRTIO_STATUS_FAILED);
		return -1;
	}
	dev->isr_bits = 0;
	return irq_enable_gsi(dev->gsi, virtio_interrupt, dev);
}

void virtio_driver_ok(struct virtio_dev *dev)
{
	virtio_write(dev, VIRTIO_MMIO_STATUS, virtio_status(dev) | VIRTIO_STATUS_DRIVER_OK);
}

int virtq_setup(struct virtio_dev *dev, struct virtqueue *vq, unsigned int index, uint16_t num,
		void *ring)
{
	uint8_t *mem = ring;

	virtio_write(dev, VIRTIO_MMIO_QUEUE_SEL, index);
	uint32_t max = virtio_read(dev, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (virtio_read(dev, VIRTIO_MMIO_QUEUE_READY) || max == 0 || num > max)
		return -1;
	memset(mem, 0, VIRTQ_RING_BYTES(num));
	vq->dev = dev;
	vq->index = index;
	vq->num = num;
	vq->desc = (struct virtq_desc *)mem;
	vq->avail = (struct virtq_avail *)(mem + 16u * num);
	vq->used = (struct virtq_used *)(mem + ((16u * num + 6u + 2u * num + 4095u) & ~4095u));
	vq->avail_idx = 0;
	vq->last_used = 0;
	vq->free_head = 0;
	vq->num_free = num;
	vq->irq_used = 0;
	for (uint16_t i = 0; i < num; i++)
		vq->desc[i].next = (uint16_t)(i + 1);

	uint64_t desc = (uintptr_t)vq->desc, avail = (uintptr_t)vq->avail;
	uint64_t used = (uintptr_t)vq->used;
	virtio_write(dev, VIRTIO_MMIO_QUEUE_NUM, num);
	virtio_write(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	virtio_write(dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	virtio_write(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	virtio_write(dev, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	virtio_write(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	virtio_write(dev, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	virtio_write(dev, VIRTIO_MMIO_QUEUE_READY, 1);
	if (virtio_read(dev, VIRTIO_MMIO_QUEUE_READY) != 1)
		return -1;
	if (index < 4)
		dev->queues[index] = vq;
	return 0;
}

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int n)
{
	if (n == 0 || n > vq->num_free)
		return -1;
	uint16_t head = vq->free_head, i = head, last = head;
	for (unsigned int k = 0; k < n; k++) {
		struct virtq_desc *d = &vq->desc[i];
		d->addr = (uintptr_t)bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].writable ? VIRTQ_DESC_F_WRITE : 0) |
				      (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		last = i;
		i = d->next;
	}
	vq->free_head = vq->desc[last].next;
	vq->num_free = (uint16_t)(vq->num_free - n);

	vq->avail->ring[vq->avail_idx % vq->num] = head;
	compiler_barrier(); /* section 2.7.13: the ring entry before the index */
	vq->avail_idx++;
	*(volatile uint16_t *)&vq->avail->idx = vq->avail_idx;
	return head;
}

void virtq_kick(struct virtqueue *vq)
{
	compiler_barrier();
	virtio_write(vq->dev, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
}

bool virtq_has_used(struct virtqueue *vq)
{
	return *(volatile uint16_t *)&vq->used->idx != vq->last_used;
}

int virtq_get(struct virtqueue *vq, uint32_t *len)
{
	if (!virtq_has_used(vq))
		return -1;
	compiler_barrier(); /* read the element only after seeing the index */
	struct virtq_used_elem *e = &vq->used->ring[vq->last_used % vq->num];
	uint16_t head = (uint16_t)e->id;
	if (len)
		*len = e->len;
	vq->last_used++;
	if (head >= vq->num)
		return -1;
	/* Give the chain's descriptors back to the free list. */
	uint16_t i = head, n = 1;
	while ((vq->desc[i].flags & VIRTQ_DESC_F_NEXT) && n < vq->num) {
		i = vq->desc[i].next;
		n++;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + n);
	return head;
}

static bool irq_used_cond(void *arg)
{
	struct virtqueue *vq = arg;
	return vq->irq_used != vq->last_used;
}

int virtq_wait(struct virtqueue *vq, uint32_t *len, uint32_t timeout_ms)
{
	if (!irq_wait(irq_used_cond, vq, timeout_ms))
		return -1;
	return virtq_get(vq, len);
}

int virtq_transfer(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int n,
		   uint32_t *len, uint32_t timeout_ms)
{
	if (virtq_add(vq, bufs, n) < 0)
		return -1;
	virtq_kick(vq);
	return virtq_wait(vq, len, timeout_ms);
}

struct status_wait {
	struct virtio_dev *dev;
	uint32_t bits;
};

static bool status_cond(void *arg)
{
	struct status_wait *w = arg;
	return (virtio_status(w->dev) & w->bits) == w->bits;
}

bool virtio_wait_status(struct virtio_dev *dev, uint32_t bits, uint32_t timeout_ms)
{
	struct status_wait w = {dev, bits};
	return irq_wait(status_cond, &w, timeout_ms);
}
