// SPDX-License-Identifier: MIT
/*
 * stdin -> guest console device, and terminal raw mode that is always undone.
 *
 * On a terminal, raw mode is complete: no ISIG, so Ctrl-C, Ctrl-\ and
 * Ctrl-Z are bytes for the guest (a shell in the guest can interrupt its own
 * programs), and the monitor is left with the Ctrl-A escape
 * (host/console_escape.h). SIGINT and SIGTERM sent with kill(1) still stop
 * the VM (host/watch.c); a SIGTSTP so sent still suspends it, with the
 * terminal restored while it is stopped and made raw again on SIGCONT.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "host/chardev_io.h"
#include "host/console_escape.h"
#include "host/stdin_console.h"
#include "kvmini/log.h"
#include "kvm/vm.h"

/* Process-wide because a signal handler must be able to restore it. */
static struct termios saved_termios, raw_termios;
static volatile int raw_fd = -1;

void stdin_console_restore(void)
{
	int fd = raw_fd;

	raw_fd = -1; /* first, so that a SIGCONT now does not make it raw again */
	if (fd >= 0)
		tcsetattr(fd, TCSANOW, &saved_termios);
}

/*
 * SIGTSTP from kill(1) (the terminal no longer sends it: no ISIG). Give the
 * shell a sane terminal, then stop as the default action would; SIGCONT
 * (on_cont) makes it raw again. Only async-signal-safe calls.
 */
static void on_tstp(int sig)
{
	int saved_errno = errno;
	sigset_t set;

	if (raw_fd >= 0)
		tcsetattr(raw_fd, TCSANOW, &saved_termios);
	chardev_io_restore_all(); /* the shell gets a blocking terminal back */
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig); /* stops the process here, until SIGCONT */
	signal(sig, on_tstp);
	errno = saved_errno;
}

/*
 * SIGCONT (fg after a stop): raw mode again, but only in the foreground;
 * changing the terminal from the background would set it up for the shell.
 */
static void on_cont(int sig)
{
	int saved_errno = errno;
	int fd = raw_fd;

	(void)sig;
	if (fd >= 0 && tcgetpgrp(fd) == getpgrp()) {
		tcsetattr(fd, TCSANOW, &raw_termios);
		chardev_io_nonblock_all();
	}
	errno = saved_errno;
}

/* A fatal signal in the monitor: restore the terminal, then die as we would have. */
static void fatal_signal(int sig)
{
	stdin_console_restore();
	chardev_io_restore_all(); /* exit handlers will not run */
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
	 * cfmakeraw()'s input and local modes, ISIG off included: Ctrl-C,
	 * Ctrl-\ and Ctrl-Z are the guest's (termios(3), "Raw mode"). Output
	 * processing (OPOST) stays on, so the monitor's own messages keep
	 * their carriage returns.
	 */
	raw.c_iflag &=
		~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return -errno;
	raw_termios = raw;
	raw_fd = fd;
	atexit(stdin_console_restore);
	signal(SIGTSTP, on_tstp);
	signal(SIGCONT, on_cont);
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

/*
 * Pass typed bytes through the Ctrl-A escape into in->buf, acting on the
 * monitor's keys. Returns false if the user asked to quit.
 */
static bool filter_escape(struct stdin_console *in, const uint8_t *typed, size_t n)
{
	in->len = in->off = 0;
	for (size_t i = 0; i < n; i++) {
		enum console_escape_action action;
		in->len += console_escape_feed(&in->esc, typed[i], in->buf + in->len, &action);
		if (action == CONSOLE_ESCAPE_HELP)
			fputs(CONSOLE_ESCAPE_HELP_TEXT, stderr);
		if (action == CONSOLE_ESCAPE_QUIT) {
			log_error("stopped by Ctrl-A x");
			vm_request_stop(in->vm, KVMINI_STATUS_SIGNAL);
			in->len = 0; /* the guest is stopping: nothing more to give it */
			return false;
		}
	}
	return true;
}

/* Read a chunk of input into buf. false at end of input. */
static bool read_more(struct stdin_console *in)
{
	/* Escape filtering turns n bytes into at most n + 1 (a held Ctrl-A). */
	uint8_t typed[sizeof(in->buf) - 1];
	ssize_t n = read(in->fd, in->escape ? typed : in->buf,
			 in->escape ? sizeof(typed) : sizeof(in->buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		/* End of input (or an error on it): the guest simply gets no more. */
		set_polled(in, false);
		in->fd = -1;
		return false;
	}
	if (in->escape)
		return filter_escape(in, typed, (size_t)n);
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
	in->escape = false;
	in->esc = (struct console_escape){0};
	in->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (in->retry_fd < 0)
		return -errno;
	ret = event_loop_add(&vm->loop, in->retry_fd, EPOLLIN, on_retry, in);
	if (ret)
		return ret;

	if (isatty(fd)) {
		ret = make_raw(fd);
		if (ret) {
			log_warn("cannot put the terminal in raw mode: %s", strerror(-ret));
		} else {
			in->escape = true;
			fprintf(stderr, "kvmini: %s\n", CONSOLE_ESCAPE_HINT_TEXT);
		}
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

int stdin_console_tty_param(int in_fd, int out_fd, char *buf, size_t size)
{
	struct winsize ws = {0};
	int n = 0;

	if (size == 0)
		return -E2BIG;
	buf[0] = '\0';
	if (!isatty(in_fd) || !isatty(out_fd))
		n = snprintf(buf, size, "kvmini.tty=none");
	else if (ioctl(out_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
		n = snprintf(buf, size, "kvmini.tty=%ux%u", ws.ws_col, ws.ws_row);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return -E2BIG;
	}
	return 0;
}
