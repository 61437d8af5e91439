// SPDX-License-Identifier: MIT
/*
 * The vhost-user frontend (devices/backends/vhost_user*.c) against a fake
 * backend on the other end of a socketpair: what it sends (message codes,
 * payloads, the memfd as SCM_RIGHTS, the ring addresses in the order the
 * spec gives), and that a backend's bad answers (wrong code, wrong size, no
 * reply flag, a refusing ack, a close, unrequested bytes) break the
 * connection with an error instead of being believed. The requests are
 * synchronous, so the fake backend's replies are written into the socket
 * before each call.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "kvmini/vhost_user.h"
#include "kvmini/virtio_spec.h"
#include "unit_run.h"

/* Message codes and flags, from vhost-user.rst (the file under test keeps its own). */
enum {
	GET_FEATURES = 1,
	SET_FEATURES = 2,
	SET_OWNER = 3,
	SET_MEM_TABLE = 5,
	SET_VRING_NUM = 8,
	SET_VRING_ADDR = 9,
	SET_VRING_BASE = 10,
	GET_VRING_BASE = 11,
	SET_VRING_KICK = 12,
	SET_VRING_CALL = 13,
	GET_PROTOCOL_FEATURES = 15,
	SET_PROTOCOL_FEATURES = 16,
	SET_VRING_ENABLE = 18,
};
#define VERSION	   0x1
#define REPLY	   0x4
#define NEED_REPLY 0x8
#define F_PROTOCOL (1ULL << 30)
#define REPLY_ACK  (1ULL << 3)

struct hdr {
	uint32_t request, flags, size;
} __attribute__((packed));

static int peer; /* the fake backend's end */

/* The fake backend answers request with flags and a payload of size bytes. */
static void reply(uint32_t request, uint32_t flags, const void *payload, uint32_t size)
{
	struct hdr h = {request, flags, size};
	ck_assert_int_eq(write(peer, &h, sizeof(h)), sizeof(h));
	if (size)
		ck_assert_int_eq(write(peer, payload, size), size);
}

static void reply_u64(uint32_t request, uint64_t v)
{
	reply(request, VERSION | REPLY, &v, sizeof(v));
}

/*
 * Read the next message the frontend sent: check its code, return its
 * payload size; payload into buf, fds (if any) into fds[], their count in *nfds.
 */
static uint32_t expect_msg(uint32_t request, void *buf, size_t len, int *fds, int *nfds)
{
	struct hdr h;
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {&h, sizeof(h)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = ctl.b,
			   .msg_controllen = sizeof(ctl.b)};

	ck_assert_int_eq(recvmsg(peer, &m, MSG_DONTWAIT), sizeof(h));
	ck_assert_uint_eq(h.request, request);
	ck_assert_uint_eq(h.flags & 0x3, VERSION);
	if (nfds) {
		*nfds = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)n);
			*nfds = n;
		}
	}
	ck_assert_uint_le(h.size, len);
	if (h.size)
		ck_assert_int_eq(recv(peer, buf, h.size, MSG_DONTWAIT), h.size);
	return h.size;
}

/* The frontend's end, connected to peer. */
static int pair(void)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	peer = sv[1];
	return sv[0];
}

/* Open against a backend offering features (no protocol features unless asked). */
static struct vhost_user *open_with(uint64_t features)
{
	struct vhost_user *vu;
	int sock = pair();

	reply_u64(GET_FEATURES, features);
	if (features & F_PROTOCOL)
		reply_u64(GET_PROTOCOL_FEATURES, REPLY_ACK | (1ULL << 0) | (1ULL << 9));
	ck_assert_int_eq(vhost_user_open(&vu, sock, "fake", 2), 0);
	return vu;
}

/* Take the hello's messages off the fake backend's end. */
static void skip_hello(bool protocol)
{
	uint64_t v;

	expect_msg(SET_OWNER, &v, sizeof(v), NULL, NULL);
	expect_msg(GET_FEATURES, &v, sizeof(v), NULL, NULL);
	if (protocol) {
		expect_msg(GET_PROTOCOL_FEATURES, &v, sizeof(v), NULL, NULL);
		expect_msg(SET_PROTOCOL_FEATURES, &v, sizeof(v), NULL, NULL);
	}
}

START_TEST(hello_without_protocol_features)
{
	uint64_t v;
	struct vhost_user *vu = open_with((1ULL << VIRTIO_F_VERSION_1) | (1ULL << 28));

	ck_assert_uint_eq(vhost_user_features(vu), (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 28));
	ck_assert_uint_eq(expect_msg(SET_OWNER, &v, sizeof(v), NULL, NULL), 0);
	ck_assert_uint_eq(expect_msg(GET_FEATURES, &v, sizeof(v), NULL, NULL), 0);
	ck_assert(vhost_user_check(vu)); /* nothing unrequested on the socket */
	vhost_user_close(vu);
	close(peer);
}
END_TEST

