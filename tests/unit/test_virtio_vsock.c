// SPDX-License-Identifier: MIT
/*
 * virtio-vsock (devices/virtio/virtio_vsock*.c) and its Unix-socket host side
 * (devices/backends/vsock_unix.c): the test is the guest's driver, on rings
 * in fake guest memory, and the host programs, on real Unix sockets in a
 * temporary directory.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kvmini/device_state.h"
#include "kvmini/virtio_vsock.h"
#include "kvmini/vsock_unix.h"
#include "../common/vsock_test.h"
#include "virtio_test.h"
#include "unit_run.h"

#define GUEST_CID   3
#define RING_SIZE   128
#define RX_RING_GPA VT_RING_GPA
#define TX_RING_GPA (VT_RING_GPA + 0x4000)
#define EV_RING_GPA (VT_RING_GPA + 0x8000)
#define RX_SLOT	    0x1000 /* receive buffer i at RX_DATA_GPA + i * RX_SLOT */
#define RX_DATA_GPA VT_DATA_GPA
#define TX_SLOT	    0x1000
#define TX_DATA_GPA (VT_DATA_GPA + RING_SIZE * RX_SLOT)
#define TX_SLOTS    64 /* reused in turn: the device is done with a packet when notify returns */
#define TX_MAX	    (TX_SLOT - VIRTIO_VSOCK_HDR_SIZE) /* payload per test packet */
#define FEATURES    ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_VSOCK_F_STREAM))

static struct guest_mem mem;
static struct vt_irq irq;
static struct vt_ring rxr, txr, evr;
static struct virtio_vsock *vs;
static struct virtio_mmio *vmio;
static char dir[64], path[80];

/* The guest driver's side. */
static uint16_t rx_posted, rx_seen, tx_sent;
static uint32_t guest_buf_alloc, guest_fwd_cnt;
static unsigned int conn_rx_extra; /* receive buffers guest_connection() posts after its RESPONSE */

static void setup(void)
{
	vt_mem_init(&mem);
	vt_irq_init(&irq);
	strcpy(dir, "/tmp/kvmini-vsock-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/v.sock", dir);
	ck_assert_int_eq(virtio_vsock_create(&vs, GUEST_CID, path, &mem, &irq.line), 0);
	vmio = virtio_vsock_mmio(vs);
	vt_ring_init(&rxr, &mem, RING_SIZE, RX_RING_GPA);
	vt_ring_init(&txr, &mem, RING_SIZE, TX_RING_GPA);
	vt_ring_init(&evr, &mem, RING_SIZE, EV_RING_GPA);
	rx_posted = rx_seen = tx_sent = 0;
	guest_buf_alloc = 256 * 1024;
	guest_fwd_cnt = 0;
	conn_rx_extra = 7;
}

static void teardown(void)
{
	char cmd[200];

	virtio_vsock_destroy(vs);
	vt_mem_free(&mem);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void start(void)
{
	ck_assert(vt_negotiate(vmio, FEATURES) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, VIRTIO_VSOCK_RX_QUEUE, &rxr);
	vt_queue_setup(vmio, VIRTIO_VSOCK_TX_QUEUE, &txr);
	vt_queue_setup(vmio, VIRTIO_VSOCK_EVENT_QUEUE, &evr);
	vt_driver_ok(vmio);
}

/* Post n receive buffers of size bytes each (header included). */
static void post_rx_sized(unsigned int n, uint32_t size)
{
	for (unsigned int i = 0; i < n; i++) {
		uint16_t d = rx_posted % RING_SIZE;
		vt_desc(&rxr, d, RX_DATA_GPA + (uint64_t)d * RX_SLOT, size, VIRTQ_DESC_F_WRITE, 0);
		vt_avail_add(&rxr, d);
		rx_posted++;
	}
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_RX_QUEUE);
}

static void post_rx(unsigned int n)
{
	post_rx_sized(n, RX_SLOT);
}

/* The next packet the device delivered: 1 with the header (payload at *payload), or 0. */
static int rx_next(struct virtio_vsock_hdr *hdr, const uint8_t **payload)
{
	struct virtq_used *u = vt_used(&rxr);

	if (u->idx == rx_seen)
		return 0;
	struct virtq_used_elem *e = &u->ring[rx_seen % RING_SIZE];
	rx_seen++;
	const uint8_t *p = vt_ptr(&mem, RX_DATA_GPA + (uint64_t)e->id * RX_SLOT);
	memcpy(hdr, p, sizeof(*hdr));
	ck_assert_uint_eq(e->len, VIRTIO_VSOCK_HDR_SIZE + hdr->len);
	ck_assert_uint_eq(hdr->src_cid, VIRTIO_VSOCK_HOST_CID);
	ck_assert_uint_eq(hdr->dst_cid, GUEST_CID);
	ck_assert_uint_eq(hdr->type, VIRTIO_VSOCK_TYPE_STREAM);
	if (payload)
		*payload = p + VIRTIO_VSOCK_HDR_SIZE;
	return 1;
}

