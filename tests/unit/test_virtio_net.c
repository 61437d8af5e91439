// SPDX-License-Identifier: MIT
/*
 * virtio-net (devices/virtio/virtio_net.c) over a socketpair backend: the
 * test holds the other end of the socket, so it sees every frame the guest
 * transmits and can put frames on the wire for the guest.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kvmini/virtio_net.h"
#include "virtio_test.h"
#include "unit_run.h"

#define RX_RING_GPA VT_RING_GPA
#define TX_RING_GPA (VT_RING_GPA + 0x4000)
#define RING_SIZE   128 /* more than VIRTIO_NET_BUDGET, for the budget tests */
#define RX_DATA_GPA VT_DATA_GPA
#define TX_DATA_GPA (VT_DATA_GPA + 0x60000) /* room for a 64 KiB receive area before it */

#define BASE_FEATURES                                                                              \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS))
#define MRG_FEATURES (BASE_FEATURES | (1ULL << VIRTIO_NET_F_MRG_RXBUF))

static const uint8_t test_mac[6] = {0x02, 0x4b, 0x56, 0x4d, 0x00, 0x01};

static struct guest_mem mem;
static struct vt_irq irq;
static struct vt_ring rxr, txr;
static struct virtio_net *net;
static struct virtio_mmio *vmio;
static int peer; /* the test's end of the socketpair */

static void setup(void)
{
	int sv[2];
	struct net_backend *be;

	vt_mem_init(&mem);
	vt_irq_init(&irq);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	peer = sv[1];
	ck_assert_int_eq(net_socket_open(&be, sv[0]), 0);
	ck_assert_int_eq(virtio_net_create(&net, be, test_mac, &mem, &irq.line), 0);
	vmio = virtio_net_mmio(net);
	vt_ring_init(&rxr, &mem, RING_SIZE, RX_RING_GPA);
	vt_ring_init(&txr, &mem, RING_SIZE, TX_RING_GPA);
}

static void teardown(void)
{
	virtio_net_destroy(net);
	close(peer);
	vt_mem_free(&mem);
}

/* Bring the device up with these features and both queues. */
static void start(uint64_t features)
{
	ck_assert(vt_negotiate(vmio, features) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, VIRTIO_NET_RX_QUEUE, &rxr);
	vt_queue_setup(vmio, VIRTIO_NET_TX_QUEUE, &txr);
	vt_driver_ok(vmio);
}

