// SPDX-License-Identifier: MIT
/*
 * virtio-vsock (virtio 1.2 section 5.10) on Unix sockets: the protocol
 * state of every connection. The sockets themselves are in
 * devices/backends/vsock_unix.c.
 *
 * A connection is named by its two ports: local_port, the host's end (P for
 * a guest connect to host port P, a port the device picks for a host
 * client), and peer_port, the guest's. Packets from the guest name them as
 * (dst_port, src_port); packets to the guest as (src_port, dst_port).
 *
 * Receive side: the device keeps nothing for the guest. It holds at most
 * one receive chain it popped (rx_chain), and fills it with the first thing
 * owed: an OP_RST for a packet that had no connection, a connection's
 * control packet (REQUEST, RESPONSE, SHUTDOWN, CREDIT_UPDATE), or data read
 * from a host socket straight into the chain, never more than the guest's
 * credit.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kvmini/device_state.h"
#include "kvmini/log.h"
#include "kvmini/virtio_vsock.h"
#include "kvmini/vsock_unix.h"

_Static_assert(sizeof(struct virtio_vsock_hdr) == VIRTIO_VSOCK_HDR_SIZE, "section 5.10.6 layout");

/*
 * OP_RSTs owed for packets without a connection. The transmit queue stops
 * while RST_BACKLOG are waiting (the guest must take some first); the extra
 * MAX_CONNS slots are for a restore, which owes one per saved connection.
 */
#define RST_BACKLOG 64
#define RST_SLOTS   (RST_BACKLOG + VIRTIO_VSOCK_MAX_CONNS)
/* Ports the device picks for host clients' connections start here (above the usual ones). */
#define LOCAL_PORT_FIRST (1u << 30)

enum conn_state {
	CONN_FREE = 0,
	CONN_HOST_LINE, /* a host client, its "CONNECT P\n" not read yet: the guest knows nothing */
	CONN_HOST_REQUEST, /* the guest is asked (OP_REQUEST) and has not answered */
	CONN_ESTABLISHED,
};

struct vsock_conn {
	enum conn_state state;
	int fd;
	uint32_t local_port, peer_port;

	/* Owed to the guest, sent when it posts receive buffers. */
	bool send_request, send_response, send_credit;
	uint32_t send_shutdown; /* VIRTIO_VSOCK_SHUTDOWN_F_* not yet sent */

	/* Device -> guest: the guest's credit (section 5.10.6.3). */
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	uint32_t rx_cnt; /* payload bytes sent to the guest */
	bool host_eof;	 /* the host program will send no more */

	/* Guest -> device: what it sent, what reached the host, what it heard. */
	uint32_t tx_cnt, fwd_cnt, fwd_cnt_sent;
	uint8_t *buf; /* VIRTIO_VSOCK_CONN_BUF bytes, circular; NULL until needed */
	uint32_t buf_head, buf_len;
	bool guest_shut_send, guest_shut_rcv;
	bool host_shut_wr; /* shutdown(SHUT_WR) done on the host socket */
};

struct rst_entry {
	uint32_t local_port, peer_port;
};

struct virtio_vsock {
	struct virtio_mmio vmio;
	struct vsock_unix *host;
	int work_fd;
	uint64_t guest_cid;
	uint8_t config[VIRTIO_VSOCK_CONFIG_SIZE];
	struct virtio_vsock_stats stats;

	struct vsock_conn conns[VIRTIO_VSOCK_MAX_CONNS];
	unsigned int rr; /* the connection served first on the next receive pass */
	uint32_t next_local_port;

	struct rst_entry rst[RST_SLOTS];
	unsigned int rst_head, rst_count;

	struct virtq_chain rx_chain; /* popped, not yet filled */
	bool rx_held;
	bool tx_blocked; /* the transmit queue waits for owed RSTs to go out */
	struct virtq_chain tx_chain;
	struct iovec iov[VIRTQ_CHAIN_MAX];

	bool logged_malformed, logged_credit, logged_host_error, logged_full;
};

static void vsock_reschedule(struct virtio_vsock *vs)
{
	uint64_t one = 1;

	if (write(vs->work_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_once(&vs->logged_host_error, LOG_WARN, "virtio-vsock: work fd: %s",
			 strerror(errno));
}

/* ---- connections ------------------------------------------------------------ */

/* The guest-visible connection with these ports, or NULL. */
static struct vsock_conn *conn_find(struct virtio_vsock *vs, uint32_t local, uint32_t peer)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &vs->conns[i];
		if (c->state >= CONN_HOST_REQUEST && c->local_port == local && c->peer_port == peer)
			return c;
	}
	return NULL;
}

