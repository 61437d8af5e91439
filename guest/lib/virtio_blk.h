/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk driver of the tiny guest (virtio 1.2 section 5.2): one request
 * at a time, completion by interrupt.
 */
#ifndef GUEST_VIRTIO_BLK_H
#define GUEST_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define VBLK_QUEUE_SIZE 128
#define VBLK_TIMEOUT_MS 4000

struct vblk {
	struct virtio_dev dev;
	struct virtqueue vq;
	uint64_t capacity; /* 512-byte sectors */
	bool read_only;	   /* VIRTIO_BLK_F_RO offered */
	struct virtio_blk_req_hdr hdr;
	volatile uint8_t status;
	uint8_t ring[VIRTQ_RING_BYTES(VBLK_QUEUE_SIZE)] __attribute__((aligned(4096)));
};

/*
 * Find the instance-th virtio-blk device, negotiate (FLUSH, RO, BLK_SIZE,
 * SEG_MAX if offered), set up its queue and set DRIVER_OK. 0 or -1.
 */
int vblk_open(struct vblk *b, int instance);

/*
 * One request: type VIRTIO_BLK_T_*, starting sector, data buffer of len
 * bytes (device-writable for IN and GET_ID, readable for OUT, none if len 0).
 * Returns the status byte the device wrote (VIRTIO_BLK_S_*), or -1 if the
 * request did not complete in time.
 */
int vblk_request(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len);

#endif /* GUEST_VIRTIO_BLK_H */