/* The next packet must be op between these ports. */
static void expect(uint16_t op, uint32_t host_port, uint32_t guest_port,
		   struct virtio_vsock_hdr *out)
{
	struct virtio_vsock_hdr h;

	ck_assert_msg(rx_next(&h, NULL), "no packet for the guest, wanted op %u", op);
	ck_assert_uint_eq(h.op, op);
	ck_assert_uint_eq(h.src_port, host_port);
	ck_assert_uint_eq(h.dst_port, guest_port);
	if (out)
		*out = h;
}

/* The guest sends a packet as its driver would: one chain of header + payload. */
static void tx_raw(const struct virtio_vsock_hdr *hdr, uint32_t chain_len, const void *payload,
		   uint32_t len)
{
	uint16_t d = tx_sent % RING_SIZE;
	uint64_t gpa = TX_DATA_GPA + (uint64_t)(tx_sent % TX_SLOTS) * TX_SLOT;

	ck_assert_uint_le(len, TX_MAX);
	memcpy(vt_ptr(&mem, gpa), hdr, sizeof(*hdr));
	if (len)
		memcpy(vt_ptr(&mem, gpa + VIRTIO_VSOCK_HDR_SIZE), payload, len);
	vt_desc(&txr, d, gpa, chain_len, 0, 0);
	vt_avail_add(&txr, d);
	tx_sent++;
}

/* A packet header from our guest, with its receive buffer state as the test set it. */
static struct virtio_vsock_hdr mkhdr(uint16_t op, uint32_t guest_port, uint32_t host_port,
				     uint32_t len, uint32_t flags)
{
	struct virtio_vsock_hdr h =
		vsock_test_guest_hdr(GUEST_CID, op, guest_port, host_port, len, flags);

	h.buf_alloc = guest_buf_alloc;
	h.fwd_cnt = guest_fwd_cnt;
	return h;
}

static void tx(uint16_t op, uint32_t guest_port, uint32_t host_port, const void *payload,
	       uint32_t len, uint32_t flags)
{
	struct virtio_vsock_hdr h = mkhdr(op, guest_port, host_port, len, flags);

	tx_raw(&h, VIRTIO_VSOCK_HDR_SIZE + len, payload, len);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
}

/* A host program listening on PATH_port. */
static int host_listen(uint32_t port)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s_%u", path, port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 2 * VIRTIO_VSOCK_MAX_CONNS), 0);
	return fd;
}

