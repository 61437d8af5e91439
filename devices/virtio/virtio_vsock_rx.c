// SPDX-License-Identifier: MIT
/*
 * virtio-vsock: packets to the guest (kvmini/virtio_vsock_rx.h). Every
 * header the device writes comes from hdr_init(); one on a connection also
 * carries the device's buffer state (section 5.10.6.3).
 */
#include <errno.h>
#include <string.h>

#include "kvmini/log.h"
#include "kvmini/virtio_vsock_rx.h"
#include "kvmini/vsock_unix.h"

/* A header from the host to the guest for (local, peer). */
static void hdr_init(const struct virtio_vsock_conns *t, struct virtio_vsock_hdr *hdr,
		     uint32_t local, uint32_t peer, uint16_t op)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->src_cid = VIRTIO_VSOCK_HOST_CID;
	hdr->dst_cid = t->guest_cid;
	hdr->src_port = local;
	hdr->dst_port = peer;
	hdr->type = VIRTIO_VSOCK_TYPE_STREAM;
	hdr->op = op;
}

/* A header on c: it carries our buffer state, so the guest now knows our fwd_cnt. */
static void conn_hdr(const struct virtio_vsock_conns *t, struct vsock_conn *c,
		     struct virtio_vsock_hdr *hdr, uint16_t op)
{
	hdr_init(t, hdr, c->local_port, c->peer_port, op);
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
static int64_t conn_read_data(struct virtio_vsock_conns *t, struct vsock_conn *c,
			      const struct virtq_chain *ch)
{
	uint64_t max = ch->write_len - VIRTIO_VSOCK_HDR_SIZE;
	uint32_t credit = virtio_vsock_conn_peer_credit(c);

	if (max > credit)
		max = credit;
	if (max > VIRTIO_VSOCK_MAX_PAYLOAD)
		max = VIRTIO_VSOCK_MAX_PAYLOAD;
	if (max == 0)
		return 0; /* the bytes wait in the host socket; its writer is held back */
	unsigned int n =
		virtq_chain_slice(ch, true, VIRTIO_VSOCK_HDR_SIZE, max, t->iov, VIRTQ_CHAIN_MAX);
	ssize_t r = vsock_unix_recv(c->fd, t->iov, n);
	if (r > 0)
		return r;
	if (r == -EAGAIN)
		return 0;
	if (r == 0) {
		c->host_eof = true;
	} else {
		log_once(&t->logged_host_error, LOG_INFO, "virtio-vsock: host socket: %s",
			 strerror((int)-r));
		virtio_vsock_conn_close(t, c, true);
	}
	return -1;
}

/*
 * The next packet owed to the guest on c, written into ch. Returns the
 * bytes written, 0 when c owes nothing now (c may have been closed, with an
 * RST queued).
 */
static uint32_t conn_next_packet(struct virtio_vsock_conns *t, struct vsock_conn *c,
				 const struct virtq_chain *ch)
{
	struct virtio_vsock_hdr hdr;
	uint32_t len = 0;

	if (c->state == CONN_HOST_REQUEST && c->send_request) {
		conn_hdr(t, c, &hdr, VIRTIO_VSOCK_OP_REQUEST);
		c->send_request = false;
		goto out;
	}
	if (c->state != CONN_ESTABLISHED)
		return 0;
	if (c->send_response) {
		conn_hdr(t, c, &hdr, VIRTIO_VSOCK_OP_RESPONSE);
		c->send_response = false;
		goto out;
	}
	if (!c->host_eof && !c->guest_shut_rcv) {
		int64_t n = conn_read_data(t, c, ch);
		if (n > 0) {
			conn_hdr(t, c, &hdr, VIRTIO_VSOCK_OP_RW);
			hdr.len = (uint32_t)n;
			c->rx_cnt += (uint32_t)n;
			len = (uint32_t)n;
			goto out;
		}
		if (n < 0 && c->state == CONN_FREE)
			return 0; /* closed: the RST is queued */
		if (n < 0) {
			if (virtio_vsock_conn_finished(c)) {
				virtio_vsock_conn_close(t, c, true);
				return 0;
			}
			/* Section 5.10.6.5: the host will send no more; the guest may still. */
			conn_hdr(t, c, &hdr, VIRTIO_VSOCK_OP_SHUTDOWN);
			hdr.flags = VIRTIO_VSOCK_SHUTDOWN_F_SEND;
			goto out;
		}
	}
	if (!c->send_credit)
		return 0;
	conn_hdr(t, c, &hdr, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
out:
	virtq_chain_write(ch, 0, &hdr, sizeof(hdr));
	return VIRTIO_VSOCK_HDR_SIZE + len;
}

/* The oldest owed RST into ch. */
static uint32_t rst_packet(struct virtio_vsock_conns *t, const struct virtq_chain *ch)
{
	struct virtio_vsock_hdr hdr;
	const struct vsock_rst *e = &t->rst[t->rst_head];

	hdr_init(t, &hdr, e->local_port, e->peer_port, VIRTIO_VSOCK_OP_RST);
	t->rst_head = (t->rst_head + 1) % VIRTIO_VSOCK_RST_SLOTS;
	t->rst_count--;
	t->stats.rst_sent++;
	virtq_chain_write(ch, 0, &hdr, sizeof(hdr));
	return VIRTIO_VSOCK_HDR_SIZE;
}

uint32_t virtio_vsock_rx_next_packet(struct virtio_vsock_conns *t, const struct virtq_chain *ch)
{
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		if (t->rst_count > 0)
			return rst_packet(t, ch);
		unsigned int idx = (t->rr + i) % VIRTIO_VSOCK_MAX_CONNS;
		struct vsock_conn *c = &t->conn[idx];
		if (c->state < CONN_HOST_REQUEST)
			continue;
		uint32_t len = conn_next_packet(t, c, ch);
		if (len > 0) {
			/* Round robin: one busy connection cannot keep the others waiting. */
			t->rr = (idx + 1) % VIRTIO_VSOCK_MAX_CONNS;
			return len;
		}
	}
	return t->rst_count > 0 ? rst_packet(t, ch) : 0;
}
