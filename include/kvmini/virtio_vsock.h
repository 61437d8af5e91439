/* SPDX-License-Identifier: MIT */
/*
 * virtio-vsock, the socket device (virtio 1.2 section 5.10), stream
 * sockets only, on Unix domain sockets (kvmini/vsock_unix.h) instead of
 * the host kernel's vhost-vsock.
 *
 * Three queues: rx (0) carries packets to the guest, tx (1) packets from
 * it, event (2) is for transport events, which this device never sends.
 * Every packet is the 44-byte struct virtio_vsock_hdr below, then len bytes
 * of payload (op RW only).
 *
 * The host side (for a device made with guest CID C and path PATH):
 *   - a guest connect to CID 2 (the host) port P connects to the Unix socket
 *     "PATH_P"; if no one listens there the guest gets OP_RST;
 *   - a host program connects to PATH and writes "CONNECT P\n"; the guest
 *     gets OP_REQUEST for its port P; when it accepts (OP_RESPONSE) the
 *     program reads "OK <hostport>\n", hostport being the device's end of
 *     the connection; if it refuses (OP_RST) the program's socket is closed;
 *   - then bytes go both ways until either side shuts down or resets.
 *
 * Nothing grows in the monitor (section 5.10.6.3, credit): bytes for the
 * guest stay in the host socket until the guest has both a receive buffer
 * and credit for them (its buf_alloc - (bytes sent - its fwd_cnt)); bytes
 * from the guest go straight to the host socket, and what it cannot take
 * yet waits in a per-connection buffer of VIRTIO_VSOCK_CONN_BUF bytes,
 * which is exactly the buf_alloc the device advertises, so a guest that
 * honours its credit never overflows it (one that does not is reset). At
 * most VIRTIO_VSOCK_MAX_CONNS connections: so at most MAX_CONNS * CONN_BUF
 * bytes are ever buffered. Connections beyond that are refused with RST.
 *
 * How the monitor drives it (the I/O thread, under the device lock), as for
 * virtio-net: queue notifications through the transport (virtio_mmio_kick),
 * and two fds that both call virtio_vsock_poll(): the backend's epoll set
 * (virtio_vsock_backend_fd, watch EPOLLIN) and the work fd (watch EPOLLIN).
 * Each call moves at most VIRTIO_VSOCK_BUDGET packets each way and accepts
 * at most that many host clients; when it stopped with work left it makes
 * the work fd readable.
 *
 * Snapshot: open connections cannot survive a restore (their host sockets
 * belong to the old monitor). The state records which connections the guest
 * had; a restored device sends the guest OP_RST for each, so its sockets
 * fail cleanly instead of hanging.
 */
#ifndef KVMINI_VIRTIO_VSOCK_H
#define KVMINI_VIRTIO_VSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"
#include "kvmini/virtio_mmio.h"

/* ---- from the specification (section 5.10) -------------------------------- */

#define VIRTIO_ID_VSOCK 19

#define VIRTIO_VSOCK_RX_QUEUE	 0
#define VIRTIO_VSOCK_TX_QUEUE	 1
#define VIRTIO_VSOCK_EVENT_QUEUE 2

/* Feature bits (section 5.10.3). */
#define VIRTIO_VSOCK_F_STREAM	 0
#define VIRTIO_VSOCK_F_SEQPACKET 1 /* not offered */

/* Configuration layout (section 5.10.4). */
#define VIRTIO_VSOCK_CFG_GUEST_CID 0 /* le64 */
#define VIRTIO_VSOCK_CONFIG_SIZE   8

/* Well-known CIDs (section 5.10.4): 2 is the host. */
#define VIRTIO_VSOCK_HOST_CID 2

#define VIRTIO_VSOCK_TYPE_STREAM 1