static void fill_pattern(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

/* The peer puts one frame on the wire for the guest. */
static void peer_send(const uint8_t *frame, size_t len)
{
	ck_assert_int_eq(send(peer, frame, len, 0), (ssize_t)len);
}

/* The next frame the guest sent, or -1 if none is waiting. */
static ssize_t peer_recv(uint8_t *buf, size_t size)
{
	return recv(peer, buf, size, MSG_DONTWAIT);
}

/* Post a one-descriptor receive chain at descriptor d. */
static void post_rx(uint16_t d, uint64_t gpa, uint32_t len, uint16_t flags)
{
	vt_desc(&rxr, d, gpa, len, flags, 0);
	vt_avail_add(&rxr, d);
}

/* Queue a one-descriptor transmit chain at d: zeroed header, then the frame at gpa + 12. */
static void post_tx(uint16_t d, uint64_t gpa, uint32_t frame_len)
{
	memset(vt_ptr(&mem, gpa), 0, VIRTIO_NET_HDR_SIZE);
	vt_desc(&txr, d, gpa, VIRTIO_NET_HDR_SIZE + frame_len, 0, 0);
	vt_avail_add(&txr, d);
}

static int work_fd_readable(void)
{
	struct pollfd p = {.fd = virtio_net_work_fd(net), .events = POLLIN};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static uint32_t device_features(void)
{
	vt_wr(vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return vt_rd(vmio, VIRTIO_MMIO_DEVICE_FEATURES);
}

/* ---- negotiation and configuration ------------------------------------------ */

START_TEST(test_features_and_config)
{
	uint8_t b[2];

	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	uint32_t lo = device_features();
	ck_assert(lo & (1u << VIRTIO_NET_F_MAC));
	ck_assert(lo & (1u << VIRTIO_NET_F_STATUS));
	ck_assert(lo & (1u << VIRTIO_NET_F_MRG_RXBUF));
	/* A plain frame backend cannot honour offloads, and there is no control queue or MQ. */
	ck_assert(!(lo & (1u << VIRTIO_NET_F_CSUM)));
	ck_assert(!(lo & (1u << VIRTIO_NET_F_GUEST_CSUM)));
	ck_assert(!(lo & (1u << VIRTIO_NET_F_HOST_TSO4)));
	ck_assert(!(lo & (1u << VIRTIO_NET_F_GUEST_TSO4)));
	ck_assert(!(lo & (1u << VIRTIO_NET_F_CTRL_VQ)));
	ck_assert(!(lo & (1u << VIRTIO_NET_F_MQ)));
	vt_wr(vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert(vt_rd(vmio, VIRTIO_MMIO_DEVICE_FEATURES) & 1u); /* VERSION_1 */

	/* Two queues of RING_SIZE or more, no third. */
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_ge(vt_rd(vmio, VIRTIO_MMIO_QUEUE_NUM_MAX), RING_SIZE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_SEL, 2);
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);

	/* The MAC byte by byte, as Linux reads it, and the link up. */
	for (unsigned int i = 0; i < 6; i++) {
		vmio->dev.ops->read(&vmio->dev, VIRTIO_MMIO_CONFIG + VIRTIO_NET_CFG_MAC + i, b, 1);
		ck_assert_uint_eq(b[0], test_mac[i]);
	}
	vmio->dev.ops->read(&vmio->dev, VIRTIO_MMIO_CONFIG + VIRTIO_NET_CFG_STATUS, b, 2);
	ck_assert_uint_eq(device_load_le(b, 2), VIRTIO_NET_S_LINK_UP);

	ck_assert(vt_negotiate(vmio, MRG_FEATURES) & VIRTIO_STATUS_FEATURES_OK);
	/* An offload the device did not offer is refused. */
	ck_assert(!(vt_negotiate(vmio, BASE_FEATURES | (1ULL << VIRTIO_NET_F_CSUM)) &
		    VIRTIO_STATUS_FEATURES_OK));
}
END_TEST

/* ---- transmit ------------------------------------------------------------- */

START_TEST(test_tx_byte_exact)
{
	uint8_t frame[1000], got[2000];

	start(BASE_FEATURES);
	/* Header and frame split over three descriptors: only byte positions count. */
	memset(vt_ptr(&mem, TX_DATA_GPA), 0, VIRTIO_NET_HDR_SIZE);
	fill_pattern(frame, sizeof(frame), 3);
	memcpy(vt_ptr(&mem, TX_DATA_GPA + 0x100), frame, 300);
	memcpy(vt_ptr(&mem, TX_DATA_GPA + 0x1000), frame + 300, 700);
	vt_desc(&txr, 0, TX_DATA_GPA, VIRTIO_NET_HDR_SIZE, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(&txr, 1, TX_DATA_GPA + 0x100, 300, VIRTQ_DESC_F_NEXT, 2);
	vt_desc(&txr, 2, TX_DATA_GPA + 0x1000, 700, 0, 0);
	vt_avail_add(&txr, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);

	ck_assert_uint_eq(vt_used(&txr)->idx, 1);
	ck_assert_uint_eq(vt_used(&txr)->ring[0].id, 0);
	ck_assert_uint_eq(vt_used(&txr)->ring[0].len, 0);
	ck_assert_int_eq(irq.pulses, 1);
	ck_assert_int_eq(peer_recv(got, sizeof(got)), sizeof(frame));
	ck_assert_mem_eq(got, frame, sizeof(frame));
	ck_assert_int_eq(peer_recv(got, sizeof(got)), -1); /* exactly one frame */

	struct virtio_net_stats st;
	virtio_net_get_stats(net, &st);
	ck_assert_uint_eq(st.tx_frames, 1);
	ck_assert(!vt_needs_reset(vmio));
}
END_TEST

START_TEST(test_tx_largest_frame)
{
	static uint8_t got[VIRTIO_NET_MAX_FRAME + 100];

	start(BASE_FEATURES);
	fill_pattern(vt_ptr(&mem, TX_DATA_GPA + VIRTIO_NET_HDR_SIZE), VIRTIO_NET_MAX_FRAME, 9);
	post_tx(0, TX_DATA_GPA, VIRTIO_NET_MAX_FRAME);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	ck_assert(!vt_needs_reset(vmio));
	ck_assert_int_eq(peer_recv(got, sizeof(got)), VIRTIO_NET_MAX_FRAME);
	ck_assert_mem_eq(got, vt_ptr(&mem, TX_DATA_GPA + VIRTIO_NET_HDR_SIZE),
			 VIRTIO_NET_MAX_FRAME);
}
END_TEST

START_TEST(test_tx_oversize_breaks_device)
{
	uint8_t got[16];

	start(BASE_FEATURES);
	post_tx(0, TX_DATA_GPA, VIRTIO_NET_MAX_FRAME + 1);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	ck_assert(vt_needs_reset(vmio));
	ck_assert_uint_eq(vt_used(&txr)->idx, 0);
	ck_assert_int_eq(peer_recv(got, sizeof(got)), -1); /* nothing reached the wire */
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG,
			  VIRTIO_MMIO_INT_CONFIG);

	/* Nothing more is served until a reset; after one the device works again. */
	post_tx(1, TX_DATA_GPA, 60);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	ck_assert_int_eq(peer_recv(got, sizeof(got)), -1);
	vt_ring_init(&txr, &mem, RING_SIZE, TX_RING_GPA);
	vt_ring_init(&rxr, &mem, RING_SIZE, RX_RING_GPA);
	memset(vt_ptr(&mem, TX_RING_GPA), 0, 0x4000);
	start(BASE_FEATURES);
	ck_assert(!vt_needs_reset(vmio));
	post_tx(0, TX_DATA_GPA, 60);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	ck_assert_int_eq(peer_recv(got, sizeof(got)), 16); /* truncated read of a 60-byte frame */
}
END_TEST

START_TEST(test_tx_header_short_breaks_device)
{
	uint8_t got[16];

	start(BASE_FEATURES);
	vt_desc(&txr, 0, TX_DATA_GPA, VIRTIO_NET_HDR_SIZE - 4, 0, 0);
	vt_avail_add(&txr, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	ck_assert(vt_needs_reset(vmio));
	ck_assert_uint_eq(vt_used(&txr)->idx, 0);
	ck_assert_int_eq(peer_recv(got, sizeof(got)), -1);
}
END_TEST

/* ---- receive ----------------------------------------------------------------- */

static struct virtio_net_hdr *rx_hdr(uint64_t gpa)
{
	return vt_ptr(&mem, gpa);
}

START_TEST(test_rx_one_buffer)
{
	uint8_t frame[200];

	start(BASE_FEATURES);
	fill_pattern(frame, sizeof(frame), 5);
	memset(vt_ptr(&mem, RX_DATA_GPA), 0xee, 2048);
	peer_send(frame, sizeof(frame));
	post_rx(0, RX_DATA_GPA, 2048, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);

	ck_assert_uint_eq(vt_used(&rxr)->idx, 1);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].id, 0);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].len, VIRTIO_NET_HDR_SIZE + sizeof(frame));
	struct virtio_net_hdr *h = rx_hdr(RX_DATA_GPA);
	ck_assert_uint_eq(h->flags, 0);
	ck_assert_uint_eq(h->gso_type, VIRTIO_NET_HDR_GSO_NONE);
	ck_assert_uint_eq(h->hdr_len | h->gso_size | h->csum_start | h->csum_offset, 0);
	ck_assert_uint_eq(h->num_buffers, 1); /* section 5.1.6.4: 1 without MRG_RXBUF */
	ck_assert_mem_eq(vt_ptr(&mem, RX_DATA_GPA + VIRTIO_NET_HDR_SIZE), frame, sizeof(frame));
	ck_assert_int_eq(irq.pulses, 1);
}
END_TEST

