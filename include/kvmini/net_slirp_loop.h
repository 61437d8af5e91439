/* SPDX-License-Identifier: MIT */
/*
 * The libslirp backend's insides, shared by its two files:
 * devices/backends/net_slirp.c (the backend: setup, port forwards, send,
 * recv, close) and net_slirp_loop.c (libslirp's callbacks and the service
 * pass that stands in for an event loop). Devices use kvmini/net_backend.h.
 * Built only when the build has libslirp.
 */
#ifndef KVMINI_NET_SLIRP_LOOP_H
#define KVMINI_NET_SLIRP_LOOP_H

#include <poll.h>
#include <slirp/libslirp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * libslirp's callbacks (slirp_new's SlirpCb): frames for the guest go to
 * s->queue (dropped when it is full), timers to s->timers; each wakes s.
 * Their opaque is the struct net_slirp.
 */
extern const SlirpCb net_slirp_loop_callbacks;

/*
 * Make s->be.fd readable (signal s->wake_fd), so that the device calls
 * recv(), which runs a service pass. Cannot fail (a full eventfd is
 * readable already).
 */
void net_slirp_loop_wake(struct net_slirp *s);

/*
 * One service pass: fire the due timers, poll slirp's sockets without
 * waiting and let slirp handle them, then make the epoll set (s->be.fd)
 * watch slirp's current sockets and arm the timerfd for the next timer.
 * Frames for the guest it produces land in s->queue.
 */
void net_slirp_loop_service(struct net_slirp *s);

#endif /* KVMINI_NET_SLIRP_LOOP_H */
