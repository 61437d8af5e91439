/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng driver of the tiny guest (see virtio_rng.h).
 */
#include "virtio_rng.h"

int vrng_open(struct vrng *r)
{
	if (virtio_find(VIRTIO_ID_RNG, 0, &r->dev) || virtio_init(&r->dev, 0) ||
	    virtq_setup(&r->dev, &r->vq, 0, VRNG_QUEUE_SIZE, r->ring))
		return -1;
	virtio_driver_ok(&r->dev);
	return 0;
}

int vrng_read(struct vrng *r, void *buf, uint32_t len)
{
	struct virtq_buf b = {buf, len, true};
	uint32_t used;

	if (virtq_transfer(&r->vq, &b, 1, &used, 4000) < 0)
		return -1;
	return used <= len ? (int)used : -1;
}