/* A host program connecting to PATH. */
static int host_client(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(a.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static ssize_t host_read(int fd, void *buf, size_t size)
{
	return recv(fd, buf, size, MSG_DONTWAIT);
}

/* The device closed fd's peer: end of stream, or a reset when it left bytes unread. */
static int host_closed(int fd)
{
	char buf[64];
	ssize_t n = host_read(fd, buf, sizeof(buf));

	return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* The device has n connections open. */
static void expect_conns(unsigned int n)
{
	struct virtio_vsock_stats st;

	virtio_vsock_get_stats(vs, &st);
	ck_assert_uint_eq(st.conns, n);
}

static void host_write(int fd, const char *s)
{
	ck_assert_int_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

static int work_fd_readable(void)
{
	struct pollfd p = {.fd = virtio_vsock_work_fd(vs), .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

/* A guest connect from guest port 5000 to host port 1234, accepted: returns the host's fd. */
static int guest_connection(int *listener)
{
	*listener = host_listen(1234);
	post_rx(1);
	tx(VIRTIO_VSOCK_OP_REQUEST, 5000, 1234, NULL, 0, 0);
	expect(VIRTIO_VSOCK_OP_RESPONSE, 1234, 5000, NULL);
	int fd = accept(*listener, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	post_rx(conn_rx_extra);
	return fd;
}

/* ---- configuration -------------------------------------------------------- */

START_TEST(test_config_features)
{
	uint8_t b[8];
	struct virtio_vsock *other;

	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_VSOCK);
	vt_wr(vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t lo = vt_rd(vmio, VIRTIO_MMIO_DEVICE_FEATURES);
	ck_assert(lo & (1u << VIRTIO_VSOCK_F_STREAM));
	ck_assert(!(lo & (1u << VIRTIO_VSOCK_F_SEQPACKET)));
	vt_wr(vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert(vt_rd(vmio, VIRTIO_MMIO_DEVICE_FEATURES) & 1u); /* VERSION_1 */
	for (unsigned int q = 0; q < 3; q++) {
		vt_wr(vmio, VIRTIO_MMIO_QUEUE_SEL, q);
		ck_assert_uint_ge(vt_rd(vmio, VIRTIO_MMIO_QUEUE_NUM_MAX), RING_SIZE);
	}
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_SEL, 3);
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);

	vmio->dev.ops->read(&vmio->dev, VIRTIO_MMIO_CONFIG + VIRTIO_VSOCK_CFG_GUEST_CID, b, 8);
	ck_assert_uint_eq(device_load_le(b, 8), GUEST_CID);
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_CONFIG + 4), 0);

	ck_assert(!(vt_negotiate(vmio, FEATURES | (1ULL << VIRTIO_VSOCK_F_SEQPACKET)) &
		    VIRTIO_STATUS_FEATURES_OK));
	ck_assert(vt_negotiate(vmio, FEATURES) & VIRTIO_STATUS_FEATURES_OK);

	/* Reserved CIDs (section 5.10.4) are refused. */
	ck_assert_int_eq(virtio_vsock_create(&other, 2, path, &mem, &irq.line), -EINVAL);
	ck_assert_int_eq(virtio_vsock_create(&other, 1ULL << 32, path, &mem, &irq.line), -EINVAL);
}
END_TEST

START_TEST(test_parse_connect)
{
	uint32_t port;

	ck_assert_int_eq(vsock_unix_parse_connect("CONNECT 52", &port), 0);
	ck_assert_uint_eq(port, 52);
	ck_assert_int_eq(vsock_unix_parse_connect("CONNECT 4294967295", &port), 0);
	ck_assert_uint_eq(port, UINT32_MAX);
	ck_assert_int_eq(vsock_unix_parse_connect("CONNECT 4294967296", &port), -EINVAL);
	ck_assert_int_eq(vsock_unix_parse_connect("CONNECT ", &port), -EINVAL);
	ck_assert_int_eq(vsock_unix_parse_connect("CONNECT 5x", &port), -EINVAL);
	ck_assert_int_eq(vsock_unix_parse_connect("connect 5", &port), -EINVAL);
}
END_TEST

/* ---- guest-initiated connections ------------------------------------------ */

START_TEST(test_guest_connect_relays)
{
	int listener, fd;
	char buf[64];
	struct virtio_vsock_hdr h;
	const uint8_t *p;

	start();
	fd = guest_connection(&listener);
	tx(VIRTIO_VSOCK_OP_RW, 5000, 1234, "hello", 5, 0);
	ck_assert_int_eq(host_read(fd, buf, sizeof(buf)), 5);
	ck_assert_mem_eq(buf, "hello", 5);

	host_write(fd, "world!");
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, &p));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_RW);
	ck_assert_uint_eq(h.src_port, 1234);
	ck_assert_uint_eq(h.dst_port, 5000);
	ck_assert_uint_eq(h.len, 6);
	ck_assert_mem_eq(p, "world!", 6);
	ck_assert_uint_eq(h.buf_alloc, VIRTIO_VSOCK_CONN_BUF);
	ck_assert_uint_eq(h.fwd_cnt, 5); /* the 5 bytes reached the host */
	ck_assert(!rx_next(&h, NULL));
	ck_assert(!vt_needs_reset(vmio));
	close(fd);
	close(listener);
}
END_TEST

START_TEST(test_guest_connect_refused)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct virtio_vsock_stats st;

	start();
	post_rx(4);
	/* No socket file at all: ENOENT. */
	tx(VIRTIO_VSOCK_OP_REQUEST, 5000, 77, NULL, 0, 0);
	expect(VIRTIO_VSOCK_OP_RST, 77, 5000, NULL);
	/* A socket file no one listens on: ECONNREFUSED. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s_%u", path, 78);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	tx(VIRTIO_VSOCK_OP_REQUEST, 5001, 78, NULL, 0, 0);
	expect(VIRTIO_VSOCK_OP_RST, 78, 5001, NULL);
	virtio_vsock_get_stats(vs, &st);
	ck_assert_uint_eq(st.conns, 0);
	ck_assert_uint_eq(st.rst_sent, 2);
	close(s);
}
END_TEST

/* ---- host-initiated connections ------------------------------------------- */

/* A host client asks for guest port 52; returns the client's fd and the host port in *hp. */
static int host_connection(uint32_t *hp)
{
	struct virtio_vsock_hdr h;
	char buf[64], want[32];

	int c = host_client();
	/* Data written before the OK waits in the socket for the guest. */
	host_write(c, "CONNECT 52\nearly");
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, NULL));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_REQUEST);
	ck_assert_uint_eq(h.dst_port, 52);
	ck_assert_uint_ge(h.src_port, 1u << 30);
	*hp = h.src_port;
	ck_assert_int_eq(host_read(c, buf, sizeof(buf)), -1); /* no answer before the guest's */
	tx(VIRTIO_VSOCK_OP_RESPONSE, 52, *hp, NULL, 0, 0);
	snprintf(want, sizeof(want), "OK %u\n", *hp);
	ck_assert_int_eq(host_read(c, buf, sizeof(buf)), (ssize_t)strlen(want));
	ck_assert_mem_eq(buf, want, strlen(want));
	return c;
}

