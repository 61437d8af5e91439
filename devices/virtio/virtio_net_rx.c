// SPDX-License-Identifier: MIT
/*
 * virtio-net's receive side (virtio 1.2 sections 5.1.6.3, 5.1.6.4): the
 * driver posts device-writable chains on receiveq1. The device takes one
 * frame from the backend only when it can place it, writes header + frame
 * into the chain, and sets num_buffers. With VIRTIO_NET_F_MRG_RXBUF a frame
 * that does not fit one chain continues in the next ones, and num_buffers
 * says how many it used; the chains are returned together, in order, once
 * the frame is complete. Without it, a frame bigger than the chain is
 * dropped (a driver that wants big frames must post big buffers, section
 * 5.1.6.3.1) and the chain is kept for the next frame.
 */
#include <errno.h>
#include <string.h>

#include "kvmini/log.h"
#include "kvmini/virtio_net_rx.h"

#define NUM_BUFFERS_OFFSET 10 /* of struct virtio_net_hdr */

/* Tell a vnet-header backend which offloads the driver accepted (once per driver). */
static void net_set_offloads(struct virtio_net *net)
{
	if (net->offloads_set)
		return;
	net->offloads_set = true;
	if (!net->be->has_vnet_hdr || !net->be->ops->set_offloads)
		return;
	bool csum = virtio_net_driver_has(net, VIRTIO_NET_F_GUEST_CSUM);
	/* Section 5.1.3.1: GUEST_TSO4/6 require GUEST_CSUM. */
	net->be->ops->set_offloads(net->be, csum,
				   csum && virtio_net_driver_has(net, VIRTIO_NET_F_GUEST_TSO4),
				   csum && virtio_net_driver_has(net, VIRTIO_NET_F_GUEST_TSO6));
}

/*
 * Take the next frame from the backend into rx_buf. 1 when there is one, 0
 * when there is none (or the backend failed), -1 when the backend had a
 * frame that cannot be delivered (too big, no header): it is dropped.
 */
static int net_rx_fetch(struct virtio_net *net)
{
	ssize_t n;

	net_set_offloads(net);
	if (net->be->has_vnet_hdr) {
		n = net_backend_recv(net->be, net->rx_buf, VIRTIO_NET_RX_BUF_SIZE);
		if (n >= 0 && n < VIRTIO_NET_HDR_SIZE)
			n = -EPROTO; /* not even a header */
	} else {
		/* A plain frame: the header says "nothing to do" (section 5.1.6.4). */
		memset(net->rx_buf, 0, VIRTIO_NET_HDR_SIZE);
		n = net_backend_recv(net->be, net->rx_buf + VIRTIO_NET_HDR_SIZE,
				     VIRTIO_NET_MAX_FRAME);
		if (n >= 0)
			n += VIRTIO_NET_HDR_SIZE;
	}
	if (n == -EAGAIN)
		return 0;
	if (n == -EMSGSIZE || n == -EPROTO) {
		net->stats.rx_dropped++;
		log_once(&net->logged_rx_drop, LOG_INFO, "virtio-net: %s backend frame dropped: %s",
			 net->be->kind, strerror((int)-n));
		return -1;
	}
	if (n < 0) {
		log_once(&net->logged_rx_error, LOG_WARN, "virtio-net: %s backend receive: %s",
			 net->be->kind, strerror((int)-n));
		return 0;
	}
	net->rx_len = (size_t)n;
	net->rx_done = 0;
	return 1;
}

/* The guest's buffer was too small for the pending frame: drop it, keep the chain. */
static void net_rx_drop(struct virtio_net *net, const char *why)
{
	net->stats.rx_dropped++;
	log_once(&net->logged_rx_drop, LOG_INFO, "virtio-net: received frame dropped: %s", why);
	net->rx_len = 0;
	net->rx_done = 0;
	net->rx_nused = 0;
}

/*
 * Take the next receive chain into c. 1 when there is one, 0 when the guest
 * posted none, -1 when the chain cannot hold a frame at all (the device is
 * then broken): a receive chain must be device-writable, and its first
 * chain must take the whole header (section 5.1.6.3.1).
 */