/* The buffer is posted first; the frame arrives later, reported by the backend fd. */
START_TEST(test_rx_frame_after_buffer)
{
	uint8_t frame[64];

	start(BASE_FEATURES);
	post_rx(0, RX_DATA_GPA, 1526, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 0);
	fill_pattern(frame, sizeof(frame), 1);
	peer_send(frame, sizeof(frame));
	virtio_net_poll(net);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 1);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].len, VIRTIO_NET_HDR_SIZE + sizeof(frame));
	ck_assert_mem_eq(vt_ptr(&mem, RX_DATA_GPA + VIRTIO_NET_HDR_SIZE), frame, sizeof(frame));
}
END_TEST

START_TEST(test_rx_mergeable_two_buffers)
{
	uint8_t frame[200], joined[256];

	start(MRG_FEATURES);
	fill_pattern(frame, sizeof(frame), 11);
	peer_send(frame, sizeof(frame));
	post_rx(0, RX_DATA_GPA, 128, VIRTQ_DESC_F_WRITE);
	post_rx(1, RX_DATA_GPA + 0x1000, 128, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);

	struct virtq_used *u = vt_used(&rxr);
	ck_assert_uint_eq(u->idx, 2);
	ck_assert_uint_eq(u->ring[0].id, 0);
	ck_assert_uint_eq(u->ring[0].len, 128);
	ck_assert_uint_eq(u->ring[1].id, 1);
	ck_assert_uint_eq(u->ring[1].len, VIRTIO_NET_HDR_SIZE + sizeof(frame) - 128);
	ck_assert_uint_eq(rx_hdr(RX_DATA_GPA)->num_buffers, 2);
	memcpy(joined, vt_ptr(&mem, RX_DATA_GPA), 128);
	memcpy(joined + 128, vt_ptr(&mem, RX_DATA_GPA + 0x1000), u->ring[1].len);
	ck_assert_mem_eq(joined + VIRTIO_NET_HDR_SIZE, frame, sizeof(frame));
	ck_assert_int_eq(irq.pulses, 1); /* one notification for the batch */
}
END_TEST

