/* SPDX-License-Identifier: MIT */
/*
 * virtio-vsock's connection table (virtio 1.2 section 5.10.6), shared by the
 * files of the device model: virtio_vsock.c (the device and its queues),
 * virtio_vsock_conn.c (this table: connections, credit, owed RSTs, host
 * clients), virtio_vsock_tx.c (packets from the guest), virtio_vsock_rx.c
 * (packets to the guest) and virtio_vsock_state.c (save/load). Only they
 * include it; the monitor uses kvmini/virtio_vsock.h.
 *
 * A connection is named by its two ports: local_port, the host's end (P for
 * a guest connect to host port P, a port the device picks for a host
 * client), and peer_port, the guest's. Packets from the guest name them as
 * (dst_port, src_port); packets to the guest as (src_port, dst_port).
 *
 * Credit (section 5.10.6.3): each side advertises buf_alloc, its receive
 * buffer for the connection, and fwd_cnt, the bytes it has taken out of it
 * so far; a sender keeps what it has in flight (its tx count minus the
 * peer's fwd_cnt, wrapping) under the peer's buf_alloc. The device's
 * buf_alloc is VIRTIO_VSOCK_CONN_BUF, the buffer each connection has for
 * guest bytes its host socket cannot take yet.
 *
 * Every function runs under the device lock.
 */
#ifndef KVMINI_VIRTIO_VSOCK_CONN_H
#define KVMINI_VIRTIO_VSOCK_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kvmini/virtio_vsock.h"
#include "kvmini/virtqueue.h"

/*
 * OP_RSTs owed for packets without a connection. The transmit queue stops
 * while VIRTIO_VSOCK_RST_BACKLOG are waiting (the guest must take some
 * first); the extra VIRTIO_VSOCK_MAX_CONNS slots are for a restore, which
 * owes one per saved connection.
 */
#define VIRTIO_VSOCK_RST_BACKLOG 64
#define VIRTIO_VSOCK_RST_SLOTS	 (VIRTIO_VSOCK_RST_BACKLOG + VIRTIO_VSOCK_MAX_CONNS)

enum vsock_conn_state {
	CONN_FREE = 0,
	CONN_HOST_LINE, /* a host client, its "CONNECT P\n" not read yet: the guest knows nothing */
	CONN_HOST_REQUEST, /* the guest is asked (OP_REQUEST) and has not answered */
	CONN_ESTABLISHED,
};

struct vsock_conn {
	enum vsock_conn_state state;
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

/* An OP_RST owed to the guest, for the connection (local_port, peer_port). */
struct vsock_rst {
	uint32_t local_port, peer_port;
};

/* The protocol side of one device: everything but the transport. */
struct virtio_vsock_conns {
	struct vsock_unix *host; /* the host sockets (kvmini/vsock_unix.h) */
	uint64_t guest_cid;
	struct virtio_vsock_stats stats;

	struct vsock_conn conn[VIRTIO_VSOCK_MAX_CONNS];
	unsigned int rr; /* the connection served first on the next receive pass */
	uint32_t next_local_port;

	struct vsock_rst rst[VIRTIO_VSOCK_RST_SLOTS]; /* circular */
	unsigned int rst_head, rst_count;

	struct iovec iov[VIRTQ_CHAIN_MAX]; /* one chain's payload, sliced */

	bool logged_malformed, logged_credit, logged_host_error, logged_full;
};

/* An empty table for guest_cid on the host sockets host (which the caller owns). */
void virtio_vsock_conn_init(struct virtio_vsock_conns *t, struct vsock_unix *host,
			    uint64_t guest_cid);

/* The connection the guest knows with these ports, or NULL. */
struct vsock_conn *virtio_vsock_conn_find(struct virtio_vsock_conns *t, uint32_t local,
					  uint32_t peer);

/*
 * A zeroed slot for a new connection on host socket fd (the table owns fd
 * from here on), or NULL when all VIRTIO_VSOCK_MAX_CONNS are taken: fd is
 * then closed.
 */
struct vsock_conn *virtio_vsock_conn_alloc(struct virtio_vsock_conns *t, int fd);

/*
 * Close c's host socket, free its buffer and its slot. tell_guest owes the
 * guest an OP_RST for it, if the guest knows of it.
 */
void virtio_vsock_conn_close(struct virtio_vsock_conns *t, struct vsock_conn *c, bool tell_guest);

/*
 * Close every connection without a word to the guest (its driver or the
 * sockets are gone) and forget the owed RSTs.
 */
void virtio_vsock_conn_close_all(struct virtio_vsock_conns *t);

/* Owe the guest an OP_RST for (local, peer). False when the backlog is full (it is then lost). */
bool virtio_vsock_conn_rst_push(struct virtio_vsock_conns *t, uint32_t local, uint32_t peer);

/* The payload bytes the guest can take now on c (section 5.10.6.3). */
uint32_t virtio_vsock_conn_peer_credit(const struct vsock_conn *c);

/*
 * After the guest's bytes moved on: owe the guest a CREDIT_UPDATE when the
 * space it knows of fell under half of our buffer.
 */
void virtio_vsock_conn_maybe_credit(struct vsock_conn *c);

/*
 * Both directions are over: the host program sent its EOF, and the guest
 * shut down sending and all it sent reached the host. The caller then
 * closes c (with an RST, section 5.10.6.6).
 */
bool virtio_vsock_conn_finished(const struct vsock_conn *c);

/* The guest will send no more and everything it sent reached the host: shut the host side. */
void virtio_vsock_conn_host_shutdown(struct vsock_conn *c);

/*
 * Move c's buffered guest bytes to its host socket, as far as it takes them.
 * False when the host socket failed: c is then closed, the guest owed an RST.
 */
bool virtio_vsock_conn_drain(struct virtio_vsock_conns *t, struct vsock_conn *c);

/*
 * Host side, each pass bounded: accept at most VIRTIO_VSOCK_BUDGET new host
 * clients, read their "CONNECT P\n" lines (each complete one owes the guest
 * an OP_REQUEST), close clients that left before the guest answered, and
 * drain every connection's buffered guest bytes. True when the accepts
 * stopped at the budget: the caller comes back.
 */
bool virtio_vsock_conn_serve_host(struct virtio_vsock_conns *t);

#endif /* KVMINI_VIRTIO_VSOCK_CONN_H */
