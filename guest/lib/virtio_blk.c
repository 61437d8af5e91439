/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk driver of the tiny guest (see virtio_blk.h).
 */
#include <stddef.h>

#include "virtio_blk.h"

int vblk_open(struct vblk *b, int instance)
{
	uint64_t wanted = 1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_RO |
			  1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_SEG_MAX;

	if (virtio_find(VIRTIO_ID_BLOCK, instance, &b->dev) || virtio_init(&b->dev, wanted))
		return -1;
	/* Section 5.2.4: capacity, a le64, read as two 32-bit halves. */
	uint32_t lo = virtio_read(&b->dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY);
	uint32_t hi = virtio_read(&b->dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY + 4);
	b->capacity = (uint64_t)hi << 32 | lo;
	b->read_only = b->dev.features & (1ULL << VIRTIO_BLK_F_RO);
	if (virtq_setup(&b->dev, &b->vq, 0, VBLK_QUEUE_SIZE, b->ring))
		return -1;
	virtio_driver_ok(&b->dev);
	return 0;
}

int vblk_request(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
	bool device_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	struct virtq_buf bufs[3];
	unsigned int n = 0;

	b->hdr.type = type;
	b->hdr.reserved = 0;
	b->hdr.sector = sector;
	b->status = 0xff;
	bufs[n++] = (struct virtq_buf){&b->hdr, sizeof(b->hdr), false};
	if (len)
		bufs[n++] = (struct virtq_buf){buf, len, device_writes};
	bufs[n++] = (struct virtq_buf){(void *)&b->status, 1, true};
	if (virtq_transfer(&b->vq, bufs, n, NULL, VBLK_TIMEOUT_MS) < 0)
		return -1;
	return b->status;
}
