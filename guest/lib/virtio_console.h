/* SPDX-License-Identifier: MIT */
/*
 * virtio-console driver of the tiny guest (virtio 1.2 section 5.3): port 0
 * only, receive buffers kept posted, completion by interrupt.
 */
#ifndef GUEST_VIRTIO_CONSOLE_H
#define GUEST_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio.h"

#define VCONS_QUEUE_SIZE 16
#define VCONS_RX_BUFS	 8
#define VCONS_RX_BUF_LEN 64

struct vcons {
	struct virtio_dev dev;
	struct virtqueue rx, tx;
	uint8_t rx_bufs[VCONS_RX_BUFS][VCONS_RX_BUF_LEN];
	uint8_t rx_ring[VIRTQ_RING_BYTES(VCONS_QUEUE_SIZE)] __attribute__((aligned(4096)));
	uint8_t tx_ring[VIRTQ_RING_BYTES(VCONS_QUEUE_SIZE)] __attribute__((aligned(4096)));
};

/* Find the console, set up both queues, post the receive buffers, DRIVER_OK. 0 or -1. */
int vcons_open(struct vcons *c);

/* Send len bytes and wait until the device has taken them. 0 or -1. */
int vcons_write(struct vcons *c, const void *buf, size_t len);

/*
 * Wait up to timeout_ms for input and copy at most len bytes of one filled
 * receive buffer into buf (the rest of that buffer is dropped); the buffer
 * is posted again. Returns the number of bytes, or -1 on timeout.
 */
int vcons_read(struct vcons *c, void *buf, size_t len, uint32_t timeout_ms);

#endif /* GUEST_VIRTIO_CONSOLE_H */