/* With MRG_RXBUF, a frame whose second buffer is not posted yet waits, half written. */
START_TEST(test_rx_mergeable_waits_for_second_buffer)
{
	uint8_t frame[200];

	start(MRG_FEATURES);
	fill_pattern(frame, sizeof(frame), 12);
	peer_send(frame, sizeof(frame));
	post_rx(0, RX_DATA_GPA, 100, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 0); /* not returned before the frame is whole */
	post_rx(1, RX_DATA_GPA + 0x1000, 100, VIRTQ_DESC_F_WRITE);
	post_rx(2, RX_DATA_GPA + 0x2000, 100, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 3);
	ck_assert_uint_eq(rx_hdr(RX_DATA_GPA)->num_buffers, 3);
	ck_assert_uint_eq(vt_used(&rxr)->ring[2].len, VIRTIO_NET_HDR_SIZE + sizeof(frame) - 200);
	ck_assert_mem_eq(vt_ptr(&mem, RX_DATA_GPA + 0x2000), frame + 188, 12);
}
END_TEST

/* A reset in the middle of a mergeable frame: the next driver gets the whole frame. */
START_TEST(test_rx_reset_mid_frame_redelivers)
{
	uint8_t frame[200];

	start(MRG_FEATURES);
	fill_pattern(frame, sizeof(frame), 13);
	peer_send(frame, sizeof(frame));
	post_rx(0, RX_DATA_GPA, 100, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 0);

	memset(vt_ptr(&mem, RX_RING_GPA), 0, 0x8000); /* fresh rings for the new driver */
	vt_ring_init(&rxr, &mem, RING_SIZE, RX_RING_GPA);
	vt_ring_init(&txr, &mem, RING_SIZE, TX_RING_GPA);
	start(BASE_FEATURES);
	post_rx(0, RX_DATA_GPA + 0x1000, 1526, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 1);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].len, VIRTIO_NET_HDR_SIZE + sizeof(frame));
	ck_assert_uint_eq(rx_hdr(RX_DATA_GPA + 0x1000)->num_buffers, 1);
	ck_assert_mem_eq(vt_ptr(&mem, RX_DATA_GPA + 0x1000 + VIRTIO_NET_HDR_SIZE), frame,
			 sizeof(frame));
}
END_TEST