/*
 * A slot for a new connection on host socket fd, or NULL when all
 * VIRTIO_VSOCK_MAX_CONNS are taken: fd is then closed.
 */
static struct vsock_conn *conn_alloc(struct virtio_vsock *vs, int fd)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &vs->conns[i];
		if (c->state == CONN_FREE) {
			memset(c, 0, sizeof(*c));
			c->fd = fd;
			vs->stats.conns++;
			return c;
		}
	}
	log_once(&vs->logged_full, LOG_INFO, "virtio-vsock: %u connections open, refusing more",
		 VIRTIO_VSOCK_MAX_CONNS);
	vsock_unix_close_conn(vs->host, fd);
	return NULL;
}

/* Owe the guest an OP_RST for (local, peer). False when the backlog is full (it is then lost). */
static bool rst_push(struct virtio_vsock *vs, uint32_t local, uint32_t peer)
{
	if (vs->rst_count == RST_SLOTS)
		return false;
	struct rst_entry *e = &vs->rst[(vs->rst_head + vs->rst_count) % RST_SLOTS];
	e->local_port = local;
	e->peer_port = peer;
	vs->rst_count++;
	return true;
}

/* Close c's host socket and forget it; tell_guest owes the guest an OP_RST for it. */
static void conn_close(struct virtio_vsock *vs, struct vsock_conn *c, bool tell_guest)
{
	if (tell_guest && c->state >= CONN_HOST_REQUEST)
		rst_push(vs, c->local_port, c->peer_port);
	vsock_unix_close_conn(vs->host, c->fd);
	vs->stats.buffered -= c->buf_len;
	vs->stats.conns--;
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

/* The payload bytes the guest can take now on c (section 5.10.6.3). */
static uint32_t conn_peer_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->rx_cnt - c->peer_fwd_cnt; /* wraps, as the spec's counters do */

	return in_flight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

/*
 * The guest's fwd_cnt went forward, or our buffer emptied: tell the guest
 * when the space it knows of fell under half, so a writer held back by its
 * credit starts again, without an update for every packet.
 */
static void conn_maybe_credit(struct vsock_conn *c)
{
	uint32_t known_free = VIRTIO_VSOCK_CONN_BUF - (c->tx_cnt - c->fwd_cnt_sent);

	if (c->fwd_cnt != c->fwd_cnt_sent && known_free < VIRTIO_VSOCK_CONN_BUF / 2)
		c->send_credit = true;
}

/*
 * Both directions are over: the host program sent its EOF, and the guest
 * shut down sending and all it sent reached the host. Nothing can move any
 * more, so the connection is closed (with an RST, section 5.10.6.6).
 */
static bool conn_finished(const struct vsock_conn *c)
{
	return c->host_eof && c->guest_shut_send && c->buf_len == 0;
}

/* The guest will send no more and everything it sent reached the host: pass the EOF on. */
static void conn_host_shutdown(struct vsock_conn *c)
{
	if (c->guest_shut_send && c->buf_len == 0 && !c->host_shut_wr) {
		shutdown(c->fd, SHUT_WR);
		c->host_shut_wr = true;
	}
}

/*
 * Move buffered guest bytes to the host socket. Returns false when the host
 * socket failed (c is closed, the guest told).
 */
static bool conn_drain(struct virtio_vsock *vs, struct vsock_conn *c)
{
	while (c->buf_len > 0) {
		struct iovec iov[2];
		uint32_t first = VIRTIO_VSOCK_CONN_BUF - c->buf_head;
		unsigned int n = 1;

		if (first > c->buf_len)
			first = c->buf_len;
		iov[0] = (struct iovec){c->buf + c->buf_head, first};
		if (first < c->buf_len)
			iov[n++] = (struct iovec){c->buf, c->buf_len - first};
		ssize_t w = vsock_unix_send(c->fd, iov, n);
		if (w == -EAGAIN)
			break;
		if (w < 0) {
			conn_close(vs, c, true);
			return false;
		}
		c->buf_head = (c->buf_head + (uint32_t)w) % VIRTIO_VSOCK_CONN_BUF;
		c->buf_len -= (uint32_t)w;
		c->fwd_cnt += (uint32_t)w;
		vs->stats.buffered -= (uint64_t)w;
	}
	conn_host_shutdown(c);
	conn_maybe_credit(c);
	return true;
}

/* ---- packets from the guest (transmit queue) ------------------------------ */

static void malformed(struct virtio_vsock *vs, const char *why)
{
	vs->stats.malformed++;
	log_once(&vs->logged_malformed, LOG_WARN, "virtio-vsock: guest packet dropped: %s", why);
}

/* A guest connect to host port hdr->dst_port: try PATH_P, answer RESPONSE or RST. */
static void guest_connect(struct virtio_vsock *vs, const struct virtio_vsock_hdr *hdr)
{
	int fd = vsock_unix_connect(vs->host, hdr->dst_port);
	if (fd < 0) {
		rst_push(vs, hdr->dst_port, hdr->src_port);
		return;
	}
	struct vsock_conn *c = conn_alloc(vs, fd);
	if (!c) {
		rst_push(vs, hdr->dst_port, hdr->src_port);
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
static void guest_accepted(struct virtio_vsock *vs, struct vsock_conn *c)
{
	char line[24];
	int n = snprintf(line, sizeof(line), "OK %u\n", c->local_port);
	struct iovec iov = {line, (size_t)n};

	/* A fresh socket has room for a line; if not, the client is not reading at all. */
	if (vsock_unix_send(c->fd, &iov, 1) != n) {
		conn_close(vs, c, true);
		return;
	}
	c->state = CONN_ESTABLISHED;
}

/* Guest data on c: to the host socket, the rest into c's buffer. */
static void guest_data(struct virtio_vsock *vs, struct vsock_conn *c, const struct virtq_chain *ch,
		       uint32_t len)
{
	if (len > VIRTIO_VSOCK_CONN_BUF - c->buf_len) {
		/* More than the buf_alloc - in flight we advertised: the guest broke the credit
		 * rules. */
		log_once(&vs->logged_credit, LOG_WARN,
			 "virtio-vsock: guest sent beyond its credit, connection reset");
		conn_close(vs, c, true);
		return;
	}
	uint32_t sent = 0;
	if (c->buf_len == 0 && len > 0) {
		unsigned int n = virtq_chain_slice(ch, false, VIRTIO_VSOCK_HDR_SIZE, len, vs->iov,
						   VIRTQ_CHAIN_MAX);
		ssize_t w = vsock_unix_send(c->fd, vs->iov, n);
		if (w < 0 && w != -EAGAIN) {
			conn_close(vs, c, true);
			return;
		}
		sent = w > 0 ? (uint32_t)w : 0;
	}
	if (sent < len) {
		if (!c->buf) {
			c->buf = malloc(VIRTIO_VSOCK_CONN_BUF);
			if (!c->buf) {
				conn_close(vs, c, true);
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
		vs->stats.buffered += rest;
	}
	c->tx_cnt += len;
	c->fwd_cnt += sent;
	conn_maybe_credit(c);
}

static void guest_shutdown(struct virtio_vsock *vs, struct vsock_conn *c, uint32_t flags)
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
		if (conn_drain(vs, c))
			conn_close(vs, c, true);
		return;
	}
	conn_host_shutdown(c);
	if (conn_finished(c))
		conn_close(vs, c, true);
}

/* An op on an existing connection c. */
static void guest_op(struct virtio_vsock *vs, struct vsock_conn *c,
		     const struct virtio_vsock_hdr *hdr, const struct virtq_chain *ch)
{
	/* Every packet carries the guest's receive buffer state (section 5.10.6.3). */
	c->peer_buf_alloc = hdr->buf_alloc;
	c->peer_fwd_cnt = hdr->fwd_cnt;

	switch (hdr->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state == CONN_HOST_REQUEST)
			guest_accepted(vs, c);
		else
			conn_close(vs, c, true);
		return;
	case VIRTIO_VSOCK_OP_RST:
		conn_close(vs, c, false);
		return;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		guest_shutdown(vs, c, hdr->flags);
		return;
	case VIRTIO_VSOCK_OP_RW:
		if (c->state != CONN_ESTABLISHED || c->guest_shut_send) {
			malformed(vs, "data on a connection not open for it");
			conn_close(vs, c, true);
			return;
		}
		guest_data(vs, c, ch, hdr->len);
		return;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		return; /* taken above */
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->send_credit = true;
		return;
	default: /* REQUEST for a connection that exists, or an unknown op */
		malformed(vs, "unexpected operation on an open connection");
		conn_close(vs, c, true);
		return;
	}
}

/* One chain from the transmit queue. Returns -1 when the device is broken. */
static int guest_packet(struct virtio_vsock *vs, const struct virtq_chain *ch)
{
	struct virtio_vsock_hdr hdr;

	if (ch->read_len < VIRTIO_VSOCK_HDR_SIZE) {
		/* Not a packet at all, and no ports to answer: only a reset fixes the driver. */
		vs->stats.malformed++;
		virtio_mmio_set_broken(&vs->vmio, "transmit chain shorter than the 44-byte header");
		return -1;
	}
	virtq_chain_read(ch, 0, &hdr, sizeof(hdr));
	vs->stats.tx_packets++;
	if (hdr.src_cid != vs->guest_cid) {
		/* Spoofed or stale: no connection of ours, and an RST would go nowhere. */
		malformed(vs, "source CID is not the guest's");
		return 0;
	}
	struct vsock_conn *c = conn_find(vs, hdr.dst_port, hdr.src_port);
	const char *bad = NULL;
	if (hdr.len > ch->read_len - VIRTIO_VSOCK_HDR_SIZE)
		bad = "len beyond the chain";
	else if (hdr.len > VIRTIO_VSOCK_MAX_PAYLOAD || (hdr.len && hdr.op != VIRTIO_VSOCK_OP_RW))
		bad = "payload too long, or on a packet that carries none";
	else if (hdr.type != VIRTIO_VSOCK_TYPE_STREAM)
		bad = "type is not STREAM";
	else if (hdr.op == VIRTIO_VSOCK_OP_INVALID || hdr.op > VIRTIO_VSOCK_OP_CREDIT_REQUEST)
		bad = "unknown operation";
	else if (hdr.dst_cid != VIRTIO_VSOCK_HOST_CID)
		bad = "destination is not the host (CID 2)";
	if (bad) {
		malformed(vs, bad);
		if (c)
			conn_close(vs, c, true);
		else if (hdr.op != VIRTIO_VSOCK_OP_RST)
			rst_push(vs, hdr.dst_port, hdr.src_port);
		return 0;
	}
	if (c) {
		guest_op(vs, c, &hdr, ch);
		return 0;
	}
	if (hdr.op == VIRTIO_VSOCK_OP_REQUEST)
		guest_connect(vs, &hdr);
	else if (hdr.op != VIRTIO_VSOCK_OP_RST) /* never answer an RST with one */
		rst_push(vs, hdr.dst_port, hdr.src_port);
	return 0;
}

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
		if (vs->rst_count >= RST_BACKLOG) {
			vs->tx_blocked = true;
			break;
		}
		int r = virtio_mmio_pop(&vs->vmio, VIRTIO_VSOCK_TX_QUEUE, &vs->tx_chain);
		if (r < 0)
			return false;
		if (r == 0)
			break;
		if (guest_packet(vs, &vs->tx_chain) < 0)
			return false;
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

/* ---- packets to the guest (receive queue) --------------------------------- */

/* A header from the host to the guest for (local, peer). */
static void hdr_init(const struct virtio_vsock *vs, struct virtio_vsock_hdr *hdr, uint32_t local,
		     uint32_t peer, uint16_t op)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->src_cid = VIRTIO_VSOCK_HOST_CID;
	hdr->dst_cid = vs->guest_cid;
	hdr->src_port = local;
	hdr->dst_port = peer;
	hdr->type = VIRTIO_VSOCK_TYPE_STREAM;
	hdr->op = op;
}

/* A header on c: it carries our buffer state, so the guest now knows our fwd_cnt. */
static void conn_hdr(const struct virtio_vsock *vs, struct vsock_conn *c,
		     struct virtio_vsock_hdr *hdr, uint16_t op)
{
	hdr_init(vs, hdr, c->local_port, c->peer_port, op);
	hdr->buf_alloc = VIRTIO_VSOCK_CONN_BUF;
	hdr->fwd_cnt = c->fwd_cnt;
	c->fwd_cnt_sent = c->fwd_cnt;
	c->send_credit = false;
}

/*
 * Data from c's host socket, read straight into the chain after the header,
 * at most the guest's credit. Returns the payload length, 0 when there is
 * none now, -1 when the host side ended (EOF: host_eof set; error: c closed).
 */
static int64_t conn_read_data(struct virtio_vsock *vs, struct vsock_conn *c,
			      const struct virtq_chain *ch)
{
	uint64_t max = ch->write_len - VIRTIO_VSOCK_HDR_SIZE;
	uint32_t credit = conn_peer_credit(c);

	if (max > credit)
		max = credit;
	if (max > VIRTIO_VSOCK_MAX_PAYLOAD)
		max = VIRTIO_VSOCK_MAX_PAYLOAD;
	if (max == 0)
		return 0; /* the bytes wait in the host socket; its writer is held back */
	unsigned int n =
		virtq_chain_slice(ch, true, VIRTIO_VSOCK_HDR_SIZE, max, vs->iov, VIRTQ_CHAIN_MAX);
	ssize_t r = vsock_unix_recv(c->fd, vs->iov, n);
	if (r > 0)
		return r;
	if (r == -EAGAIN)
		return 0;
	if (r == 0) {
		c->host_eof = true;
	} else {
		log_once(&vs->logged_host_error, LOG_INFO, "virtio-vsock: host socket: %s",
			 strerror((int)-r));
		conn_close(vs, c, true);
	}
	return -1;
}

/*
 * The next packet owed to the guest on c, written into ch. Returns the
 * bytes written, 0 when c owes nothing now (c may have been closed, with an
 * RST queued).
 */
static uint32_t conn_next_packet(struct virtio_vsock *vs, struct vsock_conn *c,
				 const struct virtq_chain *ch)
{
	struct virtio_vsock_hdr hdr;
	uint32_t len = 0;

	if (c->state == CONN_HOST_REQUEST && c->send_request) {
		conn_hdr(vs, c, &hdr, VIRTIO_VSOCK_OP_REQUEST);
		c->send_request = false;
		goto out;
	}
	if (c->state != CONN_ESTABLISHED)
		return 0;
	if (c->send_response) {
		conn_hdr(vs, c, &hdr, VIRTIO_VSOCK_OP_RESPONSE);
		c->send_response = false;
		goto out;
	}
	if (!c->host_eof && !c->guest_shut_rcv) {
		int64_t n = conn_read_data(vs, c, ch);
		if (n > 0) {
			conn_hdr(vs, c, &hdr, VIRTIO_VSOCK_OP_RW);
			hdr.len = (uint32_t)n;
			c->rx_cnt += (uint32_t)n;
			len = (uint32_t)n;
			goto out;
		}
		if (n < 0 && c->state == CONN_FREE)
			return 0; /* closed: the RST is queued */
		if (n < 0) {
			if (conn_finished(c)) {
				conn_close(vs, c, true);
				return 0;
			}
			/* Section 5.10.6.5: the host will send no more; the guest may still. */
			conn_hdr(vs, c, &hdr, VIRTIO_VSOCK_OP_SHUTDOWN);
			hdr.flags = VIRTIO_VSOCK_SHUTDOWN_F_SEND;
			goto out;
		}
	}
	if (!c->send_credit)
		return 0;
	conn_hdr(vs, c, &hdr, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
out:
	virtq_chain_write(ch, 0, &hdr, sizeof(hdr));
	return VIRTIO_VSOCK_HDR_SIZE + len;
}

/* An owed RST into ch. */
static uint32_t rst_packet(struct virtio_vsock *vs, const struct virtq_chain *ch)
{
	struct virtio_vsock_hdr hdr;
	const struct rst_entry *e = &vs->rst[vs->rst_head];

	hdr_init(vs, &hdr, e->local_port, e->peer_port, VIRTIO_VSOCK_OP_RST);
	vs->rst_head = (vs->rst_head + 1) % RST_SLOTS;
	vs->rst_count--;
	vs->stats.rst_sent++;
	virtq_chain_write(ch, 0, &hdr, sizeof(hdr));
	return VIRTIO_VSOCK_HDR_SIZE;
}

/* The next packet owed to the guest, in ch: RSTs first, then the connections in turn. */
static uint32_t next_packet(struct virtio_vsock *vs, const struct virtq_chain *ch)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		if (vs->rst_count > 0)
			return rst_packet(vs, ch);
		unsigned int idx = (vs->rr + i) % VIRTIO_VSOCK_MAX_CONNS;
		struct vsock_conn *c = &vs->conns[idx];
		if (c->state < CONN_HOST_REQUEST)
			continue;
		uint32_t len = conn_next_packet(vs, c, ch);
		if (len > 0) {
			/* Round robin: one busy connection cannot keep the others waiting. */
			vs->rr = (idx + 1) % VIRTIO_VSOCK_MAX_CONNS;
			return len;
		}
	}
	return vs->rst_count > 0 ? rst_packet(vs, ch) : 0;
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
		uint32_t len = next_packet(vs, &vs->rx_chain);
		if (len == 0)
			break; /* nothing owed: the chain stays held for the next packet */
		virtio_mmio_push(&vs->vmio, VIRTIO_VSOCK_RX_QUEUE, vs->rx_chain.head, len);
		vs->rx_held = false;
		vs->stats.rx_packets++;
		delivered = true;
		budget--;
	}
	if (delivered)
		virtio_mmio_notify_used(&vs->vmio, VIRTIO_VSOCK_RX_QUEUE);
	/* Out of budget, or RSTs went out that the transmit queue was waiting for: come back. */
	if (budget == 0 || (vs->tx_blocked && vs->rst_count < RST_BACKLOG))
		vsock_reschedule(vs);
}

