// SPDX-License-Identifier: MIT
/*
 * seccomp_dns_probe SERVER [unanswered]: a --net user guest's DNS under the monitor's
 * real system-call filter, without KVM. The probe plays the guest on the
 * slirp backend (devices/backends/net_slirp.c), as virtio-net would:
 *
 *  1. before the filter, as at setup: the backend is opened (which reads
 *     /etc/resolv.conf, devices/backends/net_slirp_dns.c), a DHCPDISCOVER
 *     goes out and the DHCPOFFER's DNS server (option 6, RFC 2132 3.8) must
 *     be SERVER: the host's nameserver, the gateway 10.0.2.2 for a host
 *     resolver on 127.0.0.1, or libslirp's forwarder 10.0.2.3 for one the
 *     guest cannot reach;
 *  2. the filter of a --net user VM is installed; fopen("/etc/resolv.conf")
 *     must fail with EACCES, not kill the process (what libslirp's
 *     forwarder does at each query);
 *  3. an ARP request tells slirp the guest's MAC, then a DNS query for
 *     "kvmini.test" (RFC 1035 4.1) goes to SERVER:53 over UDP;
 *  4. the answer frame must come back well-formed: IPv4 from SERVER:53 to
 *     the guest's port, a valid header checksum, lengths that agree, the
 *     query's id, a response with one answer, the A record 192.0.2.1 that
 *     tests/common/dns_responder.py gives. With "unanswered" (libslirp's
 *     forwarder, whose lookup of resolv.conf the filter refuses): no answer
 *     may come, and the process must live on.
 * Exits 0 if all held, 1 if not, 77 without libslirp or a filter.
 * tests/hardening/seccomp-dns.sh runs it in a private network and mount
 * namespace, with the responder and a resolv.conf of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "host/seccomp.h"
#include "kvmini/net_backend.h"
#include "probe_filter.h"
#include "probe_net.h"

enum { GUEST_PORT = 40053, QUERY_ID = 0x4b56 };

static const uint8_t guest_mac[6] = {0x02, 0x4b, 0x56, 0x00, 0x00, 0x07};
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	if (!ok)
		failures++;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The next frame from slirp within about 5 s, or -1. */
static ssize_t next_frame(struct net_backend *be, uint8_t *f, size_t size)
{
	for (int tries = 0; tries < 50; tries++) {
		ssize_t n = net_backend_recv(be, f, size);
		if (n != -EAGAIN)
			return n;
		struct pollfd p = {.fd = be->fd, .events = POLLIN};
		poll(&p, 1, 100);
	}
	return -1;
}

static int send_frame(struct net_backend *be, uint8_t *f, size_t len)
{
	struct iovec iov = {f, len};
	return net_backend_send(be, &iov, 1);
}

/* DHCP: the DNS server of slirp's DHCPOFFER (option 6), or INADDR_NONE. */
static struct in_addr offered_dns(struct net_backend *be)
{
	const uint32_t xid = 0x4b56444e;
	struct in_addr none = {INADDR_NONE};
	uint8_t f[2048];

	if (send_frame(be, f, probe_net_dhcp_discover(f, guest_mac, xid)))
		return none;
	for (;;) {
		ssize_t n = next_frame(be, f, sizeof(f));
		if (n < 0)
			return none;
		const uint8_t *bootp = f + PROBE_NET_ETH + 20 + 8;
		if (n < PROBE_NET_ETH + 20 + 8 + 240 || bootp[0] != 2 || memcmp(bootp + 4, &xid, 4))
			continue;
		/* Options after the magic cookie: code, length, value. */
		for (ssize_t i = 240; i + 2 <= n - (bootp - f) && bootp[i] != 255;) {
			if (bootp[i] == 0) {
				i++;
				continue;
			}
			if (bootp[i] == 6 && bootp[i + 1] >= 4 && i + 6 <= n - (bootp - f)) {
				struct in_addr a;
				memcpy(&a, bootp + i + 2, 4);
				return a;
			}
			i += 2 + bootp[i + 1];
		}
		return none;
	}
}

/* An ARP request from the guest (10.0.2.15) for the gateway: slirp learns our MAC. */
static void send_arp(struct net_backend *be)
{
	uint8_t f[42] = {0};
	uint8_t *arp = f + PROBE_NET_ETH;

	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	probe_net_put16(f + 12, 0x0806);
	probe_net_put16(arp, 1);	  /* Ethernet */
	probe_net_put16(arp + 2, 0x0800); /* IPv4 */
	arp[4] = 6;
	arp[5] = 4;
	probe_net_put16(arp + 6, 1); /* request */
	memcpy(arp + 8, guest_mac, 6);
	inet_pton(AF_INET, "10.0.2.15", arp + 14);
	inet_pton(AF_INET, "10.0.2.2", arp + 24);
	send_frame(be, f, sizeof(f));
}

