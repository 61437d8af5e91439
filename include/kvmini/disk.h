/* SPDX-License-Identifier: MIT */
/*
 * A disk backend: where a block device model's sectors live on the host.
 *
 * virtio-blk (devices/virtio/virtio_blk.c) speaks only this interface, so the
 * device model does not know whether its bytes sit in a raw image file
 * (devices/backends/disk_raw.c), in memory (the unit tests' backend), or later
 * behind io_uring or another image format. A backend is a struct disk whose
 * ops table says how to do each operation; the disk_*() wrappers below are
 * what a device calls.
 *
 * Every operation is synchronous and returns 0 or -errno; a device turns a
 * failure into an error status for the guest (e.g. VIRTIO_BLK_S_IOERR), never
 * into a monitor exit. Offsets and lengths are in bytes. The caller checks
 * that [off, off + len) lies inside disk_size(); backends need not.
 *
 * Threads: a disk is not locked; its device model calls it under its own
 * device lock.
 */
#ifndef KVMINI_DISK_H
#define KVMINI_DISK_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct disk;

struct disk_ops {
	/*
	 * Fill iov[0 .. n) from the disk at off, or write them to it. The
	 * iovecs may be consumed (changed) on the way. All or nothing from
	 * the caller's point of view: a short transfer the backend cannot
	 * complete is an error (-EIO).
	 */
	int (*read)(struct disk *disk, struct iovec *iov, unsigned int n, uint64_t off);
	int (*write)(struct disk *disk, struct iovec *iov, unsigned int n, uint64_t off);
	/* Make every completed write durable (fdatasync for a file). */
	int (*flush)(struct disk *disk);
	/* Give back [off, off + len): it then reads as zeros. NULL: -EOPNOTSUPP. */
	int (*discard)(struct disk *disk, uint64_t off, uint64_t len);
	/* Release the backend and free disk. Does not flush. */
	void (*close)(struct disk *disk);
};

/* What every backend embeds first; the backend's own state follows it. */
struct disk {
	const struct disk_ops *ops;
	uint64_t size;	/* bytes */
	bool read_only; /* writes, flushes and discards are refused (see below) */
};

/*
 * Open the raw image at path: a regular file or a block device, used as is.
 * read_only opens it O_RDONLY and takes a shared lock, else O_RDWR and an
 * exclusive one (flock), so that two monitors cannot write one image. A
 * directory, FIFO, socket or character device is refused with a message
 * naming the file and -EINVAL, without ever blocking (a FIFO with no writer
 * would block a plain open()). Returns 0 and *out, or -errno (logged).
 */
int disk_raw_open(struct disk **out, const char *path, bool read_only);

/* Size in bytes. */
static inline uint64_t disk_size(const struct disk *disk)
{
	return disk->size;
}

/* Read [off, off + len of iov) into iov. 0 or -errno. */
static inline int disk_read(struct disk *disk, struct iovec *iov, unsigned int n, uint64_t off)
{
	return disk->ops->read(disk, iov, n, off);
}

/* Write iov at off. -EROFS on a read-only disk, without touching it. */
static inline int disk_write(struct disk *disk, struct iovec *iov, unsigned int n, uint64_t off)
{
	if (disk->read_only)
		return -EROFS;
	return disk->ops->write(disk, iov, n, off);
}

/* Make completed writes durable. A read-only disk has none: 0. */
static inline int disk_flush(struct disk *disk)
{
	if (disk->read_only)
		return 0;
	return disk->ops->flush(disk);
}

/* Discard a range (see disk_ops.discard). -EROFS read-only, -EOPNOTSUPP if unsupported. */
static inline int disk_discard(struct disk *disk, uint64_t off, uint64_t len)
{
	if (disk->read_only)
		return -EROFS;
	if (!disk->ops->discard)
		return -EOPNOTSUPP;
	return disk->ops->discard(disk, off, len);
}

/* Close the backend and free it. NULL is allowed. */
static inline void disk_close(struct disk *disk)
{
	if (disk)
		disk->ops->close(disk);
}

#endif /* KVMINI_DISK_H */
