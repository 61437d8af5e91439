// SPDX-License-Identifier: MIT
/*
 * virtio-net (virtio 1.2 section 5.1) on a net_backend: the device's
 * features and configuration space, the transport's callbacks, its
 * lifetime and the I/O thread's poll. Transmit is virtio_net_tx.c, receive
 * virtio_net_rx.c (kvmini/virtio_net_dev.h holds what they share).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvmini/log.h"
#include "kvmini/virtio_net.h"
#include "kvmini/virtio_net_dev.h"
#include "kvmini/virtio_net_rx.h"
#include "kvmini/virtio_net_tx.h"

_Static_assert(sizeof(struct virtio_net_hdr) == VIRTIO_NET_HDR_SIZE, "section 5.1.6 layout");

void virtio_net_reschedule(struct virtio_net *net)
{
	uint64_t one = 1;

	/* A full counter (impossible in practice) still leaves the fd readable. */
	if (write(net->work_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_once(&net->logged_rx_error, LOG_WARN, "virtio-net: work fd: %s",
			 strerror(errno));
}

/* ---- the transport's callbacks -------------------------------------------- */

/* Returns false: a pass that ran out of budget re-arms the device's own work fd. */
static bool net_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	struct virtio_net *net = vmio->priv;

	if (q == VIRTIO_NET_TX_QUEUE)
		virtio_net_tx_serve(net);
	else
		virtio_net_rx_serve(net); /* new receive buffers: a waiting frame can go */
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
	uint8_t *rx_buf = malloc(VIRTIO_NET_RX_BUF_SIZE);
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
			virtio_net_tx_serve(net);
		virtio_net_rx_serve(net);
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