START_TEST(hello_takes_only_reply_ack)
{
	uint64_t v;
	struct vhost_user *vu = open_with((1ULL << VIRTIO_F_VERSION_1) | F_PROTOCOL);

	/* Bit 30 is vhost-user's, not a virtio feature for the driver. */
	ck_assert_uint_eq(vhost_user_features(vu), 1ULL << VIRTIO_F_VERSION_1);
	expect_msg(SET_OWNER, &v, sizeof(v), NULL, NULL);
	expect_msg(GET_FEATURES, &v, sizeof(v), NULL, NULL);
	expect_msg(GET_PROTOCOL_FEATURES, &v, sizeof(v), NULL, NULL);
	ck_assert_uint_eq(expect_msg(SET_PROTOCOL_FEATURES, &v, sizeof(v), NULL, NULL), 8);
	ck_assert_uint_eq(v, REPLY_ACK); /* offered MQ and others: not taken */
	vhost_user_close(vu);
	close(peer);
}
END_TEST

/* open() against one bad answer to GET_FEATURES: refused with want. */
static void bad_hello(uint32_t request, uint32_t flags, uint32_t size, int want)
{
	struct vhost_user *vu = NULL;
	uint8_t payload[16] = {0};
	int sock = pair();

	reply(request, flags, payload, size);
	ck_assert_int_eq(vhost_user_open(&vu, sock, "fake", 2), want);
	ck_assert_ptr_null(vu);
	close(peer);
}

START_TEST(bad_replies_are_refused)
{
	bad_hello(SET_FEATURES, VERSION | REPLY, 8, -EPROTO);  /* another request's answer */
	bad_hello(GET_FEATURES, VERSION, 8, -EPROTO);	       /* not marked as a reply */
	bad_hello(GET_FEATURES, 0x2 | REPLY, 8, -EPROTO);      /* another protocol version */
	bad_hello(GET_FEATURES, VERSION | REPLY, 16, -EPROTO); /* too long */
	bad_hello(GET_FEATURES, VERSION | REPLY, 4, -EPROTO);  /* too short */

	/* The backend closes instead of answering. */
	struct vhost_user *vu = NULL;
	int sock = pair();
	close(peer);
	ck_assert_int_eq(vhost_user_open(&vu, sock, "fake", 2), -EPIPE);
}
END_TEST

/*
 * vhost_user_start(): the memory table carries both RAM regions on the memfd
 * (two fds), each ring its size, base, addresses (desc, used, avail, in that
 * order) and its two eventfds; every request asks for and gets an ack.
 */