START_TEST(test_host_connect_relays)
{
	struct virtio_vsock_hdr h;
	const uint8_t *p;
	char buf[64];
	uint32_t hp;

	start();
	post_rx(8);
	int c = host_connection(&hp);
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, &p));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_RW);
	ck_assert_uint_eq(h.src_port, hp);
	ck_assert_uint_eq(h.dst_port, 52);
	ck_assert_uint_eq(h.len, 5);
	ck_assert_mem_eq(p, "early", 5);

	tx(VIRTIO_VSOCK_OP_RW, 52, hp, "back", 4, 0);
	ck_assert_int_eq(host_read(c, buf, sizeof(buf)), 4);
	ck_assert_mem_eq(buf, "back", 4);
	close(c);
}
END_TEST

START_TEST(test_host_connect_refused_and_bad_line)
{
	struct virtio_vsock_hdr h;
	char buf[64];

	start();
	post_rx(8);
	/* The guest refuses: the client's socket is closed. */
	int c = host_client();
	host_write(c, "CONNECT 53\n");
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, NULL));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_REQUEST);
	tx(VIRTIO_VSOCK_OP_RST, 53, h.src_port, NULL, 0, 0);
	ck_assert_int_eq(host_read(c, buf, sizeof(buf)), 0);
	close(c);

	/* Not a CONNECT line: closed, and the guest hears nothing. */
	c = host_client();
	host_write(c, "HELLO\n");
	virtio_vsock_poll(vs);
	ck_assert_int_eq(host_read(c, buf, sizeof(buf)), 0);
	ck_assert(!rx_next(&h, NULL));
	close(c);

	/* A line that never ends. */
	c = host_client();
	host_write(c, "CONNECT 000000000000000000000000000000000000052");
	virtio_vsock_poll(vs);
	ck_assert(host_closed(c));
	ck_assert(!rx_next(&h, NULL));
	close(c);

	/* A client that leaves before the guest answers: the guest gets an RST. */
	c = host_client();
	host_write(c, "CONNECT 54\n");
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, NULL));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_REQUEST);
	close(c);
	virtio_vsock_poll(vs);
	expect(VIRTIO_VSOCK_OP_RST, h.src_port, 54, NULL);

	/* One that only shut down its sending side still gets its answer. */
	c = host_client();
	host_write(c, "CONNECT 55\n");
	shutdown(c, SHUT_WR);
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, NULL));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_REQUEST);
	virtio_vsock_poll(vs);
	ck_assert(!rx_next(&h, NULL));
	uint32_t hp = h.src_port;
	tx(VIRTIO_VSOCK_OP_RESPONSE, 55, hp, NULL, 0, 0);
	ck_assert_int_gt(host_read(c, buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "OK ", 3);
	/* Its end of stream reaches the guest as SHUTDOWN: it will send no more. */
	virtio_vsock_poll(vs);
	expect(VIRTIO_VSOCK_OP_SHUTDOWN, hp, 55, &h);
	ck_assert_uint_eq(h.flags, VIRTIO_VSOCK_SHUTDOWN_F_SEND);
	close(c);
	expect_conns(1);
}
END_TEST

START_TEST(test_connection_limit)
{
	int listener = host_listen(1234);

	start();
	post_rx(VIRTIO_VSOCK_MAX_CONNS + 2);
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		tx(VIRTIO_VSOCK_OP_REQUEST, 6000 + i, 1234, NULL, 0, 0);
		expect(VIRTIO_VSOCK_OP_RESPONSE, 1234, 6000 + i, NULL);
	}
	/* One more, from either side, is refused. */
	tx(VIRTIO_VSOCK_OP_REQUEST, 7000, 1234, NULL, 0, 0);
	expect(VIRTIO_VSOCK_OP_RST, 1234, 7000, NULL);
	int c = host_client();
	host_write(c, "CONNECT 52\n");
	virtio_vsock_poll(vs);
	ck_assert(host_closed(c));
	expect_conns(VIRTIO_VSOCK_MAX_CONNS);
	/* A slot freed is a slot usable again. */
	tx(VIRTIO_VSOCK_OP_RST, 6000, 1234, NULL, 0, 0);
	tx(VIRTIO_VSOCK_OP_REQUEST, 7000, 1234, NULL, 0, 0);
	expect(VIRTIO_VSOCK_OP_RESPONSE, 1234, 7000, NULL);
	close(c);
	close(listener);
}
END_TEST

