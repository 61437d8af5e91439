// SPDX-License-Identifier: MIT
/*
 * The virtio-net host backends (devices/backends/): the socket backend on a
 * socketpair, and, run as `unit_net_tap tap`, a TAP interface inside a
 * private network namespace (skipped, status 77, where one cannot be made).
 * Nothing here sends traffic outside this process's own sockets or its own
 * namespace.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmini/net_backend.h"
#include "unit_run.h"

#define TEST_ETHERTYPE 0x88b5 /* IEEE 802 local experimental: nobody else sends it */

static void fill_pattern(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

/* ---- net_socket ------------------------------------------------------------- */

static struct net_backend *be;
static int peer;

static void open_pair(int type)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, type, 0, sv), 0);
	peer = sv[1];
	ck_assert_int_eq(net_socket_open(&be, sv[0]), 0);
	ck_assert_str_eq(be->kind, "socket");
	ck_assert(!be->has_vnet_hdr);
	ck_assert_int_eq(be->fd, sv[0]);
}

static void close_pair(void)
{
	net_backend_close(be);
	close(peer);
}

static void check_round_trip(void)
{
	uint8_t frame[1514], got[2048];
	struct iovec iov[3] = {
		{frame, 14},
		{frame + 14, 500},
		{frame + 514, 1000},
	};

	fill_pattern(frame, sizeof(frame), 1);
	/* Three pieces in, one datagram out. */
	ck_assert_int_eq(net_backend_send(be, iov, 3), 0);
	ck_assert_int_eq(recv(peer, got, sizeof(got), MSG_DONTWAIT), sizeof(frame));
	ck_assert_mem_eq(got, frame, sizeof(frame));

	/* One datagram in, one frame out; then nothing. */
	fill_pattern(frame, 60, 2);
	ck_assert_int_eq(send(peer, frame, 60, 0), 60);
	ck_assert_int_eq(net_backend_recv(be, got, sizeof(got)), 60);
	ck_assert_mem_eq(got, frame, 60);
	ck_assert_int_eq(net_backend_recv(be, got, sizeof(got)), -EAGAIN);
}

START_TEST(test_socket_seqpacket)
{
	open_pair(SOCK_SEQPACKET);
	check_round_trip();
	close_pair();
}
END_TEST

START_TEST(test_socket_dgram)
{
	open_pair(SOCK_DGRAM);
	check_round_trip();
	close_pair();
}
END_TEST

START_TEST(test_socket_fd_signals_frames)
{
	uint8_t frame[60] = {0};

	open_pair(SOCK_SEQPACKET);
	struct pollfd p = {.fd = be->fd, .events = POLLIN};
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	ck_assert_int_eq(send(peer, frame, sizeof(frame), 0), sizeof(frame));
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	close_pair();
}
END_TEST

/* A datagram longer than the buffer is reported, never passed on cut short. */
START_TEST(test_socket_oversize_frame_refused)
{
	uint8_t frame[3000] = {0}, got[1000];

	open_pair(SOCK_SEQPACKET);
	ck_assert_int_eq(send(peer, frame, sizeof(frame), 0), sizeof(frame));
	ck_assert_int_eq(send(peer, frame, 100, 0), 100);
	ck_assert_int_eq(net_backend_recv(be, got, sizeof(got)), -EMSGSIZE);
	ck_assert_int_eq(net_backend_recv(be, got, sizeof(got)), 100); /* the next one is fine */
	close_pair();
}
END_TEST

START_TEST(test_socket_peer_gone)
{
	uint8_t frame[60] = {0};
	struct iovec iov = {frame, sizeof(frame)};

	open_pair(SOCK_SEQPACKET);
	close(peer);
	ck_assert_int_eq(net_backend_recv(be, frame, sizeof(frame)), -ENOTCONN);
	/* No SIGPIPE: the monitor survives a vanished peer. */
	ck_assert_int_eq(net_backend_send(be, &iov, 1), -EPIPE);
	net_backend_close(be);
}
END_TEST

