/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng driver of the tiny guest (virtio 1.2 section 5.4).
 */
#ifndef GUEST_VIRTIO_RNG_H
#define GUEST_VIRTIO_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "virtio.h"

#define VRNG_QUEUE_SIZE 8

struct vrng {
	struct virtio_dev dev;
	struct virtqueue vq;
	uint8_t ring[VIRTQ_RING_BYTES(VRNG_QUEUE_SIZE)] __attribute__((aligned(4096)));
};

/* Find the entropy device, set up its queue, DRIVER_OK. 0 or -1. */
int vrng_open(struct vrng *r);

/* Ask for len bytes into buf. Returns the number the device filled, or -1. */
int vrng_read(struct vrng *r, void *buf, uint32_t len);

#endif /* GUEST_VIRTIO_RNG_H */