/* Operations (section 5.10.6). */
#define VIRTIO_VSOCK_OP_INVALID	       0
#define VIRTIO_VSOCK_OP_REQUEST	       1
#define VIRTIO_VSOCK_OP_RESPONSE       2
#define VIRTIO_VSOCK_OP_RST	       3
#define VIRTIO_VSOCK_OP_SHUTDOWN       4
#define VIRTIO_VSOCK_OP_RW	       5
#define VIRTIO_VSOCK_OP_CREDIT_UPDATE  6
#define VIRTIO_VSOCK_OP_CREDIT_REQUEST 7

/* OP_SHUTDOWN flags (section 5.10.6.5): what the sender will no longer do. */
#define VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE 1
#define VIRTIO_VSOCK_SHUTDOWN_F_SEND	2

/* The packet header (section 5.10.6), every field little-endian. */
struct virtio_vsock_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len; /* payload bytes after the header */
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc; /* the sender's receive buffer for this connection */
	uint32_t fwd_cnt;   /* bytes the sender has taken out of it so far */
} __attribute__((packed));

#define VIRTIO_VSOCK_HDR_SIZE 44

/* ---- kvmini's device ----------------------------------------------------- */

#define VIRTIO_VSOCK_QUEUE_SIZE	 256
#define VIRTIO_VSOCK_BUDGET	 64	      /* packets each way per call */
#define VIRTIO_VSOCK_MAX_CONNS	 32	      /* connections, host- and guest-initiated */
#define VIRTIO_VSOCK_CONN_BUF	 (64u * 1024) /* per connection, guest to host */
#define VIRTIO_VSOCK_MAX_PAYLOAD (64u * 1024) /* the largest RW packet either way */

struct virtio_vsock;

/* What the device counted (for messages and tests). */
struct virtio_vsock_stats {
	uint64_t tx_packets; /* taken from the guest */
	uint64_t rx_packets; /* delivered to the guest */
	uint64_t rst_sent;   /* OP_RST packets delivered to the guest */
	uint64_t malformed;  /* packets from the guest that broke the rules */
	unsigned int conns;  /* connections open now */
	uint64_t buffered;   /* guest bytes waiting for a host socket now */
};

/*
 * Create a device for guest CID guest_cid (3 or more, section 5.10.4) that
 * listens on the Unix socket path. Returns 0 and *out, or -errno (-EINVAL
 * for a reserved CID, or vsock_unix_open()'s error).
 */
int virtio_vsock_create(struct virtio_vsock **out, uint64_t guest_cid, const char *path,
			const struct guest_mem *mem, struct irq_line *irq);

/* The transport, for the board to place on the MMIO bus. */
struct virtio_mmio *virtio_vsock_mmio(struct virtio_vsock *vs);

/* The host sockets' epoll set: watch it EPOLLIN and call virtio_vsock_poll(). */
int virtio_vsock_backend_fd(const struct virtio_vsock *vs);

/* An eventfd, readable when virtio_vsock_poll() left work to do: watch it EPOLLIN. */
int virtio_vsock_work_fd(const struct virtio_vsock *vs);

/*
 * I/O thread: the backend fd or the work fd became readable. Takes the
 * device lock; accepts host clients, takes at most VIRTIO_VSOCK_BUDGET
 * packets from the guest and delivers at most as many to it.
 */
void virtio_vsock_poll(struct virtio_vsock *vs);

/* A copy of the counters, under the device lock. */
void virtio_vsock_get_stats(struct virtio_vsock *vs, struct virtio_vsock_stats *stats);

/* Close every connection and the host sockets (the listening one is removed), free the device. */
void virtio_vsock_destroy(struct virtio_vsock *vs);

struct state_writer;
struct state_reader;

/* Append the device's state (transport, guest CID, the guest's connections). 0 or -errno. */
int virtio_vsock_save(struct virtio_vsock *vs, struct state_writer *w);

/*
 * Load a state written by virtio_vsock_save() into a freshly created device
 * with the same guest CID (else -EINVAL). The saved connections are not
 * reopened: the guest gets OP_RST for each. 0, -EPROTO or -EINVAL.
 */
int virtio_vsock_load(struct virtio_vsock *vs, struct state_reader *r);

#endif /* KVMINI_VIRTIO_VSOCK_H */