static int net_rx_pop(struct virtio_net *net, struct virtq_chain *c, bool first)
{
	int r = virtio_mmio_pop(&net->vmio, VIRTIO_NET_RX_QUEUE, c);
	if (r <= 0)
		return r;
	if (c->write_len == 0) {
		virtio_mmio_set_broken(&net->vmio, "receive chain has no device-writable buffer");
		return -1;
	}
	if (first && c->write_len < VIRTIO_NET_HDR_SIZE) {
		virtio_mmio_set_broken(&net->vmio, "receive chain shorter than the 12-byte header");
		return -1;
	}
	return 1;
}

/*
 * Place the pending frame into receive chains. Returns 1 when it is
 * complete and returned to the driver, 0 when the guest must post more
 * buffers first, -1 when the device broke.
 */
static int net_rx_place(struct virtio_net *net)
{
	bool mrg = virtio_net_driver_has(net, VIRTIO_NET_F_MRG_RXBUF);

	while (net->rx_done < net->rx_len) {
		bool first = net->rx_nused == 0;
		struct virtq_chain *c = first ? &net->rx_first : &net->chain;

		if (!(first && net->rx_first_held)) {
			int r = net_rx_pop(net, c, first);
			if (r <= 0)
				return r;
			if (first)
				net->rx_first_held = true;
		}
		if (!mrg && c->write_len < net->rx_len) {
			net_rx_drop(net,
				    "bigger than the receive buffer (no VIRTIO_NET_F_MRG_RXBUF)");
			return 0; /* rx_first stays held for the next frame */
		}
		if (net->rx_nused == net->vmio.queues[VIRTIO_NET_RX_QUEUE].num) {
			/* Every buffer of the queue is taken and the frame still does not fit. */
			virtio_mmio_set_broken(&net->vmio, "receive queue too small for one frame");
			return -1;
		}
		size_t n = virtq_chain_write(c, 0, net->rx_buf + net->rx_done,
					     net->rx_len - net->rx_done);
		net->rx_used[net->rx_nused].id = c->head;
		net->rx_used[net->rx_nused].len = (uint32_t)n;
		net->rx_nused++;
		net->rx_done += n;
	}
	/* Section 5.1.6.4: num_buffers is 1 without MRG_RXBUF, else the chains used. */
	uint8_t nb[2] = {(uint8_t)net->rx_nused, (uint8_t)(net->rx_nused >> 8)};
	virtq_chain_write(&net->rx_first, NUM_BUFFERS_OFFSET, nb, sizeof(nb));
	for (unsigned int i = 0; i < net->rx_nused; i++)
		virtio_mmio_push(&net->vmio, VIRTIO_NET_RX_QUEUE, (uint16_t)net->rx_used[i].id,
				 net->rx_used[i].len);
	net->stats.rx_frames++;
	net->rx_first_held = false;
	net->rx_nused = 0;
	net->rx_len = 0;
	net->rx_done = 0;
	return 1;
}

void virtio_net_rx_serve(struct virtio_net *net)
{
	unsigned int budget = VIRTIO_NET_BUDGET;
	bool completed = false;

	while (budget > 0 && virtio_mmio_live(&net->vmio) &&
	       net->vmio.queues[VIRTIO_NET_RX_QUEUE].ready) {
		if (net->rx_len == 0) {
			int got = net_rx_fetch(net);
			if (got == 0)
				break; /* nothing from the host */
			if (got < 0) {
				budget--;
				continue;
			}
		}
		int r = net_rx_place(net);
		if (r < 0)
			return;
		if (r == 0 && net->rx_len > 0)
			break; /* no buffers: the frame waits here, the rest in the backend */
		completed |= r > 0;
		budget--; /* delivered or dropped: either way one frame of work */
	}
	if (completed)
		virtio_mmio_notify_used(&net->vmio, VIRTIO_NET_RX_QUEUE);
	if (budget == 0)
		virtio_net_reschedule(net);
}