/* ---- host clients ------------------------------------------------------------ */

/* A port for the host's end of a host client's connection to guest port peer. */
static uint32_t alloc_local_port(struct virtio_vsock *vs, uint32_t peer)
{
	uint32_t p;

	do {
		p = vs->next_local_port++;
		if (vs->next_local_port == 0)
			vs->next_local_port = LOCAL_PORT_FIRST;
	} while (conn_find(vs, p, peer));
	return p;
}

/* New host clients: each gets a connection slot, or is closed when all are taken. */
static void vsock_accept(struct virtio_vsock *vs)
{
	unsigned int budget = VIRTIO_VSOCK_BUDGET;

	for (; budget > 0; budget--) {
		int fd = vsock_unix_accept(vs->host);
		if (fd < 0) {
			if (fd != -EAGAIN)
				log_once(&vs->logged_host_error, LOG_WARN,
					 "virtio-vsock: accept: %s", strerror(-fd));
			return;
		}
		struct vsock_conn *c = conn_alloc(vs, fd);
		if (!c)
			continue; /* refused: the client sees its socket closed */
		c->state = CONN_HOST_LINE;
	}
	vsock_reschedule(vs);
}

/*
 * A host client that closed its socket while the guest had not answered
 * yet. POLLHUP, not end of stream: a client that only shut down its
 * sending side (a script piping "CONNECT P\n") still waits for the answer.
 */
