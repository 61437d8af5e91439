// SPDX-License-Identifier: MIT
/* stdin -> guest console device, and terminal raw mode that is always undone. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <unistd.h>

#include "host/stdin_console.h"
#include "kvmini/log.h"
#include "kvm/vm.h"

/* Process-wide because a signal handler must be able to restore it. */
static struct termios saved_termios;
static int raw_fd = -1;

void stdin_console_restore(void)
{
	if (raw_fd >= 0) {
		tcsetattr(raw_fd, TCSANOW, &saved_termios);
		raw_fd = -1;
	}
}

/* A fatal signal in the monitor: restore the terminal, then die as we would have. */
static void fatal_signal(int sig)
{
	stdin_console_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int make_raw(int fd)
{
	struct termios raw;

	if (tcgetattr(fd, &saved_termios) < 0)
		return -errno;
	raw = saved_termios;
	/*
	 * Like cfmakeraw(), but keep ISIG so that Ctrl-C still reaches the
	 * monitor as SIGINT, which stops the VM cleanly.
	 */
	raw.c_iflag &=
		~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
	raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return -errno;
	raw_fd = fd;
	atexit(stdin_console_restore);
	signal(SIGSEGV, fatal_signal);
	signal(SIGBUS, fatal_signal);
	signal(SIGABRT, fatal_signal);
	signal(SIGILL, fatal_signal);
	signal(SIGFPE, fatal_signal);
	return 0;
}

static void arm_retry(struct stdin_console *in)
{
	/* 1 ms: a guest reading its UART drains 16 bytes far faster than that. */
	struct itimerspec t = {.it_value = {.tv_nsec = 1000000}};
	timerfd_settime(in->retry_fd, 0, &t, NULL);
}

static void on_stdin(void *opaque, uint32_t events);

/* Stop or resume watching fd, so a full device does not make us spin. */
static void set_polled(struct stdin_console *in, bool on)
{
	if (!in->pollable || in->fd < 0 || in->polled == on)
		return;
	if (on)
		event_loop_add(&in->vm->loop, in->fd, EPOLLIN, on_stdin, in);
	else
		event_loop_remove(&in->vm->loop, in->fd);
	in->polled = on;
}

/* Read a chunk of input into buf. false at end of input. */
static bool read_more(struct stdin_console *in)
{
	ssize_t n = read(in->fd, in->buf, sizeof(in->buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		/* End of input (or an error on it): the guest simply gets no more. */
		set_polled(in, false);
		in->fd = -1;
		return false;
	}
	in->len = (size_t)n;
	in->off = 0;
	return true;
}

/* Offer held-back bytes; pause reading while the device is full. */
static void pump(struct stdin_console *in)
{
	if (in->off == in->len && in->fd >= 0 && !in->pollable && !read_more(in))
		return;
	if (in->off < in->len)
		in->off += in->sink(in->opaque, in->buf + in->off, in->len - in->off);
	if (in->off < in->len) {
		set_polled(in, false);
		arm_retry(in);
		return;
	}
	in->off = in->len = 0;
	set_polled(in, true);
	if (!in->pollable && in->fd >= 0)
		arm_retry(in); /* a regular file: keep reading it at the device's pace */
}

static void on_retry(void *opaque, uint32_t events)
{
	struct stdin_console *in = opaque;
	uint64_t expirations;

	(void)events;
	if (read(in->retry_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	pump(in);
}

static void on_stdin(void *opaque, uint32_t events)
{
	struct stdin_console *in = opaque;

	(void)events;
	if (in->off == in->len && !read_more(in))
		return;
	pump(in);
}

int stdin_console_start(struct stdin_console *in, struct vm *vm, int fd, stdin_console_sink sink,
			void *opaque)
{
	int ret;

	in->vm = vm;
	in->fd = fd;
	in->sink = sink;
	in->opaque = opaque;
	in->len = in->off = 0;
	in->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (in->retry_fd < 0)
		return -errno;
	ret = event_loop_add(&vm->loop, in->retry_fd, EPOLLIN, on_retry, in);
	if (ret)
		return ret;

	if (isatty(fd)) {
		ret = make_raw(fd);
		if (ret)
			log_warn("cannot put the terminal in raw mode: %s", strerror(-ret));
	}
	ret = event_loop_add(&vm->loop, fd, EPOLLIN, on_stdin, in);
	if (ret == -EPERM) {
		/* A regular file (or /dev/null) cannot be polled: read it on a timer. */
		in->pollable = false;
		arm_retry(in);
		return 0;
	}
	in->pollable = in->polled = ret == 0;
	return ret;
}
