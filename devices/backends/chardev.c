// SPDX-License-Identifier: MIT
/*
 * The bounded, non-blocking output sink of include/kvmini/chardev.h. The
 * buffer is a ring so that a partial write never moves bytes around; the fd
 * is non-blocking so that no call here ever waits, except chardev_drain(),
 * whose wait is bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvmini/chardev.h"
#include "kvmini/log.h"

int chardev_init(struct chardev *cd, int fd)
{
	memset(cd, 0, sizeof(*cd));
	pthread_mutex_init(&cd->lock, NULL);
	cd->fd = fd;
	cd->saved_flags = -1;
	if (fd < 0)
		return 0;
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	if (flags & O_NONBLOCK)
		return 0; /* already so: nothing to undo later */
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	cd->saved_flags = flags;
	return 0;
}

void chardev_set_kick(struct chardev *cd, chardev_kick_fn kick, void *opaque)
{
	cd->kick = kick;
	cd->kick_opaque = opaque;
}

/* Forget the buffered bytes, counting them as dropped. */
static void discard_buffer(struct chardev *cd)
{
	cd->dropped += cd->len;
	cd->head = cd->len = 0;
}

/*
 * One write() of the oldest contiguous run of buffered bytes. Returns true
 * if it made progress (and there may be more to do), false if it cannot go
 * on now: empty, fd full (blocked), or an error that lost the buffer.
 */
static bool write_some(struct chardev *cd)
{
	size_t run = CHARDEV_BUF_SIZE - cd->head;

	if (cd->len == 0)
		return false;
	if (run > cd->len)
		run = cd->len;
	ssize_t n = write(cd->fd, cd->buf + cd->head, run);
	if (n > 0) {
		cd->blocked = false;
		cd->head = (cd->head + (size_t)n) % CHARDEV_BUF_SIZE;
		cd->len -= (size_t)n;
		if (cd->len == 0)
			cd->head = 0; /* keep later bytes contiguous */
		return true;
	}
	if (n < 0 && errno == EINTR)
		return true; /* a signal: simply try again */
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		cd->blocked = true;
		return false;
	}
	/*
	 * ENOSPC (a full disk, /dev/full), EDQUOT, EFBIG: these bytes are lost,
	 * later ones may fit. Anything else (EPIPE: the reader closed; EBADF,
	 * EIO: the terminal hung up; write() returning 0) means nobody will
	 * ever read: stop trying.
	 */
	int err = n < 0 ? errno : EIO;
	if (err != ENOSPC && err != EDQUOT && err != EFBIG)
		cd->broken = true;
	log_once(&cd->warned_error, LOG_WARN, "console output lost: %s%s", strerror(err),
		 cd->broken ? " (no more output will be written)" : "");
	discard_buffer(cd);
	return false;
}

/* Write until empty or stuck. cd->lock held. */
static enum chardev_state flush_locked(struct chardev *cd)
{
	if (cd->broken || cd->fd < 0)
		discard_buffer(cd);
	while (write_some(cd))
		;
	if (cd->len == 0) {
		cd->kicked = false;
		return CHARDEV_IDLE;
	}
	return CHARDEV_BLOCKED;
}

/* Append to the ring what fits; drop (and count) the rest. */
static void append(struct chardev *cd, const uint8_t *p, size_t len)
{
	size_t room = CHARDEV_BUF_SIZE - cd->len;

	if (len > room) {
		cd->dropped += len - room;
		log_once(&cd->warned_full, LOG_WARN,
			 "console output is not being read: %u KiB are buffered, dropping the rest",
			 (unsigned int)(CHARDEV_BUF_SIZE / 1024));
		len = room;
	}
	for (size_t i = 0; i < len; i++)
		cd->buf[(cd->head + cd->len + i) % CHARDEV_BUF_SIZE] = p[i];
	cd->len += len;
}

void chardev_write(struct chardev *cd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (cd->fd < 0)
		return; /* -1 discards by design: nothing to count */
	pthread_mutex_lock(&cd->lock);
	if (cd->broken) {
		cd->dropped += len; /* the reader is gone, and we said so once */
		pthread_mutex_unlock(&cd->lock);
		return;
	}
	append(cd, p, len);
	/*
	 * Batching: a line is the unit a person reads, so a newline (or a batch
	 * that is big enough) goes out now. A fd known to be full is left to
	 * the owner, who waits for it to become writable: trying again on
	 * every byte would only cost system calls.
	 */
	bool due = memchr(p, '\n', len) != NULL || cd->len >= CHARDEV_BATCH;
	if (due && !cd->blocked)
		flush_locked(cd);
	if (cd->len > 0 && !cd->kicked && cd->kick) {
		cd->kicked = true;
		cd->kick(cd->kick_opaque);
	}
	pthread_mutex_unlock(&cd->lock);
}

enum chardev_state chardev_flush(struct chardev *cd)
{
	pthread_mutex_lock(&cd->lock);
	enum chardev_state state = flush_locked(cd);
	pthread_mutex_unlock(&cd->lock);
	return state;
}

size_t chardev_pending(struct chardev *cd)
{
	pthread_mutex_lock(&cd->lock);
	size_t len = cd->len;
	pthread_mutex_unlock(&cd->lock);
	return len;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t chardev_drain(struct chardev *cd, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	pthread_mutex_lock(&cd->lock);
	while (flush_locked(cd) == CHARDEV_BLOCKED) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			break;
		/* The only wait in this file, and it is bounded by the deadline. */
		struct pollfd pfd = {.fd = cd->fd, .events = POLLOUT};
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
	}
	size_t left_behind = cd->len;
	discard_buffer(cd);
	pthread_mutex_unlock(&cd->lock);
	return left_behind;
}

void chardev_restore_fd(struct chardev *cd)
{
	int flags = cd->saved_flags;

	if (flags >= 0 && cd->fd >= 0) {
		cd->saved_flags = -1;
		fcntl(cd->fd, F_SETFL, flags);
	}
}

void chardev_close(struct chardev *cd, int timeout_ms)
{
	size_t lost = chardev_drain(cd, timeout_ms);
	if (lost)
		log_warn("console output: %zu bytes could not be written before exit", lost);
	chardev_restore_fd(cd);
	pthread_mutex_destroy(&cd->lock);
}
