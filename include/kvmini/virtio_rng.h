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

/* Free the device. */
void virtio_rng_destroy(struct virtio_rng *rng);

#endif /* KVMINI_VIRTIO_RNG_H */
