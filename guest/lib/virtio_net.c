/* SPDX-License-Identifier: MIT */
/*
 * virtio-net driver of the tiny guest (see virtio_net.h).
 */
#include <stddef.h>

#include "string.h"
#include "virtio_net.h"

/* Post receive buffer i (device-writable, header and frame together). 0 or -1. */
static int post_rx(struct vnet *n, int i)
{
	struct virtq_buf b = {n->rx_bufs[i], VNET_BUF_SIZE, true};
	int head = virtq_add(&n->rxq, &b, 1);

	if (head < 0)
		return -1;
	n->rx_buf_of[head] = (int8_t)i;
	return 0;
}

int vnet_open(struct vnet *n, int instance)
{
	if (virtio_find(VNET_DEVICE_ID, instance, &n->dev) ||
	    virtio_init(&n->dev, 1ull << VNET_F_MAC) || !(n->dev.features & (1ull << VNET_F_MAC)))
		return -1;
	/* Section 4.2.2.2: 8-bit fields of the configuration are read 8 bits wide. */
	for (unsigned int i = 0; i < 6; i++)
		n->mac[i] = *(volatile uint8_t *)(uintptr_t)(n->dev.base + VIRTIO_MMIO_CONFIG +
							     VNET_CFG_MAC + i);
	if (virtq_setup(&n->dev, &n->rxq, VNET_RX_QUEUE, VNET_QUEUE_SIZE, n->rx_ring) ||
	    virtq_setup(&n->dev, &n->txq, VNET_TX_QUEUE, VNET_QUEUE_SIZE, n->tx_ring))
		return -1;
	for (int i = 0; i < VNET_QUEUE_SIZE; i++)
		n->rx_buf_of[i] = -1;
	/* Section 5.1.5: fill the receive queue before DRIVER_OK; notify only after it. */
	for (int i = 0; i < VNET_RX_BUFS; i++)
		if (post_rx(n, i))
			return -1;
	virtio_driver_ok(&n->dev);
	virtq_kick(&n->rxq);
	return 0;
}

int vnet_send(struct vnet *n, const void *frame, uint32_t len)
{
	uint32_t used;

	if (len > VNET_MAX_FRAME)
		return -1;
	/* No offloads negotiated: flags 0, GSO_NONE, num_buffers 0 (section 5.1.6.2). */
	memset(n->tx_buf, 0, VNET_HDR_SIZE);
	memcpy(n->tx_buf + VNET_HDR_SIZE, frame, len);
	struct virtq_buf b = {n->tx_buf, VNET_HDR_SIZE + len, false};
	return virtq_transfer(&n->txq, &b, 1, &used, 4000) < 0 ? -1 : 0;
}

int vnet_recv(struct vnet *n, void *buf, uint32_t size, uint32_t timeout_ms)
{
	uint32_t used;
	int head = virtq_wait(&n->rxq, &used, timeout_ms);

	if (head < 0 || head >= VNET_QUEUE_SIZE || n->rx_buf_of[head] < 0)
		return -1;
	int i = n->rx_buf_of[head];
	n->rx_buf_of[head] = -1;
	int len = -1;
	/* The device wrote the header and then the frame (section 5.1.6.4). */
	if (used >= VNET_HDR_SIZE && used <= VNET_BUF_SIZE) {
		len = (int)(used - VNET_HDR_SIZE);
		memcpy(buf, n->rx_bufs[i] + VNET_HDR_SIZE,
		       (uint32_t)len < size ? (uint32_t)len : size);
	}
	/* Give the buffer back, so the device always has VNET_RX_BUFS to fill. */
	if (post_rx(n, i) == 0)
		virtq_kick(&n->rxq);
	return len;
}