/* ---- credit (section 5.10.6.3) ---------------------------------------------- */

/* Payload bytes the guest receives on its connection now, all buffers posted. */
static uint32_t rx_drain_bytes(uint32_t *packets)
{
	struct virtio_vsock_hdr h;
	uint32_t total = 0;

	*packets = 0;
	while (rx_next(&h, NULL)) {
		ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_RW);
		total += h.len;
		(*packets)++;
	}
	return total;
}

START_TEST(test_credit_guest_slow_reader)
{
	static char chunk[4096];
	struct virtio_vsock_stats st;
	uint32_t packets;
	int listener;

	guest_buf_alloc = 4096; /* the guest's socket buffer */
	start();
	int fd = guest_connection(&listener);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* The host writes until its socket is full: the writer is held back, not the monitor. */
	size_t written = 0;
	for (;;) {
		ssize_t n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
		if (n < 0) {
			ck_assert_int_eq(errno, EAGAIN);
			break;
		}
		written += (size_t)n;
		ck_assert_uint_lt(written, 16u << 20);
	}
	ck_assert_uint_gt(written, 3 * 4096);
	post_rx(64);
	virtio_vsock_poll(vs);
	ck_assert_uint_eq(rx_drain_bytes(&packets), 4096);
	virtio_vsock_poll(vs);
	ck_assert_uint_eq(rx_drain_bytes(&packets), 0);
	virtio_vsock_get_stats(vs, &st);
	ck_assert_uint_eq(st.buffered, 0);

	/* The guest read it: a credit update lets exactly one more buffer's worth through. */
	guest_fwd_cnt = 4096;
	tx(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 5000, 1234, NULL, 0, 0);
	ck_assert_uint_eq(rx_drain_bytes(&packets), 4096);
	close(fd);
	close(listener);
}
END_TEST

/* The device's credit as the guest knows it, from the last header it got. */
static uint32_t dev_buf_alloc, dev_fwd_cnt, guest_tx_cnt;

static void note_credit(void)
{
	struct virtio_vsock_hdr h;
	unsigned int n = 0;

	while (rx_next(&h, NULL)) {
		ck_assert_uint_ne(h.op, VIRTIO_VSOCK_OP_RST);
		dev_buf_alloc = h.buf_alloc;
		dev_fwd_cnt = h.fwd_cnt;
		n++;
	}
	if (n)
		post_rx(n); /* the driver gives its buffers back */
}

