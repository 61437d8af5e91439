/* SPDX-License-Identifier: MIT */
/*
 * The host side of the guest console: stdin is read on the I/O thread and
 * handed to whichever device owns it (the UART, or a virtio-console), and
 * the terminal is switched to raw mode while the guest runs and restored on
 * every way out (normal exit, error, signal, crash of the monitor).
 */
#ifndef KVMINI_STDIN_CONSOLE_H
#define KVMINI_STDIN_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/console_escape.h"

struct vm;

/*
 * Deliver input bytes to a device. Returns how many were accepted (a full
 * receive buffer accepts fewer); the rest is offered again later.
 */
typedef size_t (*stdin_console_sink)(void *opaque, const uint8_t *buf, size_t len);

/*
 * The input side: bytes read from fd and not yet taken by the device, and
 * the escape key's state. Owned by the board.
 */
struct stdin_console {
	struct vm *vm;
	int fd;	       /* -1 after end of input */
	bool polled;   /* fd is in the event loop (false while paused, or for files) */
	bool pollable; /* epoll accepts fd (pipes, terminals; not regular files) */
	int retry_fd;  /* timerfd: offer held-back bytes again, or read a file on */
	stdin_console_sink sink;
	void *opaque;
	bool escape; /* a terminal: Ctrl-A is the monitor's escape key */
	struct console_escape esc;
	uint8_t buf[256];
	size_t len, off; /* bytes in buf not yet accepted: buf[off..len) */
};

/*
 * Read fd (normally 0) on vm's event loop and feed sink, keeping the state
 * in in (which must live as long as the loop). If fd is a terminal, put it
 * in raw mode without ISIG (Ctrl-C, Ctrl-\, Ctrl-Z go to the guest), handle
 * the Ctrl-A escape (host/console_escape.h: Ctrl-A x stops the VM with
 * KVMINI_STATUS_SIGNAL), print a one-line hint on stderr, and register
 * stdin_console_restore() to run at exit. A SIGTSTP from outside restores
 * the terminal while the monitor is stopped; SIGCONT in the foreground
 * makes it raw again. 0 or -errno.
 */
int stdin_console_start(struct stdin_console *in, struct vm *vm, int fd, stdin_console_sink sink,
			void *opaque);

/*
 * The kernel parameter that tells the minimal Linux guest's /init
 * (guest/linux/init.sh) about the user's terminal, written into buf (size
 * bytes):
 *   "kvmini.tty=COLSxROWS"  in_fd and out_fd are terminals of that size
 *                           (TIOCGWINSZ): /init sets the console's size, so
 *                           `stty size` and full-screen programs see it;
 *   "kvmini.tty=none"       they are not both terminals: nobody can answer a
 *                           terminal's queries, so /init turns echo off and
 *                           busybox's line editing sends no ESC[6n cursor
 *                           probes, which would end up in the output;
 *   ""                      terminals of unknown size: nothing to say.
 * Returns 0, or -E2BIG when buf is too small (buf then holds "").
 */
int stdin_console_tty_param(int in_fd, int out_fd, char *buf, size_t size);

/*
 * Put the terminal back as it was. Idempotent and async-signal-safe. (The
 * saved terminal state is the one process-wide variable here: a signal
 * handler must be able to reach it.)
 */
void stdin_console_restore(void);

#endif /* KVMINI_STDIN_CONSOLE_H */
