// SPDX-License-Identifier: MIT
/*
 * virtio-net (virtio 1.2 section 5.1) on a net_backend.
 *
 * Transmit (section 5.1.6.2): a chain on transmitq1 is device-readable and
 * holds the 12-byte header, then the frame; with VIRTIO_F_VERSION_1 they may
 * be split over descriptors in any way. The frame goes to the backend
 * straight out of guest memory (an iovec), with the header when the backend
 * understands it, and the chain is returned with used length 0.
 *
 * Receive (section 5.1.6.3, 5.1.6.4): the driver posts device-writable
 * chains on receiveq1. The device takes one frame from the backend only when
 * it can place it, writes header + frame into the chain, and sets
 * num_buffers. With VIRTIO_NET_F_MRG_RXBUF a frame that does not fit one
 * chain continues in the next ones, and num_buffers says how many it used;
 * the chains are returned together, in order, once the frame is complete.
 * Without it, a frame bigger than the chain is dropped (a driver that wants
 * big frames must post big buffers, section 5.1.6.3.1) and the chain is kept
 * for the next frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvmini/log.h"
#include "kvmini/virtio_net.h"

/* The pending frame: header, then up to VIRTIO_NET_MAX_FRAME bytes. */
#define RX_BUF_SIZE	   (VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME)
#define NUM_BUFFERS_OFFSET 10 /* of struct virtio_net_hdr */

_Static_assert(sizeof(struct virtio_net_hdr) == VIRTIO_NET_HDR_SIZE, "section 5.1.6 layout");

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

static bool driver_has(const struct virtio_net *net, unsigned int bit)
{
	return net->vmio.driver_features & (1ULL << bit);
}

/* Ask the I/O thread to call virtio_net_poll() again (work left after a budget ran out). */
static void net_reschedule(struct virtio_net *net)
{
	uint64_t one = 1;

	/* A full counter (impossible in practice) still leaves the fd readable. */
	if (write(net->work_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_once(&net->logged_rx_error, LOG_WARN, "virtio-net: work fd: %s",
			 strerror(errno));
}

/* ---- transmit --------------------------------------------------------------- */

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
static void net_transmit(struct virtio_net *net)
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
		net_reschedule(net);
}

/* ---- receive ---------------------------------------------------------------- */

/* Tell a vnet-header backend which offloads the driver accepted (once per driver). */
static void net_set_offloads(struct virtio_net *net)
{
	if (net->offloads_set)
		return;
	net->offloads_set = true;
	if (!net->be->has_vnet_hdr || !net->be->ops->set_offloads)
		return;
	bool csum = driver_has(net, VIRTIO_NET_F_GUEST_CSUM);
	/* Section 5.1.3.1: GUEST_TSO4/6 require GUEST_CSUM. */
	net->be->ops->set_offloads(net->be, csum, csum && driver_has(net, VIRTIO_NET_F_GUEST_TSO4),
				   csum && driver_has(net, VIRTIO_NET_F_GUEST_TSO6));
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
		n = net_backend_recv(net->be, net->rx_buf, RX_BUF_SIZE);
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
	bool mrg = driver_has(net, VIRTIO_NET_F_MRG_RXBUF);

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

static void net_receive(struct virtio_net *net)
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
		net_reschedule(net);
}

/* ---- the transport's callbacks -------------------------------------------- */

/* Returns false: a pass that ran out of budget re-arms the device's own work fd. */
static bool net_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	struct virtio_net *net = vmio->priv;

	if (q == VIRTIO_NET_TX_QUEUE)
		net_transmit(net);
	else
		net_receive(net); /* new receive buffers: a waiting frame can go */
	return false;
}

static void net_config_read(struct virtio_mmio *vmio, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct virtio_net *net = vmio->priv;

	memcpy(data, net->config + offset, len);
}

static void net_reset(struct virtio_mmio *vmio)
{
	struct virtio_net *net = vmio->priv;

	/*
	 * Chains popped and not yet returned belong to the old rings. The
	 * frame itself is still good: the next driver gets it from the start.
	 */
	net->rx_first_held = false;
	net->rx_nused = 0;
	net->rx_done = 0;
	net->tx_held = false;
	net->offloads_set = false;
}

static const struct virtio_device_ops net_ops = {
	.device_id = VIRTIO_ID_NET,
	.num_queues = 2,
	.queue_num_max = VIRTIO_NET_QUEUE_SIZE,
	.config_size = VIRTIO_NET_CONFIG_SIZE,
	.config_read = net_config_read,
	.queue_notify = net_queue_notify,
	.reset = net_reset,
};

/* The features this device offers on backend be (section 5.1.3). */
static uint64_t net_features(const struct net_backend *be)
{
	uint64_t f = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |
		     (1ULL << VIRTIO_NET_F_MRG_RXBUF);

	/*
	 * Offloads only when the backend carries the header: a partial
	 * checksum or a 64 KiB TCP segment handed to a plain frame backend
	 * would reach the wire as a broken frame.
	 */
	if (be->has_vnet_hdr)
		f |= (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
		     (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |
		     (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6);
	return f;
}

int virtio_net_create(struct virtio_net **out, struct net_backend *be, const uint8_t mac[6],
		      const struct guest_mem *mem, struct irq_line *irq)
{
	struct virtio_net *net = calloc(1, sizeof(*net));
	uint8_t *rx_buf = malloc(RX_BUF_SIZE);
	int work_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int err = work_fd < 0 ? -errno : 0;

	if (!net || !rx_buf)
		err = -ENOMEM;
	if (err) {
		if (work_fd >= 0)
			close(work_fd);
		free(rx_buf);
		free(net);
		net_backend_close(be);
		return err;
	}
	net->be = be;
	net->work_fd = work_fd;
	net->rx_buf = rx_buf;
	memcpy(net->config + VIRTIO_NET_CFG_MAC, mac, 6);
	/* Section 5.1.4: with VIRTIO_NET_F_STATUS the link is reported up; it always is. */
	net->config[VIRTIO_NET_CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
	virtio_mmio_init(&net->vmio, "virtio-net", &net_ops, net, net_features(be), mem, irq);
	*out = net;
	return 0;
}

struct virtio_mmio *virtio_net_mmio(struct virtio_net *net)
{
	return &net->vmio;
}

int virtio_net_backend_fd(const struct virtio_net *net)
{
	return net->be->fd;
}

int virtio_net_work_fd(const struct virtio_net *net)
{
	return net->work_fd;
}

void virtio_net_poll(struct virtio_net *net)
{
	uint64_t count;

	pthread_mutex_lock(&net->vmio.dev.lock);
	/* Clear the work fd first: the calls below set it again if they stop early. */
	if (read(net->work_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_once(&net->logged_rx_error, LOG_WARN, "virtio-net: work fd: %s",
			 strerror(errno));
	if (virtio_mmio_live(&net->vmio)) {
		if (net->vmio.queues[VIRTIO_NET_TX_QUEUE].ready)
			net_transmit(net);
		net_receive(net);
	}
	pthread_mutex_unlock(&net->vmio.dev.lock);
}

void virtio_net_get_stats(struct virtio_net *net, struct virtio_net_stats *stats)
{
	pthread_mutex_lock(&net->vmio.dev.lock);
	*stats = net->stats;
	pthread_mutex_unlock(&net->vmio.dev.lock);
}

void virtio_net_destroy(struct virtio_net *net)
{
	if (!net)
		return;
	net_backend_close(net->be);
	close(net->work_fd);
	pthread_mutex_destroy(&net->vmio.dev.lock);
	free(net->rx_buf);
	free(net);
}
