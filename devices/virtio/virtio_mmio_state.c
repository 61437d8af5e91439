// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio transport's state (kvmini/device_state.h): the register
 * file, the negotiated features and every queue, in one blob that each
 * virtio device writes before its own. A saved state is input like any
 * file: it is read and checked in full, against the rules the live register
 * file enforces (virtio_mmio.c), before anything is applied.
 */
#include <string.h>

#include "kvmini/device_state.h"
#include "kvmini/virtio_mmio.h"

#define VIRTIO_MMIO_STATE_VERSION 1

int virtio_mmio_save(const struct virtio_mmio *vmio, struct state_writer *w)
{
	state_begin(w, STATE_KIND_VIRTIO_MMIO, VIRTIO_MMIO_STATE_VERSION);
	/* Configuration, saved so that a load onto another kind of device is refused. */
	state_put_u32(w, vmio->ops->device_id);
	state_put_u64(w, vmio->device_features);
	state_put_u8(w, (uint8_t)vmio->ops->num_queues);
	/* The register file. */
	state_put_u64(w, vmio->driver_features);
	state_put_u32(w, vmio->device_features_sel);
	state_put_u32(w, vmio->driver_features_sel);
	state_put_u32(w, vmio->queue_sel);
	state_put_u32(w, vmio->shm_sel);
	state_put_u32(w, vmio->status);
	state_put_u32(w, vmio->interrupt_status);
	state_put_u32(w, vmio->config_generation);
	for (unsigned int q = 0; q < vmio->ops->num_queues; q++) {
		const struct virtq *vq = &vmio->queues[q];
		state_put_u16(w, vq->num);
		state_put_u64(w, vq->desc_gpa);
		state_put_u64(w, vq->avail_gpa);
		state_put_u64(w, vq->used_gpa);
		state_put_bool(w, vq->indirect);
		state_put_bool(w, vq->ready);
		state_put_u16(w, vq->last_avail);
		state_put_u16(w, vq->used_idx);
	}
	return state_end(w);
}

/* Queue q as saved: its fields, and whether the driver had made it ready. */
struct saved_queue {
	struct virtq vq; /* num, addresses, indirect, indices; not ready */
	bool ready;
};

static void read_queue(struct state_reader *r, struct saved_queue *sq)
{
	virtq_reset(&sq->vq);
	sq->vq.num = state_get_u16(r);
	sq->vq.desc_gpa = state_get_u64(r);
	sq->vq.avail_gpa = state_get_u64(r);
	sq->vq.used_gpa = state_get_u64(r);
	sq->vq.indirect = state_get_bool(r);
	sq->ready = state_get_bool(r);
	sq->vq.last_avail = state_get_u16(r);
	sq->vq.used_idx = state_get_u16(r);
}

/* Check a saved queue; a ready one gets the ring checks of QueueReady (virtq_restore). */
static int check_queue(const struct virtio_mmio *vmio, struct state_reader *r, unsigned int q,
		       struct saved_queue *sq)
{
	uint32_t num = sq->vq.num, max = vmio->ops->queue_num_max;

	/* write_queue_num() lets only these sizes in; 0 means "never set". */
	if (num != 0 && (num > max || (num & (num - 1)) != 0))
		return state_invalid(r, "queue %u: size %u is not a power of 2 up to %u", q, num,
				     max);
	if ((uint16_t)(sq->vq.last_avail - sq->vq.used_idx) > num)
		return state_invalid(r, "queue %u: %u chains taken and not returned, size %u", q,
				     (uint16_t)(sq->vq.last_avail - sq->vq.used_idx), num);
	if (!sq->ready)
		return 0;
	enum virtq_error err =
		virtq_restore(&sq->vq, vmio->mem, max, sq->vq.last_avail, sq->vq.used_idx);
	if (err)
		return state_invalid(r, "queue %u: %s", q, virtq_error_str(err));
	return 0;
}

int virtio_mmio_state_read(const struct virtio_mmio *vmio, struct state_reader *r,
			   struct virtio_mmio_state *st)
{
	struct saved_queue queues[VIRTIO_MMIO_MAX_QUEUES];
	uint32_t version;
	int err = state_open(r, vmio->dev.name, STATE_KIND_VIRTIO_MMIO, VIRTIO_MMIO_STATE_VERSION,
			     &version);

	if (err)
		return err;
	uint32_t device_id = state_get_u32(r);
	uint64_t device_features = state_get_u64(r);
	uint8_t num_queues = state_get_u8(r);
	memset(st, 0, sizeof(*st));
	st->driver_features = state_get_u64(r);
	st->device_features_sel = state_get_u32(r);
	st->driver_features_sel = state_get_u32(r);
	st->queue_sel = state_get_u32(r);
	st->shm_sel = state_get_u32(r);
	st->status = state_get_u32(r);
	st->interrupt_status = state_get_u32(r);
	st->config_generation = state_get_u32(r);
	/* Checked before the queues are read: the count sizes the payload. */
	if (!r->err && num_queues != vmio->ops->num_queues)
		return state_invalid(r, "saved with %u queues, this device has %u", num_queues,
				     vmio->ops->num_queues);
	for (unsigned int q = 0; q < vmio->ops->num_queues; q++)
		read_queue(r, &queues[q]);
	err = state_close(r);
	if (err)
		return err;

	if (device_id != vmio->ops->device_id)
		return state_invalid(r, "saved from virtio device ID %u, this is ID %u", device_id,
				     vmio->ops->device_id);
	if (device_features != vmio->device_features)
		return state_invalid(r,
				     "saved with features %#llx offered, this device offers %#llx",
				     (unsigned long long)device_features,
				     (unsigned long long)vmio->device_features);
	/* What write_status() lets through. */
	if ((st->status & VIRTIO_STATUS_FEATURES_OK) &&
	    !virtio_mmio_features_acceptable(vmio, st->driver_features))
		return state_invalid(r, "FEATURES_OK with driver features %#llx the device refuses",
				     (unsigned long long)st->driver_features);
	if ((st->status & VIRTIO_STATUS_DRIVER_OK) && !(st->status & VIRTIO_STATUS_FEATURES_OK))
		return state_invalid(r, "status %#x has DRIVER_OK without FEATURES_OK", st->status);
	if (st->interrupt_status & ~(uint32_t)(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG))
		return state_invalid(r, "InterruptStatus %#x has undefined bits",
				     st->interrupt_status);
	for (unsigned int q = 0; q < vmio->ops->num_queues; q++) {
		err = check_queue(vmio, r, q, &queues[q]);
		if (err)
			return err;
		st->queues[q] = queues[q].vq;
	}
	for (unsigned int q = vmio->ops->num_queues; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		virtq_reset(&st->queues[q]);
	return 0;
}

void virtio_mmio_state_apply(struct virtio_mmio *vmio, const struct virtio_mmio_state *st)
{
	vmio->driver_features = st->driver_features;
	vmio->device_features_sel = st->device_features_sel;
	vmio->driver_features_sel = st->driver_features_sel;
	vmio->queue_sel = st->queue_sel;
	vmio->shm_sel = st->shm_sel;
	vmio->status = st->status;
	vmio->interrupt_status = st->interrupt_status;
	vmio->config_generation = st->config_generation;
	memcpy(vmio->queues, st->queues, sizeof(vmio->queues));
	if (vmio->interrupt_status)
		irq_pulse(vmio->irq);
}