START_TEST(test_credit_host_slow_reader)
{
	static char data[TX_MAX], got[65536];
	struct virtio_vsock_stats st;
	int listener;

	start();
	int fd = guest_connection(&listener);
	dev_buf_alloc = VIRTIO_VSOCK_CONN_BUF;
	dev_fwd_cnt = 0;
	guest_tx_cnt = 0;
	post_rx(RING_SIZE - 16);
	/* A guest that honours its credit sends until it has none; the host reads nothing. */
	unsigned int sent = 0;
	for (;;) {
		uint32_t credit = dev_buf_alloc - (guest_tx_cnt - dev_fwd_cnt);
		uint32_t n = credit < TX_MAX ? credit : TX_MAX;
		if (n == 0)
			break;
		for (uint32_t i = 0; i < n; i++)
			data[i] = (char)(guest_tx_cnt + i);
		tx(VIRTIO_VSOCK_OP_RW, 5000, 1234, data, n, 0);
		guest_tx_cnt += n;
		note_credit();
		virtio_vsock_get_stats(vs, &st);
		ck_assert_uint_le(st.buffered, VIRTIO_VSOCK_CONN_BUF);
		ck_assert_uint_lt(++sent, 10000);
	}
	virtio_vsock_get_stats(vs, &st);
	ck_assert_uint_gt(st.buffered, 0);
	ck_assert_uint_eq(st.conns, 1);

	/* The host reads: the device drains its buffer and gives the credit back. */
	uint32_t read_total = 0;
	ssize_t n;
	while ((n = host_read(fd, got, sizeof(got))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			ck_assert_int_eq(got[i], (char)(read_total + i));
		read_total += (uint32_t)n;
		virtio_vsock_poll(vs);
	}
	ck_assert_uint_eq(read_total, guest_tx_cnt);
	virtio_vsock_get_stats(vs, &st);
	ck_assert_uint_eq(st.buffered, 0);
	note_credit();
	ck_assert_uint_eq(dev_fwd_cnt, guest_tx_cnt);
	close(fd);
	close(listener);
}
END_TEST

START_TEST(test_credit_violation_resets)
{
	static char data[TX_MAX];
	struct virtio_vsock_hdr h;
	struct virtio_vsock_stats st;
	int listener, got_rst = 0;

	start();
	int fd = guest_connection(&listener);
	post_rx(RING_SIZE - 8);
	/* A guest that ignores its credit: reset, and the buffer never outgrows CONN_BUF. */
	for (unsigned int i = 0; i < 1000 && !got_rst; i++) {
		tx(VIRTIO_VSOCK_OP_RW, 5000, 1234, data, TX_MAX, 0);
		virtio_vsock_get_stats(vs, &st);
		ck_assert_uint_le(st.buffered, VIRTIO_VSOCK_CONN_BUF);
		while (rx_next(&h, NULL))
			got_rst |= h.op == VIRTIO_VSOCK_OP_RST;
	}
	ck_assert(got_rst);
	virtio_vsock_get_stats(vs, &st);
	ck_assert_uint_eq(st.conns, 0);
	ck_assert_uint_eq(st.buffered, 0);
	close(fd);
	close(listener);
}
END_TEST

/* ---- shutdown and reset ------------------------------------------------------ */

START_TEST(test_shutdown_from_guest)
{
	struct virtio_vsock_hdr h;
	char buf[16];
	int listener;

	start();
	int fd = guest_connection(&listener);
	tx(VIRTIO_VSOCK_OP_RW, 5000, 1234, "bye", 3, 0);
	tx(VIRTIO_VSOCK_OP_SHUTDOWN, 5000, 1234, NULL, 0, VIRTIO_VSOCK_SHUTDOWN_F_SEND);
	ck_assert_int_eq(host_read(fd, buf, sizeof(buf)), 3);
	ck_assert_int_eq(host_read(fd, buf, sizeof(buf)), 0); /* the host sees EOF */
	/* The other direction still works. */
	host_write(fd, "more");
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, NULL));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_RW);
	ck_assert_uint_eq(h.len, 4);
	/* Both directions shut: the device answers RST and closes the host socket. */
	tx(VIRTIO_VSOCK_OP_SHUTDOWN, 5000, 1234, NULL, 0,
	   VIRTIO_VSOCK_SHUTDOWN_F_SEND | VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE);
	expect(VIRTIO_VSOCK_OP_RST, 1234, 5000, NULL);
	ck_assert_int_eq(send(fd, "x", 1, MSG_NOSIGNAL), -1);
	expect_conns(0);
	close(fd);
	close(listener);
}
END_TEST

START_TEST(test_shutdown_from_host)
{
	struct virtio_vsock_hdr h;
	char buf[16];
	int listener;

	start();
	int fd = guest_connection(&listener);
	host_write(fd, "last");
	shutdown(fd, SHUT_WR);
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, NULL));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_RW);
	expect(VIRTIO_VSOCK_OP_SHUTDOWN, 1234, 5000, &h);
	ck_assert_uint_eq(h.flags, VIRTIO_VSOCK_SHUTDOWN_F_SEND);
	/* The guest can still send. */
	tx(VIRTIO_VSOCK_OP_RW, 5000, 1234, "ack", 3, 0);
	ck_assert_int_eq(host_read(fd, buf, sizeof(buf)), 3);
	/* It shuts down too: nothing can move any more, RST and closed. */
	tx(VIRTIO_VSOCK_OP_SHUTDOWN, 5000, 1234, NULL, 0, VIRTIO_VSOCK_SHUTDOWN_F_SEND);
	expect(VIRTIO_VSOCK_OP_RST, 1234, 5000, NULL);
	ck_assert_int_eq(host_read(fd, buf, sizeof(buf)), 0);
	expect_conns(0);
	close(fd);
	close(listener);
}
END_TEST

START_TEST(test_rst_from_guest)
{
	struct virtio_vsock_hdr h;
	char buf[16];
	int listener;

	start();
	int fd = guest_connection(&listener);
	tx(VIRTIO_VSOCK_OP_RST, 5000, 1234, NULL, 0, 0);
	ck_assert_int_eq(host_read(fd, buf, sizeof(buf)), 0);
	ck_assert(!rx_next(&h, NULL)); /* an RST is never answered */
	expect_conns(0);
	/* Later packets on it get an RST. */
	tx(VIRTIO_VSOCK_OP_RW, 5000, 1234, "x", 1, 0);
	expect(VIRTIO_VSOCK_OP_RST, 1234, 5000, NULL);
	close(fd);
	close(listener);
}
END_TEST

