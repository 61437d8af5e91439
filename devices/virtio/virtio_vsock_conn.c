// SPDX-License-Identifier: MIT
/*
 * virtio-vsock's connection table (kvmini/virtio_vsock_conn.h): opening and
 * closing connections, the credit each side has (virtio 1.2 section
 * 5.10.6.3), the OP_RSTs owed to the guest, and the host side: new host
 * clients, their "CONNECT P\n" lines, and guest bytes waiting for a host
 * socket. The sockets themselves are in devices/backends/vsock_unix.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kvmini/log.h"
#include "kvmini/virtio_vsock_conn.h"
#include "kvmini/vsock_unix.h"

/* Ports the device picks for host clients' connections start here (above the usual ones). */
#define LOCAL_PORT_FIRST (1u << 30)

void virtio_vsock_conn_init(struct virtio_vsock_conns *t, struct vsock_unix *host,
			    uint64_t guest_cid)
{
	memset(t, 0, sizeof(*t));
	t->host = host;
	t->guest_cid = guest_cid;
	t->next_local_port = LOCAL_PORT_FIRST;
}

struct vsock_conn *virtio_vsock_conn_find(struct virtio_vsock_conns *t, uint32_t local,
					  uint32_t peer)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &t->conn[i];
		if (c->state >= CONN_HOST_REQUEST && c->local_port == local && c->peer_port == peer)
			return c;
	}
	return NULL;
}

struct vsock_conn *virtio_vsock_conn_alloc(struct virtio_vsock_conns *t, int fd)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &t->conn[i];
		if (c->state == CONN_FREE) {
			memset(c, 0, sizeof(*c));
			c->fd = fd;
			t->stats.conns++;
			return c;
		}
	}
	log_once(&t->logged_full, LOG_INFO, "virtio-vsock: %u connections open, refusing more",
		 VIRTIO_VSOCK_MAX_CONNS);
	vsock_unix_close_conn(t->host, fd);
	return NULL;
}

bool virtio_vsock_conn_rst_push(struct virtio_vsock_conns *t, uint32_t local, uint32_t peer)
{
	if (t->rst_count == VIRTIO_VSOCK_RST_SLOTS)
		return false;
	struct vsock_rst *e = &t->rst[(t->rst_head + t->rst_count) % VIRTIO_VSOCK_RST_SLOTS];
	e->local_port = local;
	e->peer_port = peer;
	t->rst_count++;
	return true;
}

void virtio_vsock_conn_close(struct virtio_vsock_conns *t, struct vsock_conn *c, bool tell_guest)
{
	if (tell_guest && c->state >= CONN_HOST_REQUEST)
		virtio_vsock_conn_rst_push(t, c->local_port, c->peer_port);
	vsock_unix_close_conn(t->host, c->fd);
	t->stats.buffered -= c->buf_len;
	t->stats.conns--;
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

void virtio_vsock_conn_close_all(struct virtio_vsock_conns *t)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++)
		if (t->conn[i].state != CONN_FREE)
			virtio_vsock_conn_close(t, &t->conn[i], false);
	t->rst_head = 0;
	t->rst_count = 0;
}

uint32_t virtio_vsock_conn_peer_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->rx_cnt - c->peer_fwd_cnt; /* wraps, as the spec's counters do */

	return in_flight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

/*
 * The guest's fwd_cnt went forward, or our buffer emptied: tell the guest
 * when the space it knows of fell under half, so a writer held back by its
 * credit starts again, without an update for every packet.
 */
void virtio_vsock_conn_maybe_credit(struct vsock_conn *c)
{
	uint32_t known_free = VIRTIO_VSOCK_CONN_BUF - (c->tx_cnt - c->fwd_cnt_sent);

	if (c->fwd_cnt != c->fwd_cnt_sent && known_free < VIRTIO_VSOCK_CONN_BUF / 2)
		c->send_credit = true;
}

bool virtio_vsock_conn_finished(const struct vsock_conn *c)
{
	return c->host_eof && c->guest_shut_send && c->buf_len == 0;
}

void virtio_vsock_conn_host_shutdown(struct vsock_conn *c)
{
	if (c->guest_shut_send && c->buf_len == 0 && !c->host_shut_wr) {
		shutdown(c->fd, SHUT_WR);
		c->host_shut_wr = true;
	}
}

bool virtio_vsock_conn_drain(struct virtio_vsock_conns *t, struct vsock_conn *c)
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
			virtio_vsock_conn_close(t, c, true);
			return false;
		}
		c->buf_head = (c->buf_head + (uint32_t)w) % VIRTIO_VSOCK_CONN_BUF;
		c->buf_len -= (uint32_t)w;
		c->fwd_cnt += (uint32_t)w;
		t->stats.buffered -= (uint64_t)w;
	}
	virtio_vsock_conn_host_shutdown(c);
	virtio_vsock_conn_maybe_credit(c);
	return true;
}

/* ---- host clients ------------------------------------------------------------ */

/* A port for the host's end of a host client's connection to guest port peer. */
static uint32_t alloc_local_port(struct virtio_vsock_conns *t, uint32_t peer)
{
	uint32_t p;

	do {
		p = t->next_local_port++;
		if (t->next_local_port == 0)
			t->next_local_port = LOCAL_PORT_FIRST;
	} while (virtio_vsock_conn_find(t, p, peer));
	return p;
}

/*
 * New host clients: each gets a connection slot, or is closed when all are
 * taken. True when the budget ran out with clients maybe still waiting.
 */
static bool host_accept(struct virtio_vsock_conns *t)
{
	unsigned int budget = VIRTIO_VSOCK_BUDGET;

	for (; budget > 0; budget--) {
		int fd = vsock_unix_accept(t->host);
		if (fd < 0) {
			if (fd != -EAGAIN)
				log_once(&t->logged_host_error, LOG_WARN,
					 "virtio-vsock: accept: %s", strerror(-fd));
			return false;
		}
		struct vsock_conn *c = virtio_vsock_conn_alloc(t, fd);
		if (!c)
			continue; /* refused: the client sees its socket closed */
		c->state = CONN_HOST_LINE;
	}
	return true;
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
static void host_lines(struct virtio_vsock_conns *t)
{
	char line[VSOCK_UNIX_LINE_MAX];
	uint32_t port;

	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &t->conn[i];
		if (c->state == CONN_HOST_REQUEST && host_client_gone(c)) {
			virtio_vsock_conn_close(t, c, true);
			continue;
		}
		if (c->state != CONN_HOST_LINE)
			continue;
		int r = vsock_unix_read_line(c->fd, line);
		if (r == 0)
			continue;
		if (r < 0 || vsock_unix_parse_connect(line, &port) < 0) {
			virtio_vsock_conn_close(t, c, false); /* the guest never heard of it */
			continue;
		}
		c->peer_port = port;
		c->local_port = alloc_local_port(t, port);
		c->state = CONN_HOST_REQUEST;
		c->send_request = true;
	}
}

/* Buffered guest bytes to the host sockets; finished connections closed. */
static void host_drain(struct virtio_vsock_conns *t)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &t->conn[i];
		if (c->state != CONN_ESTABLISHED || !virtio_vsock_conn_drain(t, c))
			continue;
		if (virtio_vsock_conn_finished(c))
			virtio_vsock_conn_close(t, c, true);
	}
}

bool virtio_vsock_conn_serve_host(struct virtio_vsock_conns *t)
{
	bool more = host_accept(t);

	host_lines(t);
	host_drain(t);
	return more;
}