START_TEST(test_socket_refuses_stream_and_non_socket)
{
	int sv[2], fds[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(net_socket_open(&be, sv[0]), -EINVAL); /* frame boundaries would be lost */
	ck_assert_int_eq(fcntl(sv[0], F_GETFD), -1);		/* taken over, so closed */
	close(sv[1]);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(net_socket_open(&be, fds[0]), -ENOTSOCK);
	ck_assert_int_eq(fcntl(fds[0], F_GETFD), -1);
	close(fds[1]);
}
END_TEST

START_TEST(test_slirp_availability)
{
	struct net_backend *s = NULL;

	if (net_slirp_available())
		return; /* the slirp tests below cover it */
	ck_assert_int_eq(net_slirp_open(&s, NULL, 0), -ENOTSUP);
	ck_assert_ptr_null(s);
}
END_TEST

/* ---- net_slirp (built with libslirp only): loopback and slirp's own network ---- */

static const uint8_t guest_mac[6] = {0x02, 0x4b, 0x56, 0x4d, 0x00, 0x01};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The IPv4 header checksum (RFC 791): slirp drops a packet whose checksum is wrong. */
static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < len; i += 2)
		sum += get16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A DHCPDISCOVER (RFC 2131) from guest_mac, broadcast. Returns the frame length. */
static size_t make_dhcp_discover(uint8_t *f, uint32_t xid)
{
	const size_t bootp_len = 300, udp_len = 8 + bootp_len, ip_len = 20 + udp_len;

	memset(f, 0, 14 + ip_len);
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)ip_len);
	ip[8] = 64; /* TTL */
	ip[9] = 17; /* UDP */
	memset(ip + 16, 0xff, 4);
	put16(ip + 10, ip_checksum(ip, 20));
	uint8_t *udp = ip + 20;
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)udp_len); /* checksum 0: none (RFC 768) */
	uint8_t *b = udp + 8;
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1; /* Ethernet */
	b[2] = 6;
	memcpy(b + 4, &xid, 4);
	memcpy(b + 28, guest_mac, 6); /* chaddr */
	const uint8_t opts[] = {99, 130, 83, 99, 53, 1, 1 /* DISCOVER */, 255};
	memcpy(b + 236, opts, sizeof(opts));
	return 14 + ip_len;
}

/* The next frame slirp has for the guest, waiting on the backend fd up to 2 s. */
static ssize_t slirp_next(uint8_t *buf, size_t size)
{
	for (int tries = 0; tries < 20; tries++) {
		ssize_t n = net_backend_recv(be, buf, size);
		if (n != -EAGAIN)
			return n;
		struct pollfd p = {.fd = be->fd, .events = POLLIN};
		poll(&p, 1, 100);
	}
	return -EAGAIN;
}

START_TEST(test_slirp_dhcp_offer)
{
	uint8_t f[2048];
	uint32_t xid = 0x4b564d31;

	ck_assert_int_eq(net_slirp_open(&be, NULL, 0), 0);
	ck_assert_str_eq(be->kind, "slirp");
	ck_assert(!be->has_vnet_hdr);
	struct iovec iov = {f, make_dhcp_discover(f, xid)};
	ck_assert_int_eq(net_backend_send(be, &iov, 1), 0);

	bool offered = false;
	for (int i = 0; i < 10 && !offered; i++) {
		ssize_t n = slirp_next(f, sizeof(f));
		ck_assert_int_gt(n, 0);
		const uint8_t *b = f + 14 + 20 + 8;
		if (n < 14 + 20 + 8 + 244 || get16(f + 12) != 0x0800 || f[14 + 9] != 17 ||
		    get16(f + 14 + 20) != 67 || b[0] != 2 || memcmp(b + 4, &xid, 4) != 0)
			continue;
		/* yiaddr: the lease libslirp hands out first, 10.0.2.15. */
		ck_assert_mem_eq(b + 16, ((uint8_t[]){10, 0, 2, 15}), 4);
		/* Option 53 (message type) right after the magic cookie: 2, DHCPOFFER. */
		ck_assert_uint_eq(b[240], 53);
		ck_assert_uint_eq(b[242], 2);
		offered = true;
	}
	ck_assert(offered);
	net_backend_close(be);
}
END_TEST

