// SPDX-License-Identifier: MIT
/*
 * The I/O thread: one epoll loop for stdin, ioeventfds, timers and the stop
 * request. vCPU threads never block on it, and it never touches a vCPU.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host/event_loop.h"

int event_loop_init(struct event_loop *loop)
{
	memset(loop, 0, sizeof(*loop));
	for (int i = 0; i < EVENT_LOOP_MAX_HANDLERS; i++)
		loop->handlers[i].fd = -1;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0)
		return -errno;
	loop->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->wake_fd < 0) {
		int err = errno;
		close(loop->epoll_fd);
		return -err;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &ev) < 0) {
		int err = errno;
		event_loop_destroy(loop);
		return -err;
	}
	return 0;
}

void event_loop_destroy(struct event_loop *loop)
{
	if (loop->wake_fd >= 0)
		close(loop->wake_fd);
	if (loop->epoll_fd >= 0)
		close(loop->epoll_fd);
	loop->wake_fd = loop->epoll_fd = -1;
}

int event_loop_add(struct event_loop *loop, int fd, uint32_t events, event_cb cb, void *opaque)
{
	for (int i = 0; i < EVENT_LOOP_MAX_HANDLERS; i++) {
		struct event_handler *h = &loop->handlers[i];
		if (h->fd >= 0)
			continue;
		struct epoll_event ev = {.events = events, .data.ptr = h};
		if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
		h->fd = fd;
		h->cb = cb;
		h->opaque = opaque;
		return 0;
	}
	return -ENOSPC;
}

int event_loop_modify(struct event_loop *loop, int fd, uint32_t events)
{
	for (int i = 0; i < EVENT_LOOP_MAX_HANDLERS; i++) {
		struct event_handler *h = &loop->handlers[i];
		if (h->fd != fd)
			continue;
		struct epoll_event ev = {.events = events, .data.ptr = h};
		return epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
	}
	return -ENOENT;
}

int event_loop_remove(struct event_loop *loop, int fd)
{
	for (int i = 0; i < EVENT_LOOP_MAX_HANDLERS; i++) {
		if (loop->handlers[i].fd != fd)
			continue;
		epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
		loop->handlers[i].fd = -1;
		return 0;
	}
	return -ENOENT;
}

int event_loop_run(struct event_loop *loop)
{
	struct epoll_event events[16];

	while (!loop->stopping) {
		int n = epoll_wait(loop->epoll_fd, events, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !loop->stopping; i++) {
			struct event_handler *h = events[i].data.ptr;
			if (!h)
				continue; /* the wake eventfd: loop->stopping says why */
			if (h->fd >= 0)
				h->cb(h->opaque, events[i].events);
		}
	}
	return 0;
}

void event_loop_stop(struct event_loop *loop)
{
	uint64_t one = 1;

	loop->stopping = 1;
	if (loop->wake_fd < 0)
		return; /* never initialised: nothing waits on it */
	/* write() is async-signal-safe; a full counter still wakes the loop. */
	if (write(loop->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the eventfd is already signalled, which is all we need. */
	}
}