START_TEST(start_sends_memory_and_rings)
{
	struct vhost_user *vu = open_with((1ULL << VIRTIO_F_VERSION_1) | F_PROTOCOL);
	struct guest_mem mem;
	struct vhost_user_ring rings[2] = {
		{0}, /* not in use: skipped */
		{.num = 64, .base = 3, .desc = 0x1000, .avail = 0x2000, .used = 0x3000},
	};
	uint64_t buf[16], v;
	int fds[8], nfds;

	skip_hello(true);
	guest_mem_layout(&mem, (uint8_t *)0x7f0000000000ULL, 5ULL << 30);
	mem.fd = memfd_create("test", MFD_CLOEXEC);
	ck_assert_int_ge(mem.fd, 0);
	/* One ack per request: features, table, then NUM, BASE, ADDR, CALL, KICK, ENABLE. */
	const uint32_t acked[] = {SET_FEATURES,	  SET_MEM_TABLE,  SET_VRING_NUM,  SET_VRING_BASE,
				  SET_VRING_ADDR, SET_VRING_CALL, SET_VRING_KICK, SET_VRING_ENABLE};
	for (size_t i = 0; i < sizeof(acked) / sizeof(acked[0]); i++)
		reply(acked[i], VERSION | REPLY | NEED_REPLY, &(uint64_t){0}, 8);
	/* Ring 1 kicks through an eventfd of the caller's (the board's ioeventfd). */
	int ioeventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_eq(vhost_user_set_kick_fd(vu, 1, ioeventfd), 0);
	ck_assert_int_eq(vhost_user_start(vu, 1ULL << VIRTIO_F_VERSION_1, &mem, rings, 2), 0);

	expect_msg(SET_FEATURES, &v, sizeof(v), NULL, NULL);
	ck_assert_uint_eq(v, (1ULL << VIRTIO_F_VERSION_1) | F_PROTOCOL);
	ck_assert_uint_eq(expect_msg(SET_MEM_TABLE, buf, sizeof(buf), fds, &nfds), 8 + 2 * 32);
	ck_assert_int_eq(nfds, 2);
	ck_assert_uint_eq((uint32_t)buf[0], 2); /* nregions */
	ck_assert_uint_eq(buf[1], 0);		/* low: guest 0 */
	ck_assert_uint_eq(buf[2], KVMINI_MMIO_HOLE_START);
	ck_assert_uint_eq(buf[3], 0x7f0000000000ULL);
	ck_assert_uint_eq(buf[4], 0);
	ck_assert_uint_eq(buf[5], KVMINI_HIGH_RAM_START); /* high: guest 4 GiB */
	ck_assert_uint_eq(buf[6], (5ULL << 30) - KVMINI_MMIO_HOLE_START);
	ck_assert_uint_eq(buf[7], 0x7f0000000000ULL + KVMINI_MMIO_HOLE_START);
	ck_assert_uint_eq(buf[8], KVMINI_MMIO_HOLE_START); /* its offset in the memfd */
	close(fds[0]);
	close(fds[1]);
	expect_msg(SET_VRING_NUM, buf, sizeof(buf), NULL, NULL);
	ck_assert_uint_eq(buf[0], 1 | (64ULL << 32)); /* ring 1 only: ring 0 is unused */
	expect_msg(SET_VRING_BASE, buf, sizeof(buf), NULL, NULL);
	ck_assert_uint_eq(buf[0], 1 | (3ULL << 32));
	ck_assert_uint_eq(expect_msg(SET_VRING_ADDR, buf, sizeof(buf), NULL, NULL), 40);
	ck_assert_uint_eq(buf[1], 0x1000); /* desc */
	ck_assert_uint_eq(buf[2], 0x3000); /* used */
	ck_assert_uint_eq(buf[3], 0x2000); /* avail */
	expect_msg(SET_VRING_CALL, buf, sizeof(buf), fds, &nfds);
	ck_assert_int_eq(nfds, 1);
	close(fds[0]);
	expect_msg(SET_VRING_KICK, buf, sizeof(buf), fds, &nfds);
	ck_assert_int_eq(nfds, 1);
	/* The kick fd sent is the caller's eventfd, which vhost_user_kick() writes too. */
	ck_assert_int_eq(vhost_user_kick(vu, 1), 0);
	v = 2;
	ck_assert_int_eq(write(ioeventfd, &v, sizeof(v)), sizeof(v)); /* as KVM would */
	ck_assert_int_eq(read(fds[0], &v, sizeof(v)), sizeof(v));
	ck_assert_uint_eq(v, 3);
	close(fds[0]);
	close(ioeventfd);
	expect_msg(SET_VRING_ENABLE, buf, sizeof(buf), NULL, NULL);
	ck_assert_uint_eq(buf[0], 1 | (1ULL << 32));

	/* Stop: GET_VRING_BASE for the started ring; an answer for another ring is refused. */
	struct {
		uint32_t index, num;
	} st = {0, 7};
	reply(GET_VRING_BASE, VERSION | REPLY, &st, sizeof(st));
	ck_assert_int_eq(vhost_user_stop(vu), -EPROTO);
	ck_assert_int_eq(vhost_user_kick(vu, 1), -EPIPE); /* broken for good */
	close(mem.fd);
	vhost_user_close(vu);
	close(peer);
}
END_TEST

/* A non-zero ack is a refusal: the connection breaks and later calls fail at once. */
START_TEST(refused_request_breaks)
{
	struct vhost_user *vu = open_with((1ULL << VIRTIO_F_VERSION_1) | F_PROTOCOL);
	struct guest_mem mem;
	struct vhost_user_ring ring = {.num = 8};

	guest_mem_layout(&mem, (uint8_t *)0x10000, 1 << 20);
	mem.fd = memfd_create("test", MFD_CLOEXEC);
	reply(SET_FEATURES, VERSION | REPLY | NEED_REPLY, &(uint64_t){1}, 8);
	ck_assert_int_eq(vhost_user_start(vu, 1ULL << VIRTIO_F_VERSION_1, &mem, &ring, 1), -EPROTO);
	ck_assert(!vhost_user_check(vu));
	ck_assert_int_eq(vhost_user_start(vu, 1ULL << VIRTIO_F_VERSION_1, &mem, &ring, 1), -EPIPE);
	ck_assert_int_eq(vhost_user_kick(vu, 0), -EPIPE);
	close(mem.fd);
	vhost_user_close(vu);
	close(peer);
}
END_TEST

/* Between requests the backend has nothing to say: bytes or a close mean trouble. */
START_TEST(check_sees_close_and_chatter)
{
	struct vhost_user *vu = open_with(1ULL << VIRTIO_F_VERSION_1);
	skip_hello(false);
	ck_assert(vhost_user_check(vu));
	ck_assert_int_eq(write(peer, "x", 1), 1);
	ck_assert(!vhost_user_check(vu));
	vhost_user_close(vu);
	close(peer);

	vu = open_with(1ULL << VIRTIO_F_VERSION_1);
	close(peer);
	ck_assert(!vhost_user_check(vu));
	ck_assert_int_eq(vhost_user_kick(vu, 0), -EPIPE);
	vhost_user_close(vu);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vhost_user");
	TCase *tc = tcase_create("frontend");

	tcase_add_test(tc, hello_without_protocol_features);
	tcase_add_test(tc, hello_takes_only_reply_ack);
	tcase_add_test(tc, bad_replies_are_refused);
	tcase_add_test(tc, start_sends_memory_and_rings);
	tcase_add_test(tc, refused_request_breaks);
	tcase_add_test(tc, check_sees_close_and_chatter);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
