// SPDX-License-Identifier: MIT
/*
 * virtio-vsock (virtio 1.2 section 5.10) on Unix sockets: the device, its
 * three queues and the passes that serve them. The protocol is in the files
 * beside it (kvmini/virtio_vsock_conn.h lists them): the connection table
 * and credit in virtio_vsock_conn.c, packets from the guest in
 * virtio_vsock_tx.c, packets to the guest in virtio_vsock_rx.c, the state
 * blob in virtio_vsock_state.c. The sockets themselves are in
 * devices/backends/vsock_unix.c.
 *
 * Receive side: the device keeps nothing for the guest. It holds at most
 * one receive chain it popped (rx_chain), and fills it with the first thing
 * owed (virtio_vsock_rx_next_packet()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvmini/device_state.h"
#include "kvmini/log.h"
#include "kvmini/virtio_vsock.h"
#include "kvmini/virtio_vsock_conn.h"
#include "kvmini/virtio_vsock_rx.h"
#include "kvmini/virtio_vsock_state.h"
#include "kvmini/virtio_vsock_tx.h"
#include "kvmini/vsock_unix.h"

struct virtio_vsock {
	struct virtio_mmio vmio;
	int work_fd;
	uint8_t config[VIRTIO_VSOCK_CONFIG_SIZE];
	struct virtio_vsock_conns conns; /* the protocol: connections, owed RSTs, stats */

	struct virtq_chain rx_chain; /* popped, not yet filled */
	bool rx_held;
	bool tx_blocked; /* the transmit queue waits for owed RSTs to go out */
	struct virtq_chain tx_chain;
};

