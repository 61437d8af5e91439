/* SPDX-License-Identifier: MIT */
/*
 * virtio-net driver of the tiny guest (virtio 1.2 section 5.1): one
 * receive and one transmit queue, frames of at most VNET_MAX_FRAME bytes,
 * no offloads and no mergeable buffers, so every frame in either direction
 * is one buffer: the 12-byte header (section 5.1.6, num_buffers included
 * with VIRTIO_F_VERSION_1) and the Ethernet frame.
 */
#ifndef GUEST_VIRTIO_NET_H
#define GUEST_VIRTIO_NET_H

#include <stdint.h>

#include "virtio.h"

/* From the specification (section 5.1); the monitor's header needs pthreads. */
#define VNET_DEVICE_ID 1 /* section 5.1.1 */
#define VNET_F_MAC     5 /* section 5.1.3: config.mac is valid */
#define VNET_CFG_MAC   0 /* section 5.1.4: u8 mac[6] at the start of the configuration */
#define VNET_HDR_SIZE  12
#define VNET_RX_QUEUE  0
#define VNET_TX_QUEUE  1

#define VNET_QUEUE_SIZE 16
#define VNET_RX_BUFS	8    /* receive buffers kept posted */
#define VNET_MAX_FRAME	1514 /* Ethernet without FCS, MTU 1500 */
#define VNET_BUF_SIZE	(VNET_HDR_SIZE + VNET_MAX_FRAME)

struct vnet {
	struct virtio_dev dev;
	struct virtqueue rxq, txq;
	uint8_t mac[6]; /* the device's address, from its configuration */
	uint8_t rx_ring[VIRTQ_RING_BYTES(VNET_QUEUE_SIZE)] __attribute__((aligned(4096)));
	uint8_t tx_ring[VIRTQ_RING_BYTES(VNET_QUEUE_SIZE)] __attribute__((aligned(4096)));
	uint8_t rx_bufs[VNET_RX_BUFS][VNET_BUF_SIZE];
	int8_t rx_buf_of[VNET_QUEUE_SIZE]; /* descriptor head -> rx_bufs index */
	uint8_t tx_buf[VNET_BUF_SIZE];
};

/*
 * Find the instance-th network device, negotiate VIRTIO_NET_F_MAC, read the
 * MAC, set up both queues with VNET_RX_BUFS receive buffers posted, set
 * DRIVER_OK. 0 or -1.
 */
int vnet_open(struct vnet *n, int instance);

/* Send one Ethernet frame (len <= VNET_MAX_FRAME) and wait for the device to take it. 0 or -1. */
int vnet_send(struct vnet *n, const void *frame, uint32_t len);

/*
 * Wait up to timeout_ms for the next received frame, copy at most size
 * bytes of it into buf and post the buffer again. Returns the frame's
 * length (without the header), or -1 on timeout or a malformed completion.
 */
int vnet_recv(struct vnet *n, void *buf, uint32_t size, uint32_t timeout_ms);

#endif /* GUEST_VIRTIO_NET_H */
