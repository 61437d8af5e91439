// SPDX-License-Identifier: MIT
/*
 * The libslirp backend's event-loop glue (net_slirp.c is the backend).
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
#include <errno.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "kvmini/log.h"
#include "kvmini/net_slirp_loop.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void net_slirp_loop_wake(struct net_slirp *s)
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
	net_slirp_loop_wake(s);
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
	net_slirp_loop_wake(opaque); /* the next service pass re-arms the timerfd */
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
	net_slirp_loop_wake(opaque);
}

const SlirpCb net_slirp_loop_callbacks = {
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
void net_slirp_loop_service(struct net_slirp *s)
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
