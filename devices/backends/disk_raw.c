// SPDX-License-Identifier: MIT
/*
 * The raw disk backend: the image is a regular file or a block device whose
 * bytes are the disk's bytes, one to one. Reads and writes are preadv/pwritev
 * straight into or out of the caller's buffers (for virtio-blk: guest
 * memory), a flush is fdatasync, a discard punches a hole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmini/disk.h"
#include "kvmini/log.h"

struct disk_raw {
	struct disk disk; /* first: a struct disk * is a struct disk_raw * */
	int fd;
};

static int raw_fd(const struct disk *disk)
{
	return ((const struct disk_raw *)disk)->fd;
}

/* preadv/pwritev the whole of iov at file offset off, resuming after short transfers. */
static int raw_transfer(int fd, struct iovec *iov, unsigned int n, uint64_t off, bool write)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(fd, iov, (int)n, (off_t)off)
				  : preadv(fd, iov, (int)n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the image shrank under us */
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

static int raw_read(struct disk *disk, struct iovec *iov, unsigned int n, uint64_t off)
{
	return raw_transfer(raw_fd(disk), iov, n, off, false);
}

static int raw_write(struct disk *disk, struct iovec *iov, unsigned int n, uint64_t off)
{
	return raw_transfer(raw_fd(disk), iov, n, off, true);
}

static int raw_flush(struct disk *disk)
{
	return fdatasync(raw_fd(disk)) < 0 ? -errno : 0;
}

static int raw_discard(struct disk *disk, uint64_t off, uint64_t len)
{
	/* KEEP_SIZE: the disk does not shrink; the hole reads back as zeros. */
	if (fallocate(raw_fd(disk), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)len) < 0)
		return errno == ENOSYS ? -EOPNOTSUPP : -errno;
	return 0;
}

static void raw_close(struct disk *disk)
{
	close(raw_fd(disk));
	free(disk);
}

static const struct disk_ops raw_ops = {
	.read = raw_read,
	.write = raw_write,
	.flush = raw_flush,
	.discard = raw_discard,
	.close = raw_close,
};

/* NULL for a usable image type, else what it is, for the message. */
static const char *unusable_type(mode_t mode)
{
	if (S_ISREG(mode) || S_ISBLK(mode))
		return NULL;
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	return "not a regular file";
}

/* The image's size in bytes: the end of a file or of a block device. */
static int raw_size(int fd, const char *path, uint64_t *size)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0) {
		int err = -errno;
		log_error("cannot get the size of disk image '%s': %s", path, strerror(errno));
		return err;
	}
	*size = (uint64_t)end;
	return 0;
}

/* Checks on an open image: its type (again: it may have been swapped), its lock, its size. */
static int raw_check(int fd, const char *path, bool read_only, uint64_t *size)
{
	struct stat st;
	const char *bad;

	if (fstat(fd, &st) < 0) {
		int err = -errno;
		log_error("cannot stat disk image '%s': %s", path, strerror(errno));
		return err;
	}
	bad = unusable_type(st.st_mode);
	if (bad) {
		log_error("disk image '%s' is %s, not a regular file or block device", path, bad);
		return -EINVAL;
	}
	/* Shared lock for read-only use, exclusive for writing: two writers would corrupt it. */
	if (flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		int err = -errno;
		log_error(
			"disk image '%s' is locked by another user (another monitor, or given twice): %s",
			path, strerror(errno));
		return err;
	}
	/* O_NONBLOCK only guarded the open; file I/O should not see it. */
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		int err = -errno;
		log_error("disk image '%s': fcntl: %s", path, strerror(errno));
		return err;
	}
	return raw_size(fd, path, size);
}

int disk_raw_open(struct disk **out, const char *path, bool read_only)
{
	struct stat st;
	const char *bad;
	uint64_t size = 0;
	int err;

	/*
	 * Look before opening: opening a FIFO can block until a writer comes,
	 * and opening some character devices has side effects (a tape
	 * rewinds). O_NONBLOCK below covers the race of a file swapped
	 * between the stat and the open.
	 */
	if (stat(path, &st) < 0) {
		err = -errno;
		log_error("cannot open disk image '%s': %s", path, strerror(errno));
		return err;
	}
	bad = unusable_type(st.st_mode);
	if (bad) {
		log_error("disk image '%s' is %s, not a regular file or block device", path, bad);
		return -EINVAL;
	}
	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		log_error("cannot open disk image '%s': %s", path, strerror(errno));
		return err;
	}
	err = raw_check(fd, path, read_only, &size);
	if (err) {
		close(fd);
		return err;
	}
	struct disk_raw *raw = calloc(1, sizeof(*raw));
	if (!raw) {
		close(fd);
		return -ENOMEM;
	}
	raw->disk.ops = &raw_ops;
	raw->disk.size = size;
	raw->disk.read_only = read_only;
	raw->fd = fd;
	*out = &raw->disk;
	return 0;
}
