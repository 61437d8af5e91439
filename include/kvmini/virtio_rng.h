/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng, the entropy device (virtio 1.2 section 5.4): one request queue
 * whose device-writable buffers the device fills from the host's getrandom().
 */
#ifndef KVMINI_VIRTIO_RNG_H
#define KVMINI_VIRTIO_RNG_H

#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"
#include "kvmini/virtio_mmio.h"

#define VIRTIO_RNG_QUEUE_SIZE  64
#define VIRTIO_RNG_MAX_REQUEST 65536 /* bytes filled per request at most */

struct virtio_rng;

/* Create the device. Returns 0 and *out, or -ENOMEM. */
int virtio_rng_create(struct virtio_rng **out, const struct guest_mem *mem, struct irq_line *irq);

/* The transport, for the board to place on the MMIO bus. */
struct virtio_mmio *virtio_rng_mmio(struct virtio_rng *rng);

struct state_writer;
struct state_reader;

/*
 * Save the device's state: the transport's blob and an empty
 * STATE_KIND_VIRTIO_RNG blob (the device has nothing of its own; the blob
 * names the kind and leaves room for a later version). Takes the device
 * lock. 0 or -errno.
 */
int virtio_rng_save(struct virtio_rng *rng, struct state_writer *w);

/*
 * Load a state written by virtio_rng_save() into a freshly created device.
 * On error (-EPROTO, -EINVAL, logged) rng is unchanged. Takes the device lock.
 */
int virtio_rng_load(struct virtio_rng *rng, struct state_reader *r);

/* Free the device. */
void virtio_rng_destroy(struct virtio_rng *rng);

#endif /* KVMINI_VIRTIO_RNG_H */
