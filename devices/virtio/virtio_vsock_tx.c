// SPDX-License-Identifier: MIT
/*
 * virtio-vsock: packets from the guest (virtio 1.2 section 5.10.6). The
 * header is checked field by field before anything acts on it; then the
 * operation moves its connection on: a guest connect, the guest's answer to
 * a host client, data, shutdown, reset or credit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvmini/log.h"
#include "kvmini/virtio_vsock_tx.h"
#include "kvmini/vsock_unix.h"

_Static_assert(sizeof(struct virtio_vsock_hdr) == VIRTIO_VSOCK_HDR_SIZE, "section 5.10.6 layout");

static void malformed(struct virtio_vsock_conns *t, const char *why)
{
	t->stats.malformed++;
	log_once(&t->logged_malformed, LOG_WARN, "virtio-vsock: guest packet dropped: %s", why);
}

/* A guest connect to host port hdr->dst_port: try PATH_P, answer RESPONSE or RST. */
static void guest_connect(struct virtio_vsock_conns *t, const struct virtio_vsock_hdr *hdr)
{
	int fd = vsock_unix_connect(t->host, hdr->dst_port);
	if (fd < 0) {
		virtio_vsock_conn_rst_push(t, hdr->dst_port, hdr->src_port);
		return;
	}
	struct vsock_conn *c = virtio_vsock_conn_alloc(t, fd);
	if (!c) {
		virtio_vsock_conn_rst_push(t, hdr->dst_port, hdr->src_port);
		return;
	}
	c->state = CONN_ESTABLISHED;
	c->local_port = hdr->dst_port;
	c->peer_port = hdr->src_port;
	c->peer_buf_alloc = hdr->buf_alloc;
	c->peer_fwd_cnt = hdr->fwd_cnt;
	c->send_response = true;
}

/* The guest accepted a host client's connection: tell the client, as Firecracker's protocol does.
 */
static void guest_accepted(struct virtio_vsock_conns *t, struct vsock_conn *c)
{
	char line[24];
	int n = snprintf(line, sizeof(line), "OK %u\n", c->local_port);
	struct iovec iov = {line, (size_t)n};

	/* A fresh socket has room for a line; if not, the client is not reading at all. */
	if (vsock_unix_send(c->fd, &iov, 1) != n) {
		virtio_vsock_conn_close(t, c, true);
		return;
	}
	c->state = CONN_ESTABLISHED;
}

/* Guest data on c: to the host socket, the rest into c's buffer. */
static void guest_data(struct virtio_vsock_conns *t, struct vsock_conn *c,
		       const struct virtq_chain *ch, uint32_t len)
{
	if (len > VIRTIO_VSOCK_CONN_BUF - c->buf_len) {
		/* More than the buf_alloc - in flight we advertised: the guest broke the credit
		 * rules. */
		log_once(&t->logged_credit, LOG_WARN,
			 "virtio-vsock: guest sent beyond its credit, connection reset");
		virtio_vsock_conn_close(t, c, true);
		return;
	}
	uint32_t sent = 0;
	if (c->buf_len == 0 && len > 0) {
		unsigned int n = virtq_chain_slice(ch, false, VIRTIO_VSOCK_HDR_SIZE, len, t->iov,
						   VIRTQ_CHAIN_MAX);
		ssize_t w = vsock_unix_send(c->fd, t->iov, n);
		if (w < 0 && w != -EAGAIN) {
			virtio_vsock_conn_close(t, c, true);
			return;
		}
		sent = w > 0 ? (uint32_t)w : 0;
	}
	if (sent < len) {
		if (!c->buf) {
			c->buf = malloc(VIRTIO_VSOCK_CONN_BUF);
			if (!c->buf) {
				virtio_vsock_conn_close(t, c, true);
				return;
			}
		}
		/* Copy the rest in at most two pieces around the end of the ring. */
		uint32_t rest = len - sent;
		uint32_t tail = (c->buf_head + c->buf_len) % VIRTIO_VSOCK_CONN_BUF;
		uint32_t first = VIRTIO_VSOCK_CONN_BUF - tail;
		if (first > rest)
			first = rest;
		uint64_t off = VIRTIO_VSOCK_HDR_SIZE + sent;
		virtq_chain_read(ch, off, c->buf + tail, first);
		virtq_chain_read(ch, off + first, c->buf, rest - first);
		c->buf_len += rest;
		t->stats.buffered += rest;
	}
	c->tx_cnt += len;
	c->fwd_cnt += sent;
	virtio_vsock_conn_maybe_credit(c);
}