/* An ARP reply (RFC 826) from the guest to the request in req. */
static size_t make_arp_reply(uint8_t *f, const uint8_t *req)
{
	memcpy(f, req + 6, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, 0x0806);
	const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 2};
	memcpy(f + 14, head, 8);
	memcpy(f + 22, guest_mac, 6);
	memcpy(f + 28, req + 38, 4);  /* the address asked for: ours */
	memcpy(f + 32, req + 22, 10); /* the asker's MAC and address */
	memset(f + 42, 0, 18);	      /* pad to the 60-byte minimum */
	return 60;
}

/* A connection to 127.0.0.1:host_port reaches the guest as a SYN to its guest_port. */
START_TEST(test_slirp_hostfwd_reaches_guest)
{
	uint8_t f[2048], reply[60];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);

	/* A free loopback port: the kernel picks one, we let it go and forward it. */
	int probe = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(probe, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(probe, (struct sockaddr *)&a, &alen), 0);
	close(probe);
	struct net_hostfwd fwd = {.host_port = ntohs(a.sin_port), .guest_port = 8022};
	ck_assert_int_eq(net_slirp_open(&be, &fwd, 1), 0);

	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof(a));
	ck_assert(r == 0 || errno == EINPROGRESS);

	bool syn = false;
	for (int i = 0; i < 20 && !syn; i++) {
		ssize_t n = slirp_next(f, sizeof(f));
		ck_assert_int_gt(n, 0);
		if (get16(f + 12) == 0x0806 && get16(f + 20) == 1) {
			/* Who has 10.0.2.15? We do. */
			ck_assert_mem_eq(f + 38, ((uint8_t[]){10, 0, 2, 15}), 4);
			struct iovec iov = {reply, make_arp_reply(reply, f)};
			ck_assert_int_eq(net_backend_send(be, &iov, 1), 0);
			continue;
		}
		const uint8_t *ip = f + 14, *tcp = ip + 20;
		if (get16(f + 12) == 0x0800 && ip[9] == 6 &&
		    memcmp(ip + 16, ((uint8_t[]){10, 0, 2, 15}), 4) == 0) {
			ck_assert_mem_eq(f, guest_mac, 6);
			ck_assert_uint_eq(get16(tcp + 2), fwd.guest_port);
			ck_assert_uint_eq(tcp[13] & 0x12,
					  0x02); /* SYN, not ACK: a new connection */
			syn = true;
		}
	}
	ck_assert(syn);
	close(c);
	net_backend_close(be);
}
END_TEST

START_TEST(test_slirp_hostfwd_port_taken)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);

	int busy = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(busy, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(busy, 1), 0);
	ck_assert_int_eq(getsockname(busy, (struct sockaddr *)&a, &alen), 0);
	struct net_hostfwd fwd = {.host_port = ntohs(a.sin_port), .guest_port = 22};
	ck_assert_int_lt(net_slirp_open(&be, &fwd, 1), 0);
	close(busy);
}
END_TEST

/* ---- net_tap, in a private network namespace -------------------------------- */

/*
 * Make a network namespace of our own (only lo in it), so that a TAP
 * interface touches nothing of the host's. A reason string when that is
 * impossible here, NULL on success.
 */
static const char *enter_private_netns(void)
{
	static char why[160];

	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(why, sizeof(why), "cannot make a network namespace (unshare: %s)",
			 strerror(errno));
		return why;
	}
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		snprintf(why, sizeof(why), "/dev/net/tun: %s", strerror(errno));
		return why;
	}
	return NULL;
}

