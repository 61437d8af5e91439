// SPDX-License-Identifier: MIT
/* Buffered device output, flushed from the I/O thread's event loop. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "host/chardev_io.h"

/*
 * The fds whose O_NONBLOCK we set, with their flags from before. They are put
 * back at exit, not when a chardev is detached: the monitor's last messages
 * (stopped by SIGTERM, --trace statistics) go to stderr, often the same
 * open file description as stdout, and must not block on a stuck reader
 * either. Plain ints, so that a signal handler can read them.
 */
static struct {
	volatile sig_atomic_t used;
	int fd, flags;
} taken[CHARDEV_IO_MAX];

/* The chardev's kick, on a device's thread: wake the loop, nothing more. */
static void kick(void *opaque)
{
	struct chardev_io *io = opaque;
	uint64_t one = 1;

	/* EAGAIN: the counter is already non-zero, and that is all we need. */
	if (write(io->kick_fd, &one, sizeof(one)) < 0) {
	}
}

static void arm_timer(struct chardev_io *io, unsigned int ms)
{
	struct itimerspec t = {.it_value = {.tv_nsec = (long)ms * 1000000}};
	timerfd_settime(io->timer_fd, 0, &t, NULL);
}

static void on_writable(void *opaque, uint32_t events);

/*
 * Write what we can; if the fd is full, wait for EPOLLOUT. A fd that epoll
 * cannot watch (a regular file never is full, but be safe) is retried on
 * the timer instead.
 */
static void flush(struct chardev_io *io)
{
	bool blocked = chardev_flush(io->cd) == CHARDEV_BLOCKED;

	if (blocked && !io->watching_out) {
		if (event_loop_add(io->loop, io->cd->fd, EPOLLOUT, on_writable, io) == 0)
			io->watching_out = true;
		else
			arm_timer(io, CHARDEV_IO_DELAY_MS);
	} else if (!blocked && io->watching_out) {
		event_loop_remove(io->loop, io->cd->fd);
		io->watching_out = false;
	}
}

static void on_writable(void *opaque, uint32_t events)
{
	(void)events; /* EPOLLERR/EPOLLHUP too: the write then says what is wrong */
	flush(opaque);
}

static void on_timer(void *opaque, uint32_t events)
{
	struct chardev_io *io = opaque;
	uint64_t expirations;

	(void)events;
	if (read(io->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	flush(io);
}

/* Output is waiting: give it CHARDEV_IO_DELAY_MS to grow into a line. */
static void on_kick(void *opaque, uint32_t events)
{
	struct chardev_io *io = opaque;
	uint64_t count;

	(void)events;
	if (read(io->kick_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return;
	if (!io->watching_out)
		arm_timer(io, CHARDEV_IO_DELAY_MS);
}

/* Make restoring cd's fd flags our job, at exit (see taken[]). */
static void take_flags(struct chardev *cd)
{
	static bool registered;

	if (cd->saved_flags < 0)
		return; /* already non-blocking before: nothing to undo */
	for (int i = 0; i < CHARDEV_IO_MAX; i++) {
		if (taken[i].used)
			continue;
		taken[i].fd = cd->fd;
		taken[i].flags = cd->saved_flags;
		taken[i].used = 1;
		cd->saved_flags = -1; /* chardev_close() must not: that is too early */
		break;
	}
	if (!registered) {
		registered = true;
		atexit(chardev_io_restore_all);
	}
}

int chardev_io_attach(struct chardev_io *io, struct event_loop *loop, struct chardev *cd)
{
	int ret;

	io->loop = loop;
	io->watching_out = false;
	io->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	io->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (io->kick_fd < 0 || io->timer_fd < 0) {
		ret = -errno;
		goto fail;
	}
	if ((ret = event_loop_add(loop, io->kick_fd, EPOLLIN, on_kick, io)))
		goto fail;
	if ((ret = event_loop_add(loop, io->timer_fd, EPOLLIN, on_timer, io))) {
		event_loop_remove(loop, io->kick_fd);
		goto fail;
	}
	io->cd = cd;
	chardev_set_kick(cd, kick, io);
	take_flags(cd);
	return 0;
fail:
	if (io->kick_fd >= 0)
		close(io->kick_fd);
	if (io->timer_fd >= 0)
		close(io->timer_fd);
	io->kick_fd = io->timer_fd = -1;
	return ret;
}

void chardev_io_detach(struct chardev_io *io)
{
	struct chardev *cd = io->cd;

	if (!cd)
		return;
	if (io->watching_out)
		event_loop_remove(io->loop, cd->fd);
	event_loop_remove(io->loop, io->kick_fd);
	event_loop_remove(io->loop, io->timer_fd);
	close(io->kick_fd);
	close(io->timer_fd);
	chardev_set_kick(cd, NULL, NULL);
	chardev_close(cd, CHARDEV_IO_DRAIN_MS);
	io->cd = NULL;
}

void chardev_io_restore_all(void)
{
	for (int i = 0; i < CHARDEV_IO_MAX; i++)
		if (taken[i].used)
			fcntl(taken[i].fd, F_SETFL, taken[i].flags);
}

void chardev_io_nonblock_all(void)
{
	for (int i = 0; i < CHARDEV_IO_MAX; i++)
		if (taken[i].used)
			fcntl(taken[i].fd, F_SETFL, taken[i].flags | O_NONBLOCK);
}