static bool host_client_gone(const struct vsock_conn *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

/*
 * Host clients' "CONNECT P\n" lines: each complete one asks the guest
 * (OP_REQUEST). A client that leaves before the guest answers frees its
 * slot (and the guest gets an RST).
 */
static void vsock_host_lines(struct virtio_vsock *vs)
{
	char line[VSOCK_UNIX_LINE_MAX];
	uint32_t port;

	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &vs->conns[i];
		if (c->state == CONN_HOST_REQUEST && host_client_gone(c)) {
			conn_close(vs, c, true);
			continue;
		}
		if (c->state != CONN_HOST_LINE)
			continue;
		int r = vsock_unix_read_line(c->fd, line);
		if (r == 0)
			continue;
		if (r < 0 || vsock_unix_parse_connect(line, &port) < 0) {
			conn_close(vs, c, false); /* the guest never heard of it */
			continue;
		}
		c->peer_port = port;
		c->local_port = alloc_local_port(vs, port);
		c->state = CONN_HOST_REQUEST;
		c->send_request = true;
	}
}

/* Buffered guest bytes to the host sockets; finished connections closed. */
static void vsock_drain(struct virtio_vsock *vs)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &vs->conns[i];
		if (c->state != CONN_ESTABLISHED || !conn_drain(vs, c))
			continue;
		if (conn_finished(c))
			conn_close(vs, c, true);
	}
}

