/* SPDX-License-Identifier: MIT */
/*
 * The I/O thread's epoll loop. Everything that is not a vCPU runs here: stdin
 * for the consoles, ioeventfd queue notifications for virtio devices, timers,
 * and the stop request. Callbacks run on the loop's thread, one at a time.
 */
#ifndef KVMINI_EVENT_LOOP_H
#define KVMINI_EVENT_LOOP_H

#include <stdint.h>

#define EVENT_LOOP_MAX_HANDLERS 64

typedef void (*event_cb)(void *opaque, uint32_t events);

struct event_handler {
	int fd;
	event_cb cb;
	void *opaque;
};

struct event_loop {
	int epoll_fd;
	int wake_fd; /* eventfd: written by event_loop_stop() */
	volatile int stopping;
	struct event_handler handlers[EVENT_LOOP_MAX_HANDLERS];
};

/* 0 or -errno. */
int event_loop_init(struct event_loop *loop);
void event_loop_destroy(struct event_loop *loop);

/*
 * Call cb(opaque, revents) whenever fd has any of events (EPOLLIN, ...).
 * 0, -ENOSPC when full, or -errno from epoll_ctl.
 */
int event_loop_add(struct event_loop *loop, int fd, uint32_t events, event_cb cb, void *opaque);

/*
 * Watch fd, added before, for events instead (EPOLLOUT while output waits).
 * 0, -ENOENT if fd is not watched, or -errno from epoll_ctl.
 */
int event_loop_modify(struct event_loop *loop, int fd, uint32_t events);

/* Stop watching fd. 0 or -ENOENT. */
int event_loop_remove(struct event_loop *loop, int fd);

/* Dispatch events until event_loop_stop(). 0 or -errno. */
int event_loop_run(struct event_loop *loop);

/* Make event_loop_run() return. Safe from any thread and from signal handlers. */
void event_loop_stop(struct event_loop *loop);

#endif /* KVMINI_EVENT_LOOP_H */
