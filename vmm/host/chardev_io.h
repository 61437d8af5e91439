/* SPDX-License-Identifier: MIT */
/*
 * The I/O thread's side of a character backend (include/kvmini/chardev.h):
 * output the devices left buffered is written from the event loop, a short
 * deadline after it was written (so the UART's bytes go out a line or a
 * burst at a time), and, when the fd is full, as soon as it is writable
 * again (EPOLLOUT). Nothing here ever blocks, so a reader that stops
 * reading never stands between the event loop and a stop request.
 */
#ifndef KVMINI_CHARDEV_IO_H
#define KVMINI_CHARDEV_IO_H

#include <stdbool.h>

#include "host/event_loop.h"
#include "kvmini/chardev.h"

#define CHARDEV_IO_DELAY_MS 10	/* how long bytes without a newline may wait */
#define CHARDEV_IO_DRAIN_MS 200 /* the last flush at exit waits at most this long */
#define CHARDEV_IO_MAX	    4	/* chardevs one process serves */

struct chardev_io {
	struct event_loop *loop;
	struct chardev *cd;
	int kick_fd;	   /* eventfd: written by the chardev's kick, on any thread */
	int timer_fd;	   /* timerfd: the batching deadline, and retries */
	bool watching_out; /* cd->fd is in the loop for EPOLLOUT */
};

/*
 * Serve cd's buffered output from loop. cd must be initialised (chardev_init);
 * this sets its kick callback. Putting back the flags chardev_init changed
 * on cd's fd becomes this module's job: at exit (atexit), so that the
 * monitor's last messages on a shared stderr cannot block either, and from
 * fatal signal handlers through chardev_io_restore_all(). 0 or -errno.
 */
int chardev_io_attach(struct chardev_io *io, struct event_loop *loop, struct chardev *cd);

/*
 * Stop serving cd, flush what remains with a bounded wait
 * (CHARDEV_IO_DRAIN_MS) and free it (chardev_close); the fd stays
 * non-blocking until exit. Safe on a chardev_io that was never attached
 * (all zero) or already detached.
 */
void chardev_io_detach(struct chardev_io *io);

/*
 * Put back the flags of every fd a chardev_io_attach() made non-blocking.
 * Runs at exit; call it also on a way out that skips exit handlers, and
 * when the process is suspended (the fd is shared with the shell).
 * Idempotent and async-signal-safe.
 */
void chardev_io_restore_all(void);

/* Make those fds non-blocking again (SIGCONT). Async-signal-safe. */
void chardev_io_nonblock_all(void);

#endif /* KVMINI_CHARDEV_IO_H */