/* One pass over everything, each part bounded. Caller holds the device lock. */
static void vsock_work(struct virtio_vsock *vs)
{
	vsock_unix_clear_events(vs->host);
	if (!virtio_mmio_live(&vs->vmio))
		return; /* host clients wait in the backlog until the driver is ready */
	vsock_accept(vs);
	vsock_host_lines(vs);
	vsock_drain(vs);
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
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++)
		if (vs->conns[i].state != CONN_FREE)
			conn_close(vs, &vs->conns[i], false);
	vs->rst_head = 0;
	vs->rst_count = 0;
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
	int err = vsock_unix_open(&vs->host, path);
	if (err) {
		free(vs);
		return err;
	}
	vs->work_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vs->work_fd < 0) {
		err = -errno;
		vsock_unix_close(vs->host);
		free(vs);
		return err;
	}
	vs->guest_cid = guest_cid;
	vs->next_local_port = LOCAL_PORT_FIRST;
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
	return vsock_unix_poll_fd(vs->host);
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
		log_once(&vs->logged_host_error, LOG_WARN, "virtio-vsock: work fd: %s",
			 strerror(errno));
	vsock_work(vs);
	pthread_mutex_unlock(&vs->vmio.dev.lock);
}

void virtio_vsock_get_stats(struct virtio_vsock *vs, struct virtio_vsock_stats *stats)
{
	pthread_mutex_lock(&vs->vmio.dev.lock);
	*stats = vs->stats;
	pthread_mutex_unlock(&vs->vmio.dev.lock);
}

