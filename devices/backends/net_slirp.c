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
 * libslirp owns sockets and timers but no event loop: it asks the
 * application to poll its fds (slirp_pollfds_fill / slirp_pollfds_poll) and
 * to run its timers. Here everything it needs is gathered behind the one fd
 * a net_backend exposes, an epoll instance holding
 *   - slirp's sockets (the set is rebuilt after every service pass, since
 *     slirp opens and closes sockets as flows come and go),
 *   - a timerfd armed for the earliest timer or slirp's poll timeout,
 *   - an eventfd that says "frames for the guest are queued, or slirp has
 *     work" (after slirp_input, or its notify callback).
 * When that fd becomes readable the device calls recv(), which runs one
 * service pass (poll slirp's sockets without waiting, fire due timers) when
 * no frame is queued, then hands out a queued frame. Frames slirp sends to
 * the guest wait in a bounded queue; when it is full they are dropped, which
 * libslirp allows (its TCP retransmits, at a lower pace).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "kvmini/log.h"
#include "kvmini/net_backend.h"

#define QUEUE_FRAMES 64	   /* frames for the guest held at most */
#define MAX_FRAME    65550 /* what virtio-net accepts */
#define MAX_TIMERS   8	   /* libslirp 4.7 makes one (IPv6 router advertisements) */
#define MAX_POLLFDS  256   /* slirp sockets watched at once */

struct slirp_timer {
	bool in_use;
	bool by_id; /* created with timer_new_opaque: fire through slirp_handle_timer */
	SlirpTimerId id;
	SlirpTimerCb cb;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
};

struct frame {
	size_t len;
	uint8_t data[];
};

struct net_slirp {
	struct net_backend be; /* first: the device sees only this */
	Slirp *slirp;
	int wake_fd;  /* eventfd */
	int timer_fd; /* timerfd */
	struct slirp_timer timers[MAX_TIMERS];

	struct frame *queue[QUEUE_FRAMES]; /* ring of frames for the guest */
	unsigned int q_head, q_len;

	/* The fds of the current poll pass, and those in the epoll set. */
	struct pollfd pfds[MAX_POLLFDS];
	unsigned int npfds;
	int watched[MAX_POLLFDS];
	unsigned int nwatched;

	uint8_t tx_buf[MAX_FRAME + 12]; /* a guest frame made contiguous for slirp_input */
	bool logged_guest_error, logged_queue_full, logged_too_many_fds;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(struct net_slirp *s)
{
	uint64_t one = 1;

	if (write(s->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("slirp: wake fd: %s", strerror(errno));
}

/* ---- libslirp's callbacks -------------------------------------------------- */

/* slirp has a frame for the guest: queue a copy. */
static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct net_slirp *s = opaque;

	if (s->q_len == QUEUE_FRAMES || len > MAX_FRAME) {
		log_once(&s->logged_queue_full, LOG_INFO,
			 "slirp: guest not taking frames; dropping (TCP will resend)");
		return (ssize_t)len;
	}
	struct frame *f = malloc(sizeof(*f) + len);
	if (!f)
		return -ENOMEM;
	f->len = len;
	memcpy(f->data, buf, len);
	s->queue[(s->q_head + s->q_len) % QUEUE_FRAMES] = f;
	s->q_len++;
	wake(s);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	struct net_slirp *s = opaque;

	log_once(&s->logged_guest_error, LOG_INFO, "slirp: guest error: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct slirp_timer *timer_alloc(struct net_slirp *s)
{
	for (unsigned int i = 0; i < MAX_TIMERS; i++)
		if (!s->timers[i].in_use) {
			memset(&s->timers[i], 0, sizeof(s->timers[i]));
			s->timers[i].in_use = true;
			s->timers[i].expire_ms = -1;
			return &s->timers[i];
		}
	log_warn("slirp: more than %d timers asked for", MAX_TIMERS);
	return NULL;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_timer *t = timer_alloc(opaque);

	if (t) {
		t->cb = cb;
		t->cb_opaque = cb_opaque;
	}
	return t;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct slirp_timer *t = timer_alloc(opaque);

	if (t) {
		t->by_id = true;
		t->id = id;
		t->cb_opaque = cb_opaque;
	}
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	(void)opaque;
	if (timer)
		((struct slirp_timer *)timer)->in_use = false;
}

/* expire_time is in milliseconds of the clock cb_clock_get_ns() gives. */
static void cb_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	if (!timer)
		return;
	((struct slirp_timer *)timer)->expire_ms = expire_time;
	wake(opaque); /* the next service pass re-arms the timerfd */
}

/* Sockets are gathered on every pass (slirp_pollfds_fill): nothing to do here. */
static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	wake(opaque);
}

static const SlirpCb slirp_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

/* ---- the service pass ------------------------------------------------------ */

static int slirp_events_to_poll(int ev)
{
	return (ev & SLIRP_POLL_IN ? POLLIN : 0) | (ev & SLIRP_POLL_OUT ? POLLOUT : 0) |
	       (ev & SLIRP_POLL_PRI ? POLLPRI : 0);
}

static int poll_to_slirp_events(int ev)
{
	return (ev & POLLIN ? SLIRP_POLL_IN : 0) | (ev & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (ev & POLLPRI ? SLIRP_POLL_PRI : 0) | (ev & POLLERR ? SLIRP_POLL_ERR : 0) |
	       (ev & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* slirp_pollfds_fill's callback: one more fd; returns its index for get_revents. */
static int add_poll(int fd, int events, void *opaque)
{
	struct net_slirp *s = opaque;

	if (s->npfds == MAX_POLLFDS) {
		log_once(&s->logged_too_many_fds, LOG_WARN,
			 "slirp: more than %d sockets; some flows stall", MAX_POLLFDS);
		return -1;
	}
	s->pfds[s->npfds] =
		(struct pollfd){.fd = fd, .events = (short)slirp_events_to_poll(events)};
	return (int)s->npfds++;
}

static int get_revents(int idx, void *opaque)
{
	struct net_slirp *s = opaque;

	if (idx < 0 || (unsigned int)idx >= s->npfds)
		return 0;
	return poll_to_slirp_events(s->pfds[idx].revents);
}

static void fire_due_timers(struct net_slirp *s)
{
	int64_t now = now_ms();

	for (unsigned int i = 0; i < MAX_TIMERS; i++) {
		struct slirp_timer *t = &s->timers[i];
		if (!t->in_use || t->expire_ms < 0 || t->expire_ms > now)
			continue;
		t->expire_ms = -1; /* one-shot: slirp re-arms it with timer_mod */
		if (t->by_id)
			slirp_handle_timer(s->slirp, t->id, t->cb_opaque);
		else
			t->cb(t->cb_opaque);
	}
}

/* Make the epoll set watch exactly the fds of s->pfds, and arm the timerfd. */
static void rewatch(struct net_slirp *s, uint32_t timeout_ms)
{
	for (unsigned int i = 0; i < s->nwatched; i++)
		epoll_ctl(s->be.fd, EPOLL_CTL_DEL, s->watched[i], NULL); /* may be closed: fine */
	s->nwatched = 0;
	for (unsigned int i = 0; i < s->npfds; i++) {
		struct epoll_event ev = {.events = (uint32_t)s->pfds[i].events};
		ev.data.fd = s->pfds[i].fd;
		if (epoll_ctl(s->be.fd, EPOLL_CTL_ADD, s->pfds[i].fd, &ev) == 0)
			s->watched[s->nwatched++] = s->pfds[i].fd;
	}

	int64_t deadline = now_ms() + timeout_ms;
	for (unsigned int i = 0; i < MAX_TIMERS; i++)
		if (s->timers[i].in_use && s->timers[i].expire_ms >= 0 &&
		    s->timers[i].expire_ms < deadline)
			deadline = s->timers[i].expire_ms;
	int64_t wait = deadline - now_ms();
	if (wait < 1)
		wait = 1; /* 0 would disarm the timerfd */
	struct itimerspec its = {
		.it_value = {.tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000}};
	timerfd_settime(s->timer_fd, 0, &its, NULL);
}

/* One pass: whatever slirp's sockets and timers have for it, without waiting. */
static void service(struct net_slirp *s)
{
	uint64_t count;
	uint32_t timeout = 1000;

	/* Clear both: this pass is what they asked for. */
	if (read(s->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("slirp: wake fd: %s", strerror(errno));
	if (read(s->timer_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("slirp: timer fd: %s", strerror(errno));

	fire_due_timers(s);
	s->npfds = 0;
	slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
	int r = poll(s->pfds, s->npfds, 0);
	slirp_pollfds_poll(s->slirp, r < 0, get_revents, s);

	/* Sockets may have come or gone: watch the new set for the next pass. */
	timeout = 1000;
	s->npfds = 0;
	slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
	rewatch(s, timeout);
}

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
	wake(s);
	return 0;
}

static ssize_t slirp_recv(struct net_backend *be, void *buf, size_t size)
{
	struct net_slirp *s = (struct net_slirp *)be;

	if (s->q_len == 0)
		service(s);
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
		wake(s);
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
	s->slirp = slirp_new(&cfg, &slirp_callbacks, s);
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
	service(s);
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