/* A UDP DNS query (RFC 1035 4.1) for kvmini.test A IN from the guest to server:53. */
static size_t dns_query(uint8_t *f, struct in_addr server)
{
	static const uint8_t question[] = {6,	'k', 'v', 'm', 'i', 'n', 'i', 4, 't',
					   'e', 's', 't', 0,   0,   1,	 0,   1};
	const size_t dns_len = 12 + sizeof(question), udp_len = 8 + dns_len;
	uint8_t *ip = f + PROBE_NET_ETH, *udp = ip + 20, *dns = udp + 8;

	memset(f, 0, PROBE_NET_ETH + 20 + udp_len);
	static const uint8_t slirp_mac[6] = {0x52, 0x55, 10, 0, 2, 2}; /* the gateway's */
	memcpy(f, slirp_mac, 6);
	memcpy(f + 6, guest_mac, 6);
	probe_net_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	probe_net_put16(ip + 2, (uint16_t)(20 + udp_len));
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, "10.0.2.15", ip + 12);
	memcpy(ip + 16, &server, 4);
	probe_net_put16(ip + 10, probe_net_ip_checksum(ip, 20));
	probe_net_put16(udp, GUEST_PORT);
	probe_net_put16(udp + 2, 53);
	probe_net_put16(udp + 4, (uint16_t)udp_len);
	probe_net_put16(dns, QUERY_ID);
	probe_net_put16(dns + 2, 0x0100); /* RD */
	probe_net_put16(dns + 4, 1);	  /* QDCOUNT */
	memcpy(dns + 12, question, sizeof(question));
	return PROBE_NET_ETH + 20 + udp_len;
}

/* Is f (n bytes) the answer to our query from server:53? Checks every layer. */
static void check_answer(const uint8_t *f, ssize_t n, struct in_addr server)
{
	const uint8_t *ip = f + PROBE_NET_ETH;
	size_t hlen = (size_t)(ip[0] & 15) * 4;
	const uint8_t *udp = ip + hlen, *dns = udp + 8;

	check(get16(ip + 10) == probe_net_ip_checksum(ip, hlen),
	      "dns: the answer's IPv4 header checksum is right");
	check(get16(ip + 2) == n - PROBE_NET_ETH, "dns: the IPv4 length is the frame's");
	check(memcmp(ip + 12, &server, 4) == 0 && get16(udp) == 53 && get16(udp + 2) == GUEST_PORT,
	      "dns: from the server's port 53 to the guest's port");
	check(get16(udp + 4) == get16(ip + 2) - hlen, "dns: the UDP length agrees");
	size_t dns_len = get16(udp + 4) - 8;
	check(dns_len >= 12 + 17 + 16 && get16(dns) == QUERY_ID && (dns[2] & 0x80) &&
		      (dns[3] & 15) == 0 && get16(dns + 6) == 1,
	      "dns: a response to our query id, no error, one answer");
	static const uint8_t a_record[] = {192, 0, 2, 1};
	check(dns_len >= 12 + 17 + 16 && get16(dns + dns_len - 6) == 4 &&
		      memcmp(dns + dns_len - 4, a_record, 4) == 0,
	      "dns: the answer is the responder's A record 192.0.2.1");
}

int main(int argc, char **argv)
{
	struct in_addr server;
	struct net_backend *be;
	uint8_t f[2048];

	bool unanswered = argc == 3 && strcmp(argv[2], "unanswered") == 0;
	if ((argc != 2 && !unanswered) || inet_pton(AF_INET, argv[1], &server) != 1) {
		fprintf(stderr, "usage: seccomp_dns_probe SERVER-IPV4 [unanswered]\n");
		return 2;
	}
	if (!net_slirp_available()) {
		printf("SKIP: this build has no libslirp (--net user)\n");
		return 77;
	}
	if (net_slirp_open(&be, NULL, 0)) {
		fprintf(stderr, "seccomp_dns_probe: cannot open slirp\n");
		return 1;
	}
	struct in_addr offered = offered_dns(be);
	printf("seccomp_dns_probe: DHCP offers DNS server %s\n", inet_ntoa(offered));
	check(offered.s_addr == server.s_addr, "dhcp: the offered DNS server is the expected one");

	if (probe_filter_install(SECCOMP_HOST_SOCKETS, " (with --net user)"))
		return 1;
	errno = 0;
	FILE *conf = fopen("/etc/resolv.conf", "r");
	check(!conf && errno == EACCES,
	      "filter: fopen of resolv.conf (libslirp's lookup) fails with EACCES, no SIGSYS");

	send_arp(be);
	check(send_frame(be, f, dns_query(f, server)) == 0, "dns: query sent to the server");
	bool answered = false, unreachable = false;
	for (ssize_t n; !answered && (n = next_frame(be, f, sizeof(f))) > 0;) {
		const uint8_t *ip = f + PROBE_NET_ETH;
		if (n < PROBE_NET_ETH + 28 || get16(f + 12) != 0x0800)
			continue; /* ARP replies and the like */
		/* ICMP destination unreachable (RFC 792): how slirp says it could not send it. */
		unreachable |= ip[9] == 1 && ip[(ip[0] & 15) * 4] == 3;
		if (ip[9] != 17 || get16(ip + (ip[0] & 15) * 4 + 2) != GUEST_PORT)
			continue;
		answered = true;
		if (!unanswered)
			check_answer(f, n, server);
	}
	if (unanswered) {
		check(!answered && unreachable,
		      "dns: libslirp's forwarder could not read resolv.conf: no answer, an ICMP "
		      "unreachable, the monitor alive");
	} else {
		check(answered, "dns: an answer came back, the monitor alive");
	}
	net_backend_close(be);
	printf("seccomp_dns_probe: %s\n", failures     ? "FAILED"
					  : unanswered ? "DNS failed softly under the filter"
						       : "DNS answered under the filter");
	return failures ? 1 : 0;
}