START_TEST(test_rx_waits_for_buffers)
{
	uint8_t a[80], b[90];
	struct virtio_net_stats st;

	start(BASE_FEATURES);
	fill_pattern(a, sizeof(a), 21);
	fill_pattern(b, sizeof(b), 22);
	peer_send(a, sizeof(a));
	peer_send(b, sizeof(b));
	virtio_net_poll(net); /* the backend fd fired; the guest has posted nothing */
	virtio_net_poll(net);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 0);
	virtio_net_get_stats(net, &st);
	ck_assert_uint_eq(st.rx_frames, 0);
	ck_assert_uint_eq(st.rx_dropped, 0);
	ck_assert(!work_fd_readable()); /* waiting for buffers is not work left */

	post_rx(0, RX_DATA_GPA, 1526, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 1);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].len, VIRTIO_NET_HDR_SIZE + sizeof(a));
	ck_assert_mem_eq(vt_ptr(&mem, RX_DATA_GPA + VIRTIO_NET_HDR_SIZE), a, sizeof(a));

	post_rx(1, RX_DATA_GPA + 0x1000, 1526, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rxr)->idx, 2);
	ck_assert_uint_eq(vt_used(&rxr)->ring[1].len, VIRTIO_NET_HDR_SIZE + sizeof(b));
	ck_assert_mem_eq(vt_ptr(&mem, RX_DATA_GPA + 0x1000 + VIRTIO_NET_HDR_SIZE), b, sizeof(b));
}
END_TEST

/* Without MRG_RXBUF a frame too big for the buffer is dropped; the buffer serves the next. */
START_TEST(test_rx_too_big_dropped_without_mrg)
{
	uint8_t big[1000], small[50];
	struct virtio_net_stats st;

	start(BASE_FEATURES);
	fill_pattern(big, sizeof(big), 1);
	fill_pattern(small, sizeof(small), 2);
	peer_send(big, sizeof(big));
	peer_send(small, sizeof(small));
	post_rx(0, RX_DATA_GPA, 512, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert(!vt_needs_reset(vmio));
	ck_assert_uint_eq(vt_used(&rxr)->idx, 1);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].len, VIRTIO_NET_HDR_SIZE + sizeof(small));
	ck_assert_mem_eq(vt_ptr(&mem, RX_DATA_GPA + VIRTIO_NET_HDR_SIZE), small, sizeof(small));
	virtio_net_get_stats(net, &st);
	ck_assert_uint_eq(st.rx_dropped, 1);
	ck_assert_uint_eq(st.rx_frames, 1);
}
END_TEST

START_TEST(test_rx_read_only_buffer_breaks_device)
{
	uint8_t frame[60];

	start(BASE_FEATURES);
	fill_pattern(frame, sizeof(frame), 4);
	memset(vt_ptr(&mem, RX_DATA_GPA), 0x5a, 2048);
	peer_send(frame, sizeof(frame));
	post_rx(0, RX_DATA_GPA, 2048, 0); /* device-readable: the device must not write it */
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert(vt_needs_reset(vmio));
	ck_assert_uint_eq(vt_used(&rxr)->idx, 0);
	uint8_t *p = vt_ptr(&mem, RX_DATA_GPA);
	for (int i = 0; i < 2048; i++)
		ck_assert_uint_eq(p[i], 0x5a);
}
END_TEST