static void set_up(int sock, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	ck_assert_int_eq(ioctl(sock, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(sock, SIOCSIFFLAGS, &ifr), 0);
}

/* A test frame: broadcast, from a locally administered address, our ethertype. */
static void make_frame(uint8_t *f, size_t len, unsigned int seed)
{
	memset(f, 0xff, 6);
	const uint8_t src[6] = {0x02, 0, 0, 0, 0, (uint8_t)seed};
	memcpy(f + 6, src, 6);
	f[12] = TEST_ETHERTYPE >> 8;
	f[13] = TEST_ETHERTYPE & 0xff;
	fill_pattern(f + 14, len - 14, seed);
}

START_TEST(test_tap_one_frame_each_way)
{
	char name[IFNAMSIZ];
	uint8_t frame[100], got[2048], hdr[12] = {0};

	/* enter_private_netns() succeeded in main() for this process's parent; redo it here. */
	ck_assert_ptr_null(enter_private_netns());
	ck_assert_int_eq(net_tap_open(&be, "kvtest0", name), 0);
	ck_assert_str_eq(name, "kvtest0");
	ck_assert(be->has_vnet_hdr);

	/* The host side: a packet socket on the interface, for our ethertype only. */
	int ps = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(TEST_ETHERTYPE));
	ck_assert_int_ge(ps, 0);
	set_up(ps, name);
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(TEST_ETHERTYPE),
		.sll_ifindex = (int)if_nametoindex(name),
	};
	ck_assert_int_ne(sll.sll_ifindex, 0);
	ck_assert_int_eq(bind(ps, (struct sockaddr *)&sll, sizeof(sll)), 0);

	/* Guest -> host: the 12-byte header (no offload), then the frame. */
	make_frame(frame, sizeof(frame), 1);
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {frame, sizeof(frame)}};
	ck_assert_int_eq(net_backend_send(be, iov, 2), 0);
	struct pollfd p = {.fd = ps, .events = POLLIN};
	ck_assert_int_eq(poll(&p, 1, 2000), 1);
	ck_assert_int_eq(recv(ps, got, sizeof(got), 0), sizeof(frame));
	ck_assert_mem_eq(got, frame, sizeof(frame));

	/* Host -> guest: the kernel may queue its own frames (IPv6 router solicitations...) first.
	 */
	make_frame(frame, sizeof(frame), 2);
	ck_assert_int_eq(sendto(ps, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)),
			 sizeof(frame));
	bool found = false;
	for (int tries = 0; tries < 50 && !found; tries++) {
		p.fd = be->fd;
		ck_assert_int_eq(poll(&p, 1, 2000), 1);
		ssize_t n = net_backend_recv(be, got, sizeof(got));
		ck_assert_int_ge(n, 12);
		found = n == 12 + (ssize_t)sizeof(frame) &&
			memcmp(got + 12, frame, sizeof(frame)) == 0;
		if (found)
			ck_assert_mem_eq(got, hdr, 12); /* no offload asked for: an empty header */
	}
	ck_assert(found);
	be->ops->set_offloads(be, true, true, false); /* accepted by the kernel: no message */
	close(ps);
	net_backend_close(be);
}
END_TEST

START_TEST(test_tap_bad_name)
{
	ck_assert_int_eq(net_tap_open(&be, "a-name-much-too-long-for-linux", NULL), -EINVAL);
}
END_TEST

/* The TAP tests alone: 77 with the reason when no namespace or TAP can be had here. */
static int run_tap_tests(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(enter_private_netns() ? 1 : 0); /* probe in a child: keep ours untouched */
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* Ask again here for the message only; the namespace we might get is discarded with
		 * us. */
		printf("SKIP: tap test: %s\n", enter_private_netns());
		return 77;
	}
	Suite *s = suite_create("net_tap");
	TCase *tc = tcase_create("tap");
	tcase_add_test(tc, test_tap_one_frame_each_way);
	tcase_add_test(tc, test_tap_bad_name);
	suite_add_tcase(s, tc);
	return unit_run(s);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "tap") == 0)
		return run_tap_tests();

	Suite *s = suite_create("net_backend");
	TCase *tc = tcase_create("socket");

	tcase_add_test(tc, test_socket_seqpacket);
	tcase_add_test(tc, test_socket_dgram);
	tcase_add_test(tc, test_socket_fd_signals_frames);
	tcase_add_test(tc, test_socket_oversize_frame_refused);
	tcase_add_test(tc, test_socket_peer_gone);
	tcase_add_test(tc, test_socket_refuses_stream_and_non_socket);
	tcase_add_test(tc, test_slirp_availability);
	suite_add_tcase(s, tc);
	if (net_slirp_available()) {
		TCase *sl = tcase_create("slirp");
		tcase_add_test(sl, test_slirp_dhcp_offer);
		tcase_add_test(sl, test_slirp_hostfwd_reaches_guest);
		tcase_add_test(sl, test_slirp_hostfwd_port_taken);
		suite_add_tcase(s, sl);
	} else {
		printf("note: this build has no libslirp; only its absence is tested\n");
	}
	return unit_run(s);
}