void virtio_vsock_destroy(struct virtio_vsock *vs)
{
	if (!vs)
		return;
	vsock_close_all(vs);
	vsock_unix_close(vs->host);
	close(vs->work_fd);
	pthread_mutex_destroy(&vs->vmio.dev.lock);
	free(vs);
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define VIRTIO_VSOCK_STATE_VERSION 1

/*
 * The payload: u64 guest CID, u32 count, then count pairs (u32 local port,
 * u32 peer port): the RSTs owed and every connection the guest knows of.
 * Those are what a restored device owes the guest: an RST each.
 */
int virtio_vsock_save(struct virtio_vsock *vs, struct state_writer *w)
{
	pthread_mutex_lock(&vs->vmio.dev.lock);
	uint32_t count = vs->rst_count;
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++)
		count += vs->conns[i].state >= CONN_HOST_REQUEST;
	virtio_mmio_save(&vs->vmio, w);
	state_begin(w, STATE_KIND_VIRTIO_VSOCK, VIRTIO_VSOCK_STATE_VERSION);
	state_put_u64(w, vs->guest_cid);
	state_put_u32(w, count);
	for (unsigned int i = 0; i < vs->rst_count; i++) {
		const struct rst_entry *e = &vs->rst[(vs->rst_head + i) % RST_SLOTS];
		state_put_u32(w, e->local_port);
		state_put_u32(w, e->peer_port);
	}
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		const struct vsock_conn *c = &vs->conns[i];
		if (c->state < CONN_HOST_REQUEST)
			continue;
		state_put_u32(w, c->local_port);
		state_put_u32(w, c->peer_port);
	}
	int err = state_end(w);
	pthread_mutex_unlock(&vs->vmio.dev.lock);
	return err;
}