/* The same when the read-only buffer is the second of a mergeable frame. */
START_TEST(test_rx_mergeable_read_only_second_buffer_breaks_device)
{
	uint8_t frame[200] = {0};

	start(MRG_FEATURES);
	memset(vt_ptr(&mem, RX_DATA_GPA + 0x1000), 0x5a, 256);
	peer_send(frame, sizeof(frame));
	post_rx(0, RX_DATA_GPA, 100, VIRTQ_DESC_F_WRITE);
	post_rx(1, RX_DATA_GPA + 0x1000, 256, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert(vt_needs_reset(vmio));
	ck_assert_uint_eq(vt_used(&rxr)->idx, 0);
	uint8_t *p = vt_ptr(&mem, RX_DATA_GPA + 0x1000);
	for (int i = 0; i < 256; i++)
		ck_assert_uint_eq(p[i], 0x5a);
}
END_TEST

START_TEST(test_rx_buffer_shorter_than_header_breaks_device)
{
	uint8_t frame[60] = {0};

	start(MRG_FEATURES);
	peer_send(frame, sizeof(frame));
	post_rx(0, RX_DATA_GPA, VIRTIO_NET_HDR_SIZE - 2, VIRTQ_DESC_F_WRITE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert(vt_needs_reset(vmio));
	ck_assert_uint_eq(vt_used(&rxr)->idx, 0);
}
END_TEST

/* ---- bounded work per call ------------------------------------------------- */

START_TEST(test_tx_budget)
{
	const unsigned int total = VIRTIO_NET_BUDGET + 10;
	uint8_t got[128];
	unsigned int frames = 0;

	start(BASE_FEATURES);
	for (unsigned int i = 0; i < total; i++)
		post_tx((uint16_t)i, TX_DATA_GPA + 0x100ULL * i, 60);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	ck_assert_uint_eq(vt_used(&txr)->idx, VIRTIO_NET_BUDGET);
	ck_assert(work_fd_readable()); /* the loop is asked to come back */

	virtio_net_poll(net);
	ck_assert_uint_eq(vt_used(&txr)->idx, total);
	ck_assert(!work_fd_readable());
	while (peer_recv(got, sizeof(got)) == 60)
		frames++;
	ck_assert_uint_eq(frames, total);
}
END_TEST

START_TEST(test_rx_budget)
{
	const unsigned int total = VIRTIO_NET_BUDGET + 6;
	uint8_t frame[60] = {0};

	start(BASE_FEATURES);
	for (unsigned int i = 0; i < total; i++) {
		frame[0] = (uint8_t)i;
		peer_send(frame, sizeof(frame));
		post_rx((uint16_t)i, RX_DATA_GPA + 0x100ULL * i, 0x100, VIRTQ_DESC_F_WRITE);
	}
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rxr)->idx, VIRTIO_NET_BUDGET);
	ck_assert(work_fd_readable());
	virtio_net_poll(net);
	ck_assert_uint_eq(vt_used(&rxr)->idx, total);
	ck_assert(!work_fd_readable());
	/* In order: buffer i holds frame i. */
	for (unsigned int i = 0; i < total; i++)
		ck_assert_uint_eq(
			*(uint8_t *)vt_ptr(&mem, RX_DATA_GPA + 0x100ULL * i + VIRTIO_NET_HDR_SIZE),
			(uint8_t)i);
}
END_TEST

/* ---- a backend that speaks virtio_net_hdr (as a TAP does) ------------------- */

struct fake_be {
	struct net_backend be;
	uint8_t sent[256];
	size_t sent_len;
	int eagain; /* send() answers -EAGAIN this many more times */
	bool offloads_called, csum, tso4, tso6;
};

static int fake_send(struct net_backend *be, const struct iovec *iov, unsigned int n)
{
	struct fake_be *f = (struct fake_be *)be;

	if (f->eagain > 0) {
		f->eagain--;
		return -EAGAIN;
	}
	f->sent_len = 0;
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_le(f->sent_len + iov[i].iov_len, sizeof(f->sent));
		memcpy(f->sent + f->sent_len, iov[i].iov_base, iov[i].iov_len);
		f->sent_len += iov[i].iov_len;
	}
	return 0;
}

static ssize_t fake_recv(struct net_backend *be, void *buf, size_t size)
{
	(void)be;
	(void)buf;
	(void)size;
	return -EAGAIN;
}

static void fake_offloads(struct net_backend *be, bool csum, bool tso4, bool tso6)
{
	struct fake_be *f = (struct fake_be *)be;
	f->offloads_called = true;
	f->csum = csum;
	f->tso4 = tso4;
	f->tso6 = tso6;
}

static void fake_close(struct net_backend *be)
{
	free(be);
}

static const struct net_backend_ops fake_ops = {
	.send = fake_send,
	.recv = fake_recv,
	.set_offloads = fake_offloads,
	.close = fake_close,
};

