// SPDX-License-Identifier: MIT
/*
 * Which DNS server a --net user guest is told to use (kvmini/net_backend.h,
 * net_slirp_dns_choose()), decided once, at setup.
 *
 * libslirp's own DNS forwarder answers the guest at SlirpConfig.vnameserver
 * (10.0.2.3) by sending each query on to the host's resolver, which it looks
 * up in /etc/resolv.conf (stat() and fopen()) when a query arrives (libslirp
 * 4.7, src/slirp.c get_dns_addr(), called from sotranslate_out() for
 * vnameserver:53). By then the monitor runs under its system-call filter,
 * which lets no file be read: the first DNS query of the guest killed the VM.
 * Caching cannot help for long: libslirp trusts its cache for one second,
 * then stats the file again at every query, and reads it when it changed.
 *
 * So kvmini reads resolv.conf itself, before the filter, turns libslirp's
 * forwarder off (SlirpConfig.disable_dns: vnameserver is then not special to
 * libslirp) and puts in vnameserver the address the guest should ask, which
 * libslirp's DHCP server hands out (option 6). The queries are then an
 * ordinary UDP or TCP flow through slirp's NAT, on the host sockets the
 * filter allows for --net user, and nothing reads a file:
 *   - a nameserver the guest can reach through the NAT (not loopback, not
 *     in slirp's own 10.0.2.0/24) is given as it is;
 *   - 127.0.0.1 (a local resolver), or no nameserver at all (the resolver's
 *     default is then 127.0.0.1, resolv.conf(5)), becomes the gateway,
 *     10.0.2.2, which slirp maps to the host's 127.0.0.1;
 *   - systemd-resolved's stub 127.0.0.53 is replaced by its first upstream
 *     server (/run/systemd/resolve/resolv.conf), when reachable.
 * Any other loopback nameserver (127.0.1.1, the stub without a reachable
 * upstream) cannot be reached from the guest: libslirp's forwarder at
 * 10.0.2.3 is kept, which works without the filter (--seccomp off) and,
 * under it, fails softly (vmm/host/seccomp_policy.c answers its fopen with
 * EACCES: the query goes unanswered, the VM lives). Changes to resolv.conf
 * after start are not followed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvmini/log.h"
#include "kvmini/net_backend.h"

#define LINE_MAX_BYTES 512

int net_slirp_dns_parse(const char *text, struct in_addr *server)
{
	char line[LINE_MAX_BYTES];

	while (*text) {
		/* One line, cut at LINE_MAX_BYTES - 1: a longer one is no nameserver line we use.
		 */
		size_t len = strcspn(text, "\n");
		size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		text += len + (text[len] == '\n');

		/* resolv.conf(5): "nameserver ADDRESS"; '#' or ';' starts a comment. */
		char word[16], addr[64];
		if (sscanf(line, " %15s %63s", word, addr) != 2 || strcmp(word, "nameserver"))
			continue;
		if (inet_pton(AF_INET, addr, server) == 1) /* IPv6 ones are skipped: IPv6 is off */
			return 0;
	}
	return -ENOENT;
}

/* The first IPv4 nameserver of the file at path; 0 or -errno. */
static int read_server(const char *path, struct in_addr *server)
{
	static char text[16384];
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	int err = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (err)
		return -err; /* unreadable is not "no nameserver": ENOENT means that */
	text[n] = '\0';
	return net_slirp_dns_parse(text, server);
}

static bool is_loopback(struct in_addr a)
{
	return (ntohl(a.s_addr) >> 24) == 127;
}

/* Can the guest reach a through slirp's NAT: not 0.0.0.0, not loopback, not slirp's own net? */
static bool reachable(struct in_addr a, struct in_addr vnetwork, struct in_addr vnetmask)
{
	return a.s_addr != INADDR_ANY && !is_loopback(a) &&
	       (a.s_addr & vnetmask.s_addr) != vnetwork.s_addr;
}

bool net_slirp_dns_choose(const char *resolv_conf, const char *resolved_conf,
			  struct in_addr vnetwork, struct in_addr vnetmask, struct in_addr vhost,
			  struct in_addr *server)
{
	struct in_addr host, upstream;
	int ret = read_server(resolv_conf, &host);

	if (ret == -ENOENT || (!ret && ntohl(host.s_addr) == INADDR_LOOPBACK)) {
		*server = vhost; /* slirp's gateway is the host's 127.0.0.1 */
		return true;
	}
	if (!ret && reachable(host, vnetwork, vnetmask)) {
		*server = host;
		return true;
	}
	/* systemd-resolved's stub listens on 127.0.0.53: its upstream servers are reachable. */
	if (!ret && ntohl(host.s_addr) == 0x7f000035 && resolved_conf &&
	    read_server(resolved_conf, &upstream) == 0 && reachable(upstream, vnetwork, vnetmask)) {
		*server = upstream;
		return true;
	}
	if (ret)
		log_warn(
			"slirp: cannot read %s (%s): the guest's DNS goes to libslirp's forwarder, "
			"which the system-call filter keeps from working (--seccomp off)",
			resolv_conf, strerror(-ret));
	else
		log_warn("slirp: the host's nameserver %s (%s) cannot be reached from the guest: "
			 "its DNS goes to libslirp's forwarder, which the system-call filter keeps "
			 "from working (--seccomp off)",
			 inet_ntoa(host), resolv_conf);
	return false;
}
