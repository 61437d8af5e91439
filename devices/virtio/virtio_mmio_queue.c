// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio transport's device side (virtio 1.2 sections 2.7, 4.2.2):
 * what a device model calls while it serves its queues. It takes chains
 * from a queue (every one checked by virtq_pop()), serves them within a
 * budget, returns them to the used ring and interrupts the driver, or marks
 * the device DEVICE_NEEDS_RESET when a ring or request is broken. The
 * register file the driver sees is virtio_mmio.c.
 *
 * Interrupts are pulses, never a held level: virtio_mmio.c says why.
 */
#include <stdio.h>

#include "kvmini/log.h"
#include "kvmini/virtio_mmio.h"

bool virtio_mmio_live(const struct virtio_mmio *vmio)
{
	return (vmio->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vmio->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void raise_interrupt(struct virtio_mmio *vmio, uint32_t cause)
{
	/* Section 4.2.2.1: the bit stays set until the driver acknowledges it. */
	vmio->interrupt_status |= cause;
	irq_pulse(vmio->irq);
}

void virtio_mmio_set_broken(struct virtio_mmio *vmio, const char *why)
{
	log_once(&vmio->logged_broken, LOG_WARN,
		 "%s@%#llx: %s; device needs reset (further errors not logged)", vmio->dev.name,
		 (unsigned long long)vmio->dev.base, why);
	if (vmio->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return;
	vmio->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	/* Section 2.1.2: after DRIVER_OK, NEEDS_RESET comes with a config change notification. */
	if (vmio->status & VIRTIO_STATUS_DRIVER_OK)
		raise_interrupt(vmio, VIRTIO_MMIO_INT_CONFIG);
}

int virtio_mmio_pop(struct virtio_mmio *vmio, unsigned int q, struct virtq_chain *chain)
{
	enum virtq_error err;
	char why[160];

	int r = virtq_pop(&vmio->queues[q], chain, &err);
	if (r < 0) {
		snprintf(why, sizeof(why), "queue %u: %s", q, virtq_error_str(err));
		virtio_mmio_set_broken(vmio, why);
	}
	return r;
}

bool virtio_mmio_serve_queue(struct virtio_mmio *vmio, unsigned int q, virtio_serve_fn serve,
			     void *opaque, unsigned int budget)
{
	struct virtq_chain *c = &vmio->chain;
	unsigned int served = 0;
	bool stop = false, more = false;

	if (q >= vmio->ops->num_queues || !vmio->queues[q].ready || !virtio_mmio_live(vmio))
		return false;
	while (!stop) {
		if (served == budget) {
			more = true; /* maybe more chains: the caller comes back */
			break;
		}
		if (virtio_mmio_pop(vmio, q, c) <= 0)
			break;
		int64_t used = serve(opaque, c, &stop);
		if (used == VIRTIO_SERVE_BROKEN) {
			virtio_mmio_set_broken(vmio, "chain without room for an answer");
			break;
		}
		virtio_mmio_push(vmio, q, c->head, (uint32_t)used);
		served++;
	}
	/*
	 * One used buffer notification per batch (section 2.7.7.2 lets the
	 * device send fewer than one per buffer), unless the driver asked for
	 * none. Sent before returning "more", so a guest sees completions
	 * while a long queue is still being worked through.
	 */
	if (served > 0)
		virtio_mmio_notify_used(vmio, q);
	return more;
}

void virtio_mmio_push(struct virtio_mmio *vmio, unsigned int q, uint16_t head, uint32_t len)
{
	virtq_push(&vmio->queues[q], head, len);
}

void virtio_mmio_notify_used(struct virtio_mmio *vmio, unsigned int q)
{
	if (virtq_needs_interrupt(&vmio->queues[q]))
		raise_interrupt(vmio, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_used_interrupt(struct virtio_mmio *vmio)
{
	raise_interrupt(vmio, VIRTIO_MMIO_INT_VRING);
}
