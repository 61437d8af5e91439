/* SPDX-License-Identifier: MIT */
/*
 * A character backend: where a device's output bytes go (the UART's
 * transmitter, the virtio-console's transmitq), bounded and never blocking.
 *
 * Why: the reader of kvmini's stdout may stop reading (a full pipe, a paused
 * terminal, a FIFO nobody opened). A device that called write() on a blocking
 * fd would then hold its vCPU, its device lock, and, through them, the
 * monitor's teardown: only SIGKILL would end the process. So a device hands
 * its bytes to a chardev, which
 *  - writes what the fd takes at once, without blocking (the fd is made
 *    O_NONBLOCK by chardev_init; its old flags come back at chardev_close),
 *  - keeps the rest, in order, in a buffer of CHARDEV_BUF_SIZE bytes,
 *  - drops what does not fit, counting it and warning once on stderr,
 *  - batches: bytes wait for a newline or for CHARDEV_BATCH bytes (the UART
 *    used to make one write() per byte), or for the owner's short deadline.
 * Whatever stays buffered is the owner's job to flush later (the monitor's
 * I/O thread, vmm/host/chardev_io.c): the kick callback tells it that there
 * is work, chardev_flush() does the work when the deadline passes or the fd
 * becomes writable (EPOLLOUT), and chardev_drain() is the bounded last
 * effort at exit.
 *
 * Errors: EINTR is retried; EAGAIN keeps the bytes for later; ENOSPC (a full
 * disk, /dev/full) loses what was buffered, with the warning, and later bytes
 * are tried again; EPIPE, EBADF, EIO and the like mean the reader is gone for
 * good: all further output is discarded. A closed pipe also raises SIGPIPE,
 * which the owner should ignore (the monitor does, vmm/host/watch.c).
 *
 * Threads: every function takes cd->lock, so devices on vCPU threads and the
 * I/O thread may share one chardev (COM1 and a virtio-console on stdout do).
 */
#ifndef KVMINI_CHARDEV_H
#define KVMINI_CHARDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHARDEV_BUF_SIZE (64 * 1024) /* output held for a slow reader; more is dropped */
#define CHARDEV_BATCH	 4096	     /* write at once when this much waits, newline or not */

/* "There is buffered output: flush it soon." Called with cd->lock held. */
typedef void (*chardev_kick_fn)(void *opaque);

/* What chardev_flush() left behind. */
enum chardev_state {
	CHARDEV_IDLE,	 /* nothing buffered (written, or dropped on an error) */
	CHARDEV_BLOCKED, /* the fd is full: flush again when it is writable */
};

struct chardev {
	pthread_mutex_t lock;
	int fd;		 /* -1: discard everything */
	int saved_flags; /* fd's status flags before chardev_init; -1: not changed */
	chardev_kick_fn kick;
	void *kick_opaque;

	uint8_t buf[CHARDEV_BUF_SIZE]; /* a ring: len bytes from head */
	size_t head, len;
	bool kicked;  /* kick() was called and the buffer has not emptied since */
	bool blocked; /* the last write got EAGAIN: wait for writability */
	bool broken;  /* the reader is gone: discard output */

	bool warned_full;  /* log_once flag: output dropped because nobody reads */
	bool warned_error; /* log_once flag: output lost to a write error */
	uint64_t dropped;  /* bytes that never reached fd */
};

/*
 * Make cd write to fd (not closed by the chardev; -1: discard output).
 * Sets O_NONBLOCK on fd's open file description, remembering the old flags
 * for chardev_close(). Note that this description may be shared (with
 * stderr after 2>&1, with the shell on a terminal): they see the flag too
 * until chardev_close(). Returns 0, or -errno from fcntl (cd is then still
 * usable, but writes to a blocking fd may block).
 */
int chardev_init(struct chardev *cd, int fd);

/*
 * Call kick(opaque) when bytes stay buffered (batched, or the fd is full) and
 * nobody was told yet; again only after the buffer emptied. kick runs with
 * cd->lock held on the writer's thread: it should only wake the owner (e.g.
 * write an eventfd), never call back into cd. Set before output starts.
 */
void chardev_set_kick(struct chardev *cd, chardev_kick_fn kick, void *opaque);

/*
 * Output len bytes. Never blocks and never fails: bytes are written, buffered
 * or dropped (see the top of this file). Writes at once when the bytes hold a
 * newline or CHARDEV_BATCH bytes wait, unless the fd is known to be full.
 */
void chardev_write(struct chardev *cd, const void *buf, size_t len);

/* Write what is buffered, without blocking. Returns the state it leaves. */
enum chardev_state chardev_flush(struct chardev *cd);

/* Bytes buffered and not yet written. */
size_t chardev_pending(struct chardev *cd);

/*
 * The last effort at exit: flush, waiting at most timeout_ms in all for the
 * fd to become writable (poll). What is still buffered then is dropped and
 * counted. Returns the number of bytes that were left behind.
 */
size_t chardev_drain(struct chardev *cd, int timeout_ms);

/*
 * Put fd's status flags back as chardev_init found them. Async-signal-safe
 * (one fcntl), so a dying monitor can call it; idempotent.
 */
void chardev_restore_fd(struct chardev *cd);

/* chardev_drain(cd, timeout_ms), chardev_restore_fd(), and free the lock. */
void chardev_close(struct chardev *cd, int timeout_ms);

#endif /* KVMINI_CHARDEV_H */