int virtio_vsock_load(struct virtio_vsock *vs, struct state_reader *r)
{
	struct virtio_mmio_state st;
	struct rst_entry owed[RST_SLOTS];
	uint32_t version, count = 0;
	uint64_t cid = 0;

	pthread_mutex_lock(&vs->vmio.dev.lock);
	int err = virtio_mmio_state_read(&vs->vmio, r, &st);
	if (!err)
		err = state_open(r, vs->vmio.dev.name, STATE_KIND_VIRTIO_VSOCK,
				 VIRTIO_VSOCK_STATE_VERSION, &version);
	if (!err) {
		cid = state_get_u64(r);
		count = state_get_u32(r);
		if (count > RST_SLOTS) {
			state_invalid(r, "%u connections (at most %u)", count, RST_SLOTS);
		} else {
			for (uint32_t i = 0; i < count; i++) {
				owed[i].local_port = state_get_u32(r);
				owed[i].peer_port = state_get_u32(r);
			}
		}
		if (!r->err && cid != vs->guest_cid)
			state_invalid(r, "guest CID %llu, this device has %llu",
				      (unsigned long long)cid, (unsigned long long)vs->guest_cid);
		err = state_close(r);
	}
	if (!err) {
		virtio_mmio_state_apply(&vs->vmio, &st);
		vsock_close_all(vs);
		/* The connections cannot come back (their host sockets are gone): reset each. */
		memcpy(vs->rst, owed, count * sizeof(owed[0]));
		vs->rst_count = count;
		if (count > 0)
			vsock_reschedule(vs);
	}
	pthread_mutex_unlock(&vs->vmio.dev.lock);
	return err;
}
