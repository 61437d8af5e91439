/* SPDX-License-Identifier: MIT */
/*
 * The virtio-net device (virtio 1.2 section 5.1), shared by the files of
 * the model: virtio_net.c (the device: features, configuration space, the
 * transport's callbacks, its lifetime and the I/O thread's poll),
 * virtio_net_tx.c (transmitq1) and virtio_net_rx.c (receiveq1). Only they
 * include it; the monitor uses kvmini/virtio_net.h.
 *
 * Every field is used under the device lock (vmio.dev.lock).
 */
#ifndef KVMINI_VIRTIO_NET_DEV_H
#define KVMINI_VIRTIO_NET_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kvmini/net_backend.h"
#include "kvmini/virtio_mmio.h"
#include "kvmini/virtio_net.h"
#include "kvmini/virtqueue.h"

/* The pending frame: header, then up to VIRTIO_NET_MAX_FRAME bytes. */
#define VIRTIO_NET_RX_BUF_SIZE (VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME)

struct virtio_net {
	struct virtio_mmio vmio;
	struct net_backend *be;
	int work_fd;
	uint8_t config[VIRTIO_NET_CONFIG_SIZE];
	struct virtio_net_stats stats;
	bool offloads_set; /* the backend knows the driver's receive offloads */

	/* The frame taken from the backend and not yet delivered; rx_len 0 when none. */
	uint8_t *rx_buf;
	size_t rx_len;
	/*
	 * A frame being delivered: rx_first is its first chain (the one with
	 * the header, where num_buffers goes at the end), rx_first_held says it
	 * is popped; rx_used[] are the chains written so far, rx_done the bytes.
	 */
	struct virtq_chain rx_first;
	bool rx_first_held;
	struct virtq_used_elem rx_used[VIRTIO_NET_QUEUE_SIZE];
	unsigned int rx_nused;
	size_t rx_done;

	/* A transmit chain the backend could not take yet (it was full). */
	struct virtq_chain tx_chain;
	bool tx_held;

	struct virtq_chain chain; /* a receive chain after a frame's first */
	struct iovec iov[VIRTQ_CHAIN_MAX];

	bool logged_tx_error, logged_rx_error, logged_rx_drop;
};

/* Whether the driver accepted feature bit (section 2.2). */
static inline bool virtio_net_driver_has(const struct virtio_net *net, unsigned int bit)
{
	return net->vmio.driver_features & (1ULL << bit);
}

/*
 * Ask the I/O thread to call virtio_net_poll() again: work is left after a
 * budget ran out. Signals net->work_fd; cannot fail.
 */
void virtio_net_reschedule(struct virtio_net *net);

#endif /* KVMINI_VIRTIO_NET_DEV_H */
