/* SPDX-License-Identifier: MIT */
/*
 * virtio-console driver of the tiny guest (see virtio_console.h).
 */
#include <string.h>

#include "virtio_console.h"

#define TIMEOUT_MS 4000

/* Post receive buffer i: device-writable, so the device can fill it. */
static int post_rx(struct vcons *c, unsigned int i)
{
	struct virtq_buf b = {c->rx_bufs[i], VCONS_RX_BUF_LEN, true};
	return virtq_add(&c->rx, &b, 1) < 0 ? -1 : 0;
}

int vcons_open(struct vcons *c)
{
	if (virtio_find(VIRTIO_ID_CONSOLE, 0, &c->dev) ||
	    virtio_init(&c->dev, 1ULL << VIRTIO_CONSOLE_F_EMERG_WRITE) ||
	    virtq_setup(&c->dev, &c->rx, VIRTIO_CONSOLE_RX_QUEUE, VCONS_QUEUE_SIZE, c->rx_ring) ||
	    virtq_setup(&c->dev, &c->tx, VIRTIO_CONSOLE_TX_QUEUE, VCONS_QUEUE_SIZE, c->tx_ring))
		return -1;
	/*
	 * Section 5.3.6.1: the driver should fill the receive queue before
	 * DRIVER_OK, so that input that is waiting arrives at once.
	 */
	for (unsigned int i = 0; i < VCONS_RX_BUFS; i++)
		if (post_rx(c, i))
			return -1;
	virtq_kick(&c->rx);
	virtio_driver_ok(&c->dev);
	return 0;
}

int vcons_write(struct vcons *c, const void *buf, size_t len)
{
	struct virtq_buf b = {(void *)buf, (uint32_t)len, false};
	return virtq_transfer(&c->tx, &b, 1, NULL, TIMEOUT_MS) < 0 ? -1 : 0;
}

int vcons_read(struct vcons *c, void *buf, size_t len, uint32_t timeout_ms)
{
	uint32_t used;
	int head = virtq_wait(&c->rx, &used, timeout_ms);

	if (head < 0)
		return -1;
	/* Descriptor i of the free list was posted with rx_bufs[i]: find which buffer. */
	const uint8_t *filled = (const uint8_t *)(uintptr_t)c->rx.desc[head].addr;
	unsigned int i = (unsigned int)((filled - &c->rx_bufs[0][0]) / VCONS_RX_BUF_LEN);
	if (i >= VCONS_RX_BUFS)
		return -1;
	size_t n = used < len ? used : len;
	if (used > VCONS_RX_BUF_LEN)
		n = 0; /* the device claims more than the buffer holds: ignore */
	memcpy(buf, filled, n);
	if (post_rx(c, i) == 0)
		virtq_kick(&c->rx);
	return (int)n;
}