static void vsock_reschedule(struct virtio_vsock *vs)
{
	uint64_t one = 1;

	if (write(vs->work_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_once(&vs->conns.logged_host_error, LOG_WARN, "virtio-vsock: work fd: %s",
			 strerror(errno));
}

/* ---- the queues ---------------------------------------------------------- */

/* Serve the transmit queue: at most one budget of packets. Returns false when the device broke. */
static bool vsock_transmit(struct virtio_vsock *vs)
{
	unsigned int budget = VIRTIO_VSOCK_BUDGET;
	bool done_any = false;

	if (!vs->vmio.queues[VIRTIO_VSOCK_TX_QUEUE].ready)
		return true;
	/* Owed RSTs are bounded: while too many wait, the guest's packets wait in its ring. */
	vs->tx_blocked = false;
	while (budget > 0) {
		if (vs->conns.rst_count >= VIRTIO_VSOCK_RST_BACKLOG) {
			vs->tx_blocked = true;
			break;
		}
		int r = virtio_mmio_pop(&vs->vmio, VIRTIO_VSOCK_TX_QUEUE, &vs->tx_chain);
		if (r < 0)
			return false;
		if (r == 0)
			break;
		if (virtio_vsock_tx_packet(&vs->conns, &vs->tx_chain) < 0) {
			virtio_mmio_set_broken(&vs->vmio,
					       "transmit chain shorter than the 44-byte header");
			return false;
		}
		virtio_mmio_push(&vs->vmio, VIRTIO_VSOCK_TX_QUEUE, vs->tx_chain.head, 0);
		done_any = true;
		budget--;
	}
	if (done_any)
		virtio_mmio_notify_used(&vs->vmio, VIRTIO_VSOCK_TX_QUEUE);
	if (budget == 0)
		vsock_reschedule(vs);
	return true;
}

/* Fill the guest's receive buffers: at most one budget of packets. */
static void vsock_receive(struct virtio_vsock *vs)
{
	unsigned int budget = VIRTIO_VSOCK_BUDGET;
	bool delivered = false;

	if (!vs->vmio.queues[VIRTIO_VSOCK_RX_QUEUE].ready)
		return;
	while (budget > 0) {
		if (!vs->rx_held) {
			int r = virtio_mmio_pop(&vs->vmio, VIRTIO_VSOCK_RX_QUEUE, &vs->rx_chain);
			if (r < 0)
				return;
			if (r == 0)
				break;
			if (vs->rx_chain.write_len < VIRTIO_VSOCK_HDR_SIZE) {
				virtio_mmio_set_broken(
					&vs->vmio, "receive chain shorter than the 44-byte header");
				return;
			}
			vs->rx_held = true;
		}
		uint32_t len = virtio_vsock_rx_next_packet(&vs->conns, &vs->rx_chain);
		if (len == 0)
			break; /* nothing owed: the chain stays held for the next packet */
		virtio_mmio_push(&vs->vmio, VIRTIO_VSOCK_RX_QUEUE, vs->rx_chain.head, len);
		vs->rx_held = false;
		vs->conns.stats.rx_packets++;
		delivered = true;
		budget--;
	}
	if (delivered)
		virtio_mmio_notify_used(&vs->vmio, VIRTIO_VSOCK_RX_QUEUE);
	/* Out of budget, or RSTs went out that the transmit queue was waiting for: come back. */
	if (budget == 0 || (vs->tx_blocked && vs->conns.rst_count < VIRTIO_VSOCK_RST_BACKLOG))
		vsock_reschedule(vs);
}

/* One pass over everything, each part bounded. Caller holds the device lock. */
static void vsock_work(struct virtio_vsock *vs)
{
	vsock_unix_clear_events(vs->conns.host);
	if (!virtio_mmio_live(&vs->vmio))
		return; /* host clients wait in the backlog until the driver is ready */
	if (virtio_vsock_conn_serve_host(&vs->conns))
		vsock_reschedule(vs);
	if (!vsock_transmit(vs))
		return;
	vsock_receive(vs);
}

/* ---- the transport's callbacks -------------------------------------------- */

/* Any queue: a packet to take, a buffer to fill, or credit given. Work left re-arms the work fd. */
static bool vsock_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	(void)q;
	vsock_work(vmio->priv);
	return false;
}

static void vsock_config_read(struct virtio_mmio *vmio, uint32_t offset, uint8_t *data,
			      uint32_t len)
{
	struct virtio_vsock *vs = vmio->priv;

	memcpy(data, vs->config + offset, len);
}

/* Close every connection without a word to the guest: its driver and sockets are gone. */
static void vsock_close_all(struct virtio_vsock *vs)
{
	virtio_vsock_conn_close_all(&vs->conns);
	vs->rx_held = false;
}

static void vsock_reset(struct virtio_mmio *vmio)
{
	vsock_close_all(vmio->priv);
}

static const struct virtio_device_ops vsock_ops = {
	.device_id = VIRTIO_ID_VSOCK,
	.num_queues = 3,
	.queue_num_max = VIRTIO_VSOCK_QUEUE_SIZE,
	.config_size = VIRTIO_VSOCK_CONFIG_SIZE,
	.config_read = vsock_config_read,
	.queue_notify = vsock_queue_notify,
	.reset = vsock_reset,
};

int virtio_vsock_create(struct virtio_vsock **out, uint64_t guest_cid, const char *path,
			const struct guest_mem *mem, struct irq_line *irq)
{
	/* Section 5.10.4: 0-2 are reserved, the upper 32 bits must be 0; 2^32-1 is "any". */
	if (guest_cid < 3 || guest_cid >= UINT32_MAX)
		return -EINVAL;
	struct virtio_vsock *vs = calloc(1, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	struct vsock_unix *host;
	int err = vsock_unix_open(&host, path);
	if (err) {
		free(vs);
		return err;
	}
	vs->work_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vs->work_fd < 0) {
		err = -errno;
		vsock_unix_close(host);
		free(vs);
		return err;
	}
	virtio_vsock_conn_init(&vs->conns, host, guest_cid);
	for (unsigned int i = 0; i < 8; i++)
		vs->config[VIRTIO_VSOCK_CFG_GUEST_CID + i] = (uint8_t)(guest_cid >> (8 * i));
	virtio_mmio_init(&vs->vmio, "virtio-vsock", &vsock_ops, vs, 1ULL << VIRTIO_VSOCK_F_STREAM,
			 mem, irq);
	*out = vs;
	return 0;
}

struct virtio_mmio *virtio_vsock_mmio(struct virtio_vsock *vs)
{
	return &vs->vmio;
}

int virtio_vsock_backend_fd(const struct virtio_vsock *vs)
{
	return vsock_unix_poll_fd(vs->conns.host);
}

int virtio_vsock_work_fd(const struct virtio_vsock *vs)
{
	return vs->work_fd;
}

void virtio_vsock_poll(struct virtio_vsock *vs)
{
	uint64_t count;

	pthread_mutex_lock(&vs->vmio.dev.lock);
	/* Clear the work fd first: the pass sets it again if it stops early. */
	if (read(vs->work_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_once(&vs->conns.logged_host_error, LOG_WARN, "virtio-vsock: work fd: %s",
			 strerror(errno));
	vsock_work(vs);
	pthread_mutex_unlock(&vs->vmio.dev.lock);
}

void virtio_vsock_get_stats(struct virtio_vsock *vs, struct virtio_vsock_stats *stats)
{
	pthread_mutex_lock(&vs->vmio.dev.lock);
	*stats = vs->conns.stats;
	pthread_mutex_unlock(&vs->vmio.dev.lock);
}

void virtio_vsock_destroy(struct virtio_vsock *vs)
{
	if (!vs)
		return;
	vsock_close_all(vs);
	vsock_unix_close(vs->conns.host);
	close(vs->work_fd);
	pthread_mutex_destroy(&vs->vmio.dev.lock);
	free(vs);
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

/* The transport's blob, then the device's own (virtio_vsock_state.c). */
int virtio_vsock_save(struct virtio_vsock *vs, struct state_writer *w)
{
	pthread_mutex_lock(&vs->vmio.dev.lock);
	virtio_mmio_save(&vs->vmio, w);
	int err = virtio_vsock_state_save(&vs->conns, w);
	pthread_mutex_unlock(&vs->vmio.dev.lock);
	return err;
}

int virtio_vsock_load(struct virtio_vsock *vs, struct state_reader *r)
{
	struct virtio_mmio_state st;

	pthread_mutex_lock(&vs->vmio.dev.lock);
	/* Both blobs are read and checked before either is applied. */
	int err = virtio_mmio_state_read(&vs->vmio, r, &st);
	if (!err)
		err = virtio_vsock_state_load(&vs->conns, r, vs->vmio.dev.name);
	if (!err) {
		virtio_mmio_state_apply(&vs->vmio, &st);
		vs->rx_held = false;
		if (vs->conns.rst_count > 0)
			vsock_reschedule(vs);
	}
	pthread_mutex_unlock(&vs->vmio.dev.lock);
	return err;
}
