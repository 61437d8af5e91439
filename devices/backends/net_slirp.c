// SPDX-License-Identifier: MIT
/*
 * User-mode networking on libslirp: a small TCP/IP stack in the monitor
 * that answers the guest's DHCP and ARP itself and turns the guest's
 * TCP and UDP flows into ordinary host sockets (NAT), so a guest gets a
 * network without root or a TAP. libslirp's default network is used:
 * 10.0.2.0/24, the host (gateway) 10.0.2.2, the guest's DHCP lease
 * 10.0.2.15. The guest's DNS server is the host's own nameserver, reached
 * through the NAT (or the gateway for a host resolver on 127.0.0.1), not
 * libslirp's forwarder at 10.0.2.3, which would read /etc/resolv.conf under
 * the system-call filter (net_slirp_dns.c says more). IPv6 is off.
 *
 * This file is the backend: its setup (libslirp's configuration, the DNS
 * server, the port forwards) and the send, recv and close the device
 * calls. libslirp's callbacks and the service pass that stands in for an
 * event loop are net_slirp_loop.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "kvmini/log.h"
#include "kvmini/net_backend.h"
#include "kvmini/net_slirp_loop.h"

/* ---- the backend --------------------------------------------------------- */

static int slirp_send(struct net_backend *be, const struct iovec *iov, unsigned int n)
{
	struct net_slirp *s = (struct net_slirp *)be;
	size_t len = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (iov[i].iov_len > sizeof(s->tx_buf) - len)
			return -EMSGSIZE;
		memcpy(s->tx_buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	slirp_input(s->slirp, s->tx_buf, (int)len);
	/* A new flow may have opened a socket: the next pass must watch it. */
	net_slirp_loop_wake(s);
	return 0;
}

static ssize_t slirp_recv(struct net_backend *be, void *buf, size_t size)
{
	struct net_slirp *s = (struct net_slirp *)be;

	if (s->q_len == 0)
		net_slirp_loop_service(s);
	if (s->q_len == 0)
		return -EAGAIN;
	struct frame *f = s->queue[s->q_head];
	s->q_head = (s->q_head + 1) % QUEUE_FRAMES;
	s->q_len--;
	ssize_t r = f->len <= size ? (ssize_t)f->len : -EMSGSIZE;
	if (r > 0)
		memcpy(buf, f->data, f->len);
	free(f);
	/* More queued: keep the fd readable so that an edge-triggered watcher comes back. */
	if (s->q_len > 0)
		net_slirp_loop_wake(s);
	return r;
}

static void slirp_close(struct net_backend *be)
{
	struct net_slirp *s = (struct net_slirp *)be;

	if (s->slirp)
		slirp_cleanup(s->slirp);
	while (s->q_len > 0) {
		free(s->queue[s->q_head]);
		s->q_head = (s->q_head + 1) % QUEUE_FRAMES;
		s->q_len--;
	}
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	if (s->be.fd >= 0)
		close(s->be.fd);
	free(s);
}

static const struct net_backend_ops slirp_ops = {
	.send = slirp_send,
	.recv = slirp_recv,
	.close = slirp_close,
};

static struct in_addr ip4(const char *dotted)
{
	struct in_addr a;

	inet_pton(AF_INET, dotted, &a);
	return a;
}

/* The epoll set with the two fds of our own. 0 or -errno. */
static int slirp_fds(struct net_slirp *s)
{
	s->be.fd = epoll_create1(EPOLL_CLOEXEC);
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->be.fd < 0 || s->wake_fd < 0 || s->timer_fd < 0)
		return -errno;
	struct epoll_event ev = {.events = EPOLLIN};
	if (epoll_ctl(s->be.fd, EPOLL_CTL_ADD, s->wake_fd, &ev) < 0 ||
	    epoll_ctl(s->be.fd, EPOLL_CTL_ADD, s->timer_fd, &ev) < 0)
		return -errno;
	return 0;
}

int net_slirp_open(struct net_backend **out, const struct net_hostfwd *fwd, unsigned int nfwd)
{
	struct net_slirp *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->be.ops = &slirp_ops;
	s->be.kind = "slirp";
	s->be.has_vnet_hdr = false; /* slirp takes and gives plain, checksummed frames */
	s->be.fd = s->wake_fd = s->timer_fd = -1;
	err = slirp_fds(s);
	if (err) {
		log_error("slirp: %s", strerror(-err));
		goto fail;
	}

	SlirpConfig cfg = {
		.version = 4,
		.in_enabled = true,
		.vnetwork = ip4("10.0.2.0"),
		.vnetmask = ip4("255.255.255.0"),
		.vhost = ip4("10.0.2.2"),
		.vdhcp_start = ip4("10.0.2.15"),
		.vnameserver = ip4("10.0.2.3"),
		.in6_enabled = false,
	};
	/* Read now, before the filter: libslirp's forwarder would read it at each query. */
	if (net_slirp_dns_choose("/etc/resolv.conf", "/run/systemd/resolve/resolv.conf",
				 cfg.vnetwork, cfg.vnetmask, cfg.vhost, &cfg.vnameserver)) {
		cfg.disable_dns = true; /* vnameserver is an ordinary address to libslirp */
		log_info("slirp: the guest's DNS server is %s (from the host's resolv.conf)",
			 inet_ntoa(cfg.vnameserver));
	}
	s->slirp = slirp_new(&cfg, &net_slirp_loop_callbacks, s);
	if (!s->slirp) {
		log_error("slirp: libslirp refused its configuration");
		err = -EINVAL;
		goto fail;
	}
	for (unsigned int i = 0; i < nfwd; i++) {
		/* Bound to 127.0.0.1 only: nothing outside this host can reach the guest. */
		errno = 0;
		if (slirp_add_hostfwd(s->slirp, 0, ip4("127.0.0.1"), fwd[i].host_port,
				      ip4("10.0.2.15"), fwd[i].guest_port) < 0) {
			err = errno ? -errno : -EADDRINUSE;
			log_error("slirp: cannot forward 127.0.0.1:%u to guest port %u: %s",
				  fwd[i].host_port, fwd[i].guest_port, strerror(-err));
			goto fail;
		}
	}
	/* Watch the listening sockets of the forwards from the start. */
	net_slirp_loop_service(s);
	*out = &s->be;
	return 0;
fail:
	slirp_close(&s->be);
	return err;
}

bool net_slirp_available(void)
{
	return true;
}