static struct fake_be *use_fake_backend(bool vnet_hdr)
{
	struct fake_be *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	f->be.ops = &fake_ops;
	f->be.kind = "fake";
	f->be.fd = -1;
	f->be.has_vnet_hdr = vnet_hdr;
	virtio_net_destroy(net);
	ck_assert_int_eq(virtio_net_create(&net, &f->be, test_mac, &mem, &irq.line), 0);
	vmio = virtio_net_mmio(net);
	return f;
}

START_TEST(test_vnet_hdr_backend_offloads)
{
	struct fake_be *f = use_fake_backend(true);

	uint32_t lo = device_features();
	ck_assert(lo & (1u << VIRTIO_NET_F_CSUM));
	ck_assert(lo & (1u << VIRTIO_NET_F_GUEST_CSUM));
	ck_assert(lo & (1u << VIRTIO_NET_F_HOST_TSO4));
	ck_assert(lo & (1u << VIRTIO_NET_F_GUEST_TSO4));

	start(BASE_FEATURES | (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
	      (1ULL << VIRTIO_NET_F_GUEST_TSO4));
	/* The backend learnt what the guest takes on receive once it went live. */
	ck_assert(f->offloads_called);
	ck_assert(f->csum && f->tso4 && !f->tso6);

	/* Transmit: the header goes to the backend with the frame. */
	uint8_t *p = vt_ptr(&mem, TX_DATA_GPA);
	fill_pattern(p + VIRTIO_NET_HDR_SIZE, 60, 8);
	post_tx(0, TX_DATA_GPA, 60);
	p[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p[6] = 34; /* csum_start */
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	ck_assert_uint_eq(f->sent_len, VIRTIO_NET_HDR_SIZE + 60);
	ck_assert_mem_eq(f->sent, p, VIRTIO_NET_HDR_SIZE + 60);
}
END_TEST

/* A full backend holds the chain back (not lost, not returned) until it takes it. */
START_TEST(test_tx_backend_full_waits)
{
	struct fake_be *f = use_fake_backend(false);

	start(BASE_FEATURES);
	f->eagain = 2;
	fill_pattern(vt_ptr(&mem, TX_DATA_GPA + VIRTIO_NET_HDR_SIZE), 60, 6);
	post_tx(0, TX_DATA_GPA, 60);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	ck_assert_uint_eq(vt_used(&txr)->idx, 0);
	virtio_net_poll(net); /* EPOLLOUT: still full */
	ck_assert_uint_eq(vt_used(&txr)->idx, 0);
	virtio_net_poll(net);
	ck_assert_uint_eq(vt_used(&txr)->idx, 1);
	ck_assert_uint_eq(f->sent_len, 60); /* plain backend: no header */
	ck_assert_mem_eq(f->sent, vt_ptr(&mem, TX_DATA_GPA + VIRTIO_NET_HDR_SIZE), 60);
	ck_assert(!vt_needs_reset(vmio));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_net");
	TCase *tc = tcase_create("net");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_features_and_config);
	tcase_add_test(tc, test_tx_byte_exact);
	tcase_add_test(tc, test_tx_largest_frame);
	tcase_add_test(tc, test_tx_oversize_breaks_device);
	tcase_add_test(tc, test_tx_header_short_breaks_device);
	tcase_add_test(tc, test_rx_one_buffer);
	tcase_add_test(tc, test_rx_frame_after_buffer);
	tcase_add_test(tc, test_rx_mergeable_two_buffers);
	tcase_add_test(tc, test_rx_mergeable_waits_for_second_buffer);
	tcase_add_test(tc, test_rx_reset_mid_frame_redelivers);
	tcase_add_test(tc, test_rx_waits_for_buffers);
	tcase_add_test(tc, test_rx_too_big_dropped_without_mrg);
	tcase_add_test(tc, test_rx_read_only_buffer_breaks_device);
	tcase_add_test(tc, test_rx_mergeable_read_only_second_buffer_breaks_device);
	tcase_add_test(tc, test_rx_buffer_shorter_than_header_breaks_device);
	tcase_add_test(tc, test_tx_budget);
	tcase_add_test(tc, test_rx_budget);
	tcase_add_test(tc, test_vnet_hdr_backend_offloads);
	tcase_add_test(tc, test_tx_backend_full_waits);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