START_TEST(test_rst_from_host)
{
	struct virtio_vsock_hdr h;
	int listener;

	start();
	int fd = guest_connection(&listener);
	/* Closing with unread data is a reset on a Unix stream socket (ECONNRESET). */
	tx(VIRTIO_VSOCK_OP_RW, 5000, 1234, "unread", 6, 0);
	close(fd);
	virtio_vsock_poll(vs);
	ck_assert(rx_next(&h, NULL));
	ck_assert(h.op == VIRTIO_VSOCK_OP_RST || h.op == VIRTIO_VSOCK_OP_SHUTDOWN);
	if (h.op == VIRTIO_VSOCK_OP_SHUTDOWN) {
		/* Seen as EOF: the guest's next data finds the socket gone. */
		tx(VIRTIO_VSOCK_OP_RW, 5000, 1234, "x", 1, 0);
		expect(VIRTIO_VSOCK_OP_RST, 1234, 5000, NULL);
	}
	expect_conns(0);
	close(listener);
}
END_TEST

/* ---- malformed packets ----------------------------------------------------- */

START_TEST(test_malformed)
{
	struct virtio_vsock_hdr h;
	struct virtio_vsock_stats st;
	char buf[16];
	int listener;

	start();
	int fd = guest_connection(&listener);
	/* len beyond the chain, on a connection: RST, the host socket closed. */
	h = mkhdr(VIRTIO_VSOCK_OP_RW, 5000, 1234, 100, 0);
	tx_raw(&h, VIRTIO_VSOCK_HDR_SIZE + 10, "0123456789", 10);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
	expect(VIRTIO_VSOCK_OP_RST, 1234, 5000, NULL);
	ck_assert_int_eq(host_read(fd, buf, sizeof(buf)), 0);
	close(fd);
	/* An unknown op with no connection: RST. */
	tx(99, 5001, 1234, NULL, 0, 0);
	expect(VIRTIO_VSOCK_OP_RST, 1234, 5001, NULL);
	/* SEQPACKET was not offered: a request of that type is refused, nothing connects. */
	h = mkhdr(VIRTIO_VSOCK_OP_REQUEST, 5002, 1234, 0, 0);
	h.type = 2;
	tx_raw(&h, VIRTIO_VSOCK_HDR_SIZE, NULL, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
	expect(VIRTIO_VSOCK_OP_RST, 1234, 5002, NULL);
	fcntl(listener, F_SETFL, O_NONBLOCK);
	ck_assert_int_eq(accept(listener, NULL, NULL), -1);
	/* Another destination CID. */
	h = mkhdr(VIRTIO_VSOCK_OP_REQUEST, 5003, 1234, 0, 0);
	h.dst_cid = 7;
	tx_raw(&h, VIRTIO_VSOCK_HDR_SIZE, NULL, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
	expect(VIRTIO_VSOCK_OP_RST, 1234, 5003, NULL);
	/* A spoofed source CID is dropped without an answer. */
	h = mkhdr(VIRTIO_VSOCK_OP_REQUEST, 5004, 1234, 0, 0);
	h.src_cid = 9;
	tx_raw(&h, VIRTIO_VSOCK_HDR_SIZE, NULL, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
	ck_assert(!rx_next(&h, NULL));
	ck_assert(!vt_needs_reset(vmio));
	virtio_vsock_get_stats(vs, &st);
	ck_assert_uint_eq(st.malformed, 5);

	/* A chain shorter than a header: nothing to answer, the device needs a reset. */
	h = mkhdr(VIRTIO_VSOCK_OP_RW, 5000, 1234, 0, 0);
	tx_raw(&h, 20, NULL, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
	ck_assert(vt_needs_reset(vmio));
	close(listener);
}
END_TEST

START_TEST(test_rx_buffer_too_short_breaks_device)
{
	start();
	post_rx_sized(1, 20);
	tx(VIRTIO_VSOCK_OP_REQUEST, 5000, 77, NULL, 0, 0); /* an RST to deliver */
	ck_assert(vt_needs_reset(vmio));
}
END_TEST

/* ---- bounded work ------------------------------------------------------------ */

START_TEST(test_tx_budget)
{
	int listener;

	start();
	int fd = guest_connection(&listener);
	uint16_t before = vt_used(&txr)->idx;
	struct virtio_vsock_hdr h = mkhdr(VIRTIO_VSOCK_OP_RW, 5000, 1234, 1, 0);
	for (unsigned int i = 0; i < 100; i++)
		tx_raw(&h, VIRTIO_VSOCK_HDR_SIZE + 1, "z", 1);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
	ck_assert_uint_eq((uint16_t)(vt_used(&txr)->idx - before), VIRTIO_VSOCK_BUDGET);
	ck_assert(work_fd_readable());
	virtio_vsock_poll(vs);
	ck_assert_uint_eq((uint16_t)(vt_used(&txr)->idx - before), 100);
	ck_assert(!work_fd_readable());
	char buf[200];
	ck_assert_int_eq(host_read(fd, buf, sizeof(buf)), 100);
	close(fd);
	close(listener);
}
END_TEST

START_TEST(test_rx_budget)
{
	static char data[10000];
	uint32_t packets;
	int listener;

	conn_rx_extra = 0; /* only the small buffers below */
	start();
	int fd = guest_connection(&listener);
	post_rx_sized(RING_SIZE - 8, VIRTIO_VSOCK_HDR_SIZE + 100);
	ck_assert_int_eq(send(fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	virtio_vsock_poll(vs);
	ck_assert_uint_eq(rx_drain_bytes(&packets), VIRTIO_VSOCK_BUDGET * 100);
	ck_assert_uint_eq(packets, VIRTIO_VSOCK_BUDGET);
	ck_assert(work_fd_readable());
	virtio_vsock_poll(vs);
	ck_assert_uint_eq(rx_drain_bytes(&packets), sizeof(data) - VIRTIO_VSOCK_BUDGET * 100);
	ck_assert_uint_eq(packets, 100 - VIRTIO_VSOCK_BUDGET);
	close(fd);
	close(listener);
}
END_TEST

/* ---- state ---------------------------------------------------------------------- */

START_TEST(test_state_round_trip)
{
	struct state_writer w;
	struct state_reader r;
	struct virtio_vsock *vs2, *other;
	struct virtio_vsock_hdr h;
	char path2[160];
	int listener;
	uint32_t hp;

	start();
	int fd = guest_connection(&listener);
	int c = host_connection(&hp);
	while (rx_next(&h, NULL))
		; /* the "early" bytes */
	state_writer_init(&w, NULL, 0);
	ck_assert_int_eq(virtio_vsock_save(vs, &w), 0);

	/* A device of another CID refuses it. */
	snprintf(path2, sizeof(path2), "%s/other.sock", dir);
	ck_assert_int_eq(virtio_vsock_create(&other, GUEST_CID + 1, path2, &mem, &irq.line), 0);
	state_reader_init(&r, w.buf, w.len);
	ck_assert_int_eq(virtio_vsock_load(other, &r), -EINVAL);
	virtio_vsock_destroy(other);
	/* A cut blob is refused. */
	snprintf(path2, sizeof(path2), "%s/new.sock", dir);
	ck_assert_int_eq(virtio_vsock_create(&vs2, GUEST_CID, path2, &mem, &irq.line), 0);
	state_reader_init(&r, w.buf, w.len - 3);
	ck_assert_int_eq(virtio_vsock_load(vs2, &r), -EPROTO);

	/* Loaded: the transport is back, and the guest gets an RST for each connection. */
	state_reader_init(&r, w.buf, w.len);
	ck_assert_int_eq(virtio_vsock_load(vs2, &r), 0);
	ck_assert_uint_eq(vt_rd(virtio_vsock_mmio(vs2), VIRTIO_MMIO_STATUS),
			  vt_rd(vmio, VIRTIO_MMIO_STATUS));
	/* Only the new device serves the rings from here on. */
	virtio_vsock_destroy(vs);
	vs = vs2;
	vmio = virtio_vsock_mmio(vs);
	post_rx(4);
	int rsts = 0, saw_guest = 0, saw_host = 0;
	while (rx_next(&h, NULL)) {
		ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_RST);
		rsts++;
		saw_guest |= h.src_port == 1234 && h.dst_port == 5000;
		saw_host |= h.src_port == hp && h.dst_port == 52;
	}
	ck_assert_int_eq(rsts, 2);
	ck_assert(saw_guest && saw_host);
	state_writer_release(&w);
	close(fd);
	close(c);
	close(listener);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_vsock");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	/*
	 * The credit tests move a connection's whole buffer through the device
	 * byte-checked: about a second under ASan on an idle machine, past
	 * Check's default 4 s on a loaded one. Meson's 60 s still bounds it.
	 */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_config_features);
	tcase_add_test(tc, test_parse_connect);
	tcase_add_test(tc, test_guest_connect_relays);
	tcase_add_test(tc, test_guest_connect_refused);
	tcase_add_test(tc, test_host_connect_relays);
	tcase_add_test(tc, test_host_connect_refused_and_bad_line);
	tcase_add_test(tc, test_connection_limit);
	tcase_add_test(tc, test_credit_guest_slow_reader);
	tcase_add_test(tc, test_credit_host_slow_reader);
	tcase_add_test(tc, test_credit_violation_resets);
	tcase_add_test(tc, test_shutdown_from_guest);
	tcase_add_test(tc, test_shutdown_from_host);
	tcase_add_test(tc, test_rst_from_guest);
	tcase_add_test(tc, test_rst_from_host);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_rx_buffer_too_short_breaks_device);
	tcase_add_test(tc, test_tx_budget);
	tcase_add_test(tc, test_rx_budget);
	tcase_add_test(tc, test_state_round_trip);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