static void guest_shutdown(struct virtio_vsock_conns *t, struct vsock_conn *c, uint32_t flags)
{
	if (flags & VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE)
		c->guest_shut_rcv = true;
	if (flags & VIRTIO_VSOCK_SHUTDOWN_F_SEND)
		c->guest_shut_send = true;
	if (c->guest_shut_rcv && c->guest_shut_send) {
		/*
		 * Section 5.10.6.6: a clean disconnect is answered with RST.
		 * What the host socket can still take goes first.
		 */
		if (virtio_vsock_conn_drain(t, c))
			virtio_vsock_conn_close(t, c, true);
		return;
	}
	virtio_vsock_conn_host_shutdown(c);
	if (virtio_vsock_conn_finished(c))
		virtio_vsock_conn_close(t, c, true);
}

/* An op on an existing connection c. */
static void guest_op(struct virtio_vsock_conns *t, struct vsock_conn *c,
		     const struct virtio_vsock_hdr *hdr, const struct virtq_chain *ch)
{
	/* Every packet carries the guest's receive buffer state (section 5.10.6.3). */
	c->peer_buf_alloc = hdr->buf_alloc;
	c->peer_fwd_cnt = hdr->fwd_cnt;

	switch (hdr->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state == CONN_HOST_REQUEST)
			guest_accepted(t, c);
		else
			virtio_vsock_conn_close(t, c, true);
		return;
	case VIRTIO_VSOCK_OP_RST:
		virtio_vsock_conn_close(t, c, false);
		return;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		guest_shutdown(t, c, hdr->flags);
		return;
	case VIRTIO_VSOCK_OP_RW:
		if (c->state != CONN_ESTABLISHED || c->guest_shut_send) {
			malformed(t, "data on a connection not open for it");
			virtio_vsock_conn_close(t, c, true);
			return;
		}
		guest_data(t, c, ch, hdr->len);
		return;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		return; /* taken above */
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->send_credit = true;
		return;
	default: /* REQUEST for a connection that exists, or an unknown op */
		malformed(t, "unexpected operation on an open connection");
		virtio_vsock_conn_close(t, c, true);
		return;
	}
}

/* What is wrong with hdr, the header of a chain of read_len bytes, or NULL. */
static const char *hdr_check(const struct virtio_vsock_hdr *hdr, uint64_t read_len)
{
	if (hdr->len > read_len - VIRTIO_VSOCK_HDR_SIZE)
		return "len beyond the chain";
	if (hdr->len > VIRTIO_VSOCK_MAX_PAYLOAD || (hdr->len && hdr->op != VIRTIO_VSOCK_OP_RW))
		return "payload too long, or on a packet that carries none";
	if (hdr->type != VIRTIO_VSOCK_TYPE_STREAM)
		return "type is not STREAM";
	if (hdr->op == VIRTIO_VSOCK_OP_INVALID || hdr->op > VIRTIO_VSOCK_OP_CREDIT_REQUEST)
		return "unknown operation";
	if (hdr->dst_cid != VIRTIO_VSOCK_HOST_CID)
		return "destination is not the host (CID 2)";
	return NULL;
}

int virtio_vsock_tx_packet(struct virtio_vsock_conns *t, const struct virtq_chain *ch)
{
	struct virtio_vsock_hdr hdr;

	if (ch->read_len < VIRTIO_VSOCK_HDR_SIZE) {
		/* Not a packet at all, and no ports to answer: only a reset fixes the driver. */
		t->stats.malformed++;
		return -EPROTO;
	}
	virtq_chain_read(ch, 0, &hdr, sizeof(hdr));
	t->stats.tx_packets++;
	if (hdr.src_cid != t->guest_cid) {
		/* Spoofed or stale: no connection of ours, and an RST would go nowhere. */
		malformed(t, "source CID is not the guest's");
		return 0;
	}
	struct vsock_conn *c = virtio_vsock_conn_find(t, hdr.dst_port, hdr.src_port);
	const char *bad = hdr_check(&hdr, ch->read_len);
	if (bad) {
		malformed(t, bad);
		if (c)
			virtio_vsock_conn_close(t, c, true);
		else if (hdr.op != VIRTIO_VSOCK_OP_RST)
			virtio_vsock_conn_rst_push(t, hdr.dst_port, hdr.src_port);
		return 0;
	}
	if (c) {
		guest_op(t, c, &hdr, ch);
		return 0;
	}
	if (hdr.op == VIRTIO_VSOCK_OP_REQUEST)
		guest_connect(t, &hdr);
	else if (hdr.op != VIRTIO_VSOCK_OP_RST) /* never answer an RST with one */
		virtio_vsock_conn_rst_push(t, hdr.dst_port, hdr.src_port);
	return 0;
}
