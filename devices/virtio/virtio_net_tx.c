// SPDX-License-Identifier: MIT
/*
 * virtio-net's transmit side (virtio 1.2 section 5.1.6.2): a chain on
 * transmitq1 is device-readable and holds the 12-byte header, then the
 * frame; with VIRTIO_F_VERSION_1 they may be split over descriptors in any
 * way. The frame goes to the backend straight out of guest memory (an
 * iovec), with the header when the backend understands it, and the chain is
 * returned with used length 0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvmini/log.h"
#include "kvmini/virtio_net_tx.h"

/*
 * Send one chain's frame. 1 when it is done with (sent, or dropped by the
 * backend), 0 when the backend is full and the chain must wait (-EAGAIN),
 * -1 when the chain is malformed: the device is then broken.
 */
static int net_tx_one(struct virtio_net *net, const struct virtq_chain *c)
{
	char why[120];

	if (c->read_len < VIRTIO_NET_HDR_SIZE) {
		virtio_mmio_set_broken(&net->vmio,
				       "transmit chain shorter than the 12-byte header");
		return -1;
	}
	uint64_t frame = c->read_len - VIRTIO_NET_HDR_SIZE;
	if (frame > VIRTIO_NET_MAX_FRAME) {
		snprintf(why, sizeof(why), "transmit frame of %llu bytes (at most %u)",
			 (unsigned long long)frame, VIRTIO_NET_MAX_FRAME);
		virtio_mmio_set_broken(&net->vmio, why);
		return -1;
	}
	/* A backend that speaks virtio_net_hdr gets it (offloads); others get the bare frame. */
	uint64_t off = net->be->has_vnet_hdr ? 0 : VIRTIO_NET_HDR_SIZE;
	unsigned int n =
		virtq_chain_slice(c, false, off, c->read_len - off, net->iov, VIRTQ_CHAIN_MAX);
	int err = net_backend_send(net->be, net->iov, n);
	if (err == -EAGAIN)
		return 0;
	if (err) {
		/* Like a NIC whose link failed: the frame is lost, the guest goes on. */
		net->stats.tx_dropped++;
		log_once(&net->logged_tx_error, LOG_WARN,
			 "virtio-net: %s backend dropped a transmitted frame: %s", net->be->kind,
			 strerror(-err));
	} else {
		net->stats.tx_frames++;
	}
	return 1;
}

/*
 * Serve transmitq1. A frame the backend cannot take now stays in tx_chain
 * (tx_held) and is retried first on the next call, which the backend fd's
 * EPOLLOUT brings: the guest's queue fills up and its driver stops, as with
 * a real NIC, instead of frames being lost in a burst.
 */
void virtio_net_tx_serve(struct virtio_net *net)
{
	unsigned int budget = VIRTIO_NET_BUDGET;
	bool completed = false;

	while (budget > 0) {
		if (!net->tx_held &&
		    virtio_mmio_pop(&net->vmio, VIRTIO_NET_TX_QUEUE, &net->tx_chain) <= 0)
			break;
		net->tx_held = true;
		int r = net_tx_one(net, &net->tx_chain);
		if (r < 0)
			return;
		if (r == 0)
			break; /* the backend is full: wait for it */
		net->tx_held = false;
		/* Section 2.7.8: nothing was written into the chain. */
		virtio_mmio_push(&net->vmio, VIRTIO_NET_TX_QUEUE, net->tx_chain.head, 0);
		completed = true;
		budget--;
	}
	if (completed)
		virtio_mmio_notify_used(&net->vmio, VIRTIO_NET_TX_QUEUE);
	if (budget == 0)
		virtio_net_reschedule(net);
}
