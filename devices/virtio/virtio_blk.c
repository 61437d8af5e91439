// SPDX-License-Identifier: MIT
/*
 * virtio-blk (virtio 1.2 section 5.2) on a raw image.
 *
 * A request is one descriptor chain (section 5.2.6):
 *   device-readable:  struct virtio_blk_req_hdr (16 bytes), then for OUT the data
 *   device-writable:  for IN and GET_ID the data, then one status byte
 * With VIRTIO_F_VERSION_1 the framing is free (section 2.7.4.3: any layout),
 * so the header and the data may be split over descriptors in any way; only
 * byte positions inside the readable and writable parts matter.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmini/device_state.h"
#include "kvmini/log.h"
#include "kvmini/virtio_blk.h"

#define CONFIG_SIZE 64 /* through the write-zeroes fields of section 5.2.4; unused ones read 0 */

struct virtio_blk {
	struct virtio_mmio vmio;
	int fd;
	bool read_only;
	uint64_t sectors;
	char serial[VIRTIO_BLK_ID_BYTES];
	uint8_t config[CONFIG_SIZE];
	bool logged_io_error;
	struct virtq_chain chain; /* the request being served (too big for the stack) */
	struct iovec iov[VIRTQ_CHAIN_MAX];
};

/* preadv/pwritev the whole of iov at file offset off, resuming after short transfers. */
static int blk_transfer(int fd, struct iovec *iov, unsigned int n, uint64_t off, bool write)
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

static uint8_t blk_io_status(struct virtio_blk *blk, int err, const char *what)
{
	if (err == 0)
		return VIRTIO_BLK_S_OK;
	log_once(&blk->logged_io_error, LOG_WARN, "virtio-blk: %s failed: %s", what,
		 strerror(-err));
	return VIRTIO_BLK_S_IOERR;
}

/* Sectors [sector, sector + len/512) lie on the disk; len is a multiple of 512. */
static bool blk_range_ok(const struct virtio_blk *blk, uint64_t sector, uint64_t len)
{
	if (len % VIRTIO_BLK_SECTOR_SIZE)
		return false;
	/* Written so that nothing overflows: sector <= sectors first. */
	return sector <= blk->sectors && len / VIRTIO_BLK_SECTOR_SIZE <= blk->sectors - sector;
}

static uint8_t blk_read(struct virtio_blk *blk, const struct virtq_chain *c, uint64_t sector,
			uint64_t len)
{
	/* The data must be device-writable: any readable byte past the header is misplaced. */
	if (c->read_len != sizeof(struct virtio_blk_req_hdr) || !blk_range_ok(blk, sector, len))
		return VIRTIO_BLK_S_IOERR;
	unsigned int n = virtq_chain_slice(c, true, 0, len, blk->iov, VIRTQ_CHAIN_MAX);
	return blk_io_status(blk, blk_transfer(blk->fd, blk->iov, n, sector * 512, false), "read");
}

static uint8_t blk_write(struct virtio_blk *blk, const struct virtq_chain *c, uint64_t sector,
			 uint64_t len)
{
	/* Section 5.2.6.2: on a read-only device a write fails and writes nothing. */
	if (blk->read_only || c->write_len != 1 || !blk_range_ok(blk, sector, len))
		return VIRTIO_BLK_S_IOERR;
	unsigned int n = virtq_chain_slice(c, false, sizeof(struct virtio_blk_req_hdr), len,
					   blk->iov, VIRTQ_CHAIN_MAX);
	int err = blk_transfer(blk->fd, blk->iov, n, sector * 512, true);
	/*
	 * Section 5.2.5: a driver that did not negotiate VIRTIO_BLK_F_FLUSH
	 * gets a write-through device, so make the write durable now.
	 */
	if (!err && !(blk->vmio.driver_features & (1ULL << VIRTIO_BLK_F_FLUSH)) &&
	    fdatasync(blk->fd) < 0)
		err = -errno;
	return blk_io_status(blk, err, "write");
}

static uint8_t blk_flush_fd(struct virtio_blk *blk)
{
	if (blk->read_only)
		return VIRTIO_BLK_S_OK;
	int err = fdatasync(blk->fd) < 0 ? -errno : 0;
	return blk_io_status(blk, err, "fdatasync");
}

/*
 * Serve one request. Returns the number of writable bytes produced (the
 * used length), or -1 when the chain is not a request at all (no header, no
 * status byte): then there is nowhere to put a status and the device needs a
 * reset, as for a broken ring.
 */
static int64_t blk_serve(struct virtio_blk *blk, const struct virtq_chain *c)
{
	struct virtio_blk_req_hdr hdr;
	uint8_t status;

	if (c->read_len < sizeof(hdr) || c->write_len < 1)
		return -1;
	virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	uint64_t data_in = c->write_len - 1; /* writable bytes before the status */
	uint64_t data_out = c->read_len - sizeof(hdr);

	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		status = blk_read(blk, c, hdr.sector, data_in);
		if (status == VIRTIO_BLK_S_OK)
			data_in = 0; /* filled by the read; nothing left to clear */
		break;
	case VIRTIO_BLK_T_OUT:
		status = blk_write(blk, c, hdr.sector, data_out);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = blk_flush_fd(blk);
		break;
	case VIRTIO_BLK_T_GET_ID: {
		/* Section 5.2.6: up to 20 bytes, NUL-padded, no terminator when 20 long. */
		uint64_t n = data_in < VIRTIO_BLK_ID_BYTES ? data_in : VIRTIO_BLK_ID_BYTES;
		virtq_chain_write(c, 0, blk->serial, n);
		virtq_chain_zero(c, n, data_in - n);
		data_in = 0;
		status = VIRTIO_BLK_S_OK;
		break;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	/*
	 * The used length must cover the status byte, the last writable byte
	 * (section 2.7.8.2: the device wrote at least len bytes), so the data
	 * area we did not fill is cleared rather than left holding stale bytes.
	 */
	virtq_chain_zero(c, 0, data_in);
	virtq_chain_write(c, c->write_len - 1, &status, 1);
	return (int64_t)c->write_len;
}

static void blk_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	struct virtio_blk *blk = vmio->priv;
	bool completed = false;

	while (virtio_mmio_pop(vmio, q, &blk->chain) > 0) {
		int64_t used = blk_serve(blk, &blk->chain);
		if (used < 0) {
			virtio_mmio_set_broken(vmio, "request without header or status byte");
			break;
		}
		virtio_mmio_push(vmio, q, blk->chain.head, (uint32_t)used);
		completed = true;
	}
	if (completed)
		virtio_mmio_notify_used(vmio, q);
}

static void blk_config_read(struct virtio_mmio *vmio, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct virtio_blk *blk = vmio->priv;

	memcpy(data, blk->config + offset, len);
}

static const struct virtio_device_ops blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.num_queues = 1,
	.queue_num_max = VIRTIO_BLK_QUEUE_SIZE,
	.config_size = CONFIG_SIZE,
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
};

/* Open and check the image; on success *fd and *bytes. */
static int blk_open(const char *path, bool read_only, int *fd, uint64_t *bytes)
{
	struct stat st;
	int err;

	*fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (*fd < 0) {
		err = -errno;
		log_error("cannot open disk image '%s': %s", path, strerror(errno));
		return err;
	}
	if (fstat(*fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		log_error("disk image '%s' is not a regular file or block device", path);
		err = -EINVAL;
		goto fail;
	}
	/* Shared lock for read-only use, exclusive for writing: two writers would corrupt it. */
	if (flock(*fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		err = -errno;
		log_error(
			"disk image '%s' is locked by another user (another monitor, or given twice): %s",
			path, strerror(errno));
		goto fail;
	}
	off_t end = lseek(*fd, 0, SEEK_END);
	if (end < 0) {
		err = -errno;
		log_error("cannot get the size of disk image '%s': %s", path, strerror(errno));
		goto fail;
	}
	/* A partial last sector could be neither read nor written whole: refuse, do not guess. */
	if (end % VIRTIO_BLK_SECTOR_SIZE) {
		log_error("disk image '%s' is %lld bytes, not a multiple of 512", path,
			  (long long)end);
		err = -EINVAL;
		goto fail;
	}
	*bytes = (uint64_t)end;
	return 0;
fail:
	close(*fd);
	*fd = -1;
	return err;
}

static void put_le(uint8_t *p, unsigned int len, uint64_t v)
{
	for (unsigned int i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int virtio_blk_create(struct virtio_blk **out, const char *path, bool read_only, const char *serial,
		      const struct guest_mem *mem, struct irq_line *irq)
{
	uint64_t bytes = 0, features;
	int fd, err;

	err = blk_open(path, read_only, &fd, &bytes);
	if (err)
		return err;
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	if (!blk) {
		close(fd);
		return -ENOMEM;
	}
	blk->fd = fd;
	blk->read_only = read_only;
	blk->sectors = bytes / VIRTIO_BLK_SECTOR_SIZE;
	if (serial)
		memcpy(blk->serial, serial, strnlen(serial, sizeof(blk->serial)));

	put_le(blk->config + VIRTIO_BLK_CFG_CAPACITY, 8, blk->sectors);
	put_le(blk->config + VIRTIO_BLK_CFG_SEG_MAX, 4, VIRTIO_BLK_SEG_MAX);
	put_le(blk->config + VIRTIO_BLK_CFG_BLK_SIZE, 4, VIRTIO_BLK_SECTOR_SIZE);
	features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		   (1ULL << VIRTIO_BLK_F_FLUSH);
	if (read_only)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	virtio_mmio_init(&blk->vmio, "virtio-blk", &blk_ops, blk, features, mem, irq);
	*out = blk;
	return 0;
}

struct virtio_mmio *virtio_blk_mmio(struct virtio_blk *blk)
{
	return &blk->vmio;
}

uint64_t virtio_blk_sectors(const struct virtio_blk *blk)
{
	return blk->sectors;
}

int virtio_blk_flush(struct virtio_blk *blk)
{
	int err = 0;

	if (blk->read_only)
		return 0;
	pthread_mutex_lock(&blk->vmio.dev.lock);
	if (fdatasync(blk->fd) < 0) {
		err = -errno;
		log_error("virtio-blk: flushing the disk image failed: %s", strerror(errno));
	}
	pthread_mutex_unlock(&blk->vmio.dev.lock);
	return err;
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	if (!blk)
		return;
	close(blk->fd);
	pthread_mutex_destroy(&blk->vmio.dev.lock);
	free(blk);
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define VIRTIO_BLK_STATE_VERSION 1

int virtio_blk_save(struct virtio_blk *blk, struct state_writer *w)
{
	pthread_mutex_lock(&blk->vmio.dev.lock);
	virtio_mmio_save(&blk->vmio, w);
	/*
	 * Requests are served synchronously, so none is in flight. The
	 * capacity is configuration, saved so that a restore onto another
	 * image, which the guest's filesystem would not survive, is refused.
	 */
	state_begin(w, STATE_KIND_VIRTIO_BLK, VIRTIO_BLK_STATE_VERSION);
	state_put_u64(w, blk->sectors);
	int err = state_end(w);
	pthread_mutex_unlock(&blk->vmio.dev.lock);
	return err;
}

int virtio_blk_load(struct virtio_blk *blk, struct state_reader *r)
{
	struct virtio_mmio_state st;
	uint32_t version;

	pthread_mutex_lock(&blk->vmio.dev.lock);
	int err = virtio_mmio_state_read(&blk->vmio, r, &st);
	if (!err)
		err = state_open(r, blk->vmio.dev.name, STATE_KIND_VIRTIO_BLK,
				 VIRTIO_BLK_STATE_VERSION, &version);
	if (!err) {
		uint64_t sectors = state_get_u64(r);
		err = state_close(r);
		if (!err && sectors != blk->sectors)
			err = state_invalid(
				r, "saved with a disk of %llu sectors, this one has %llu",
				(unsigned long long)sectors, (unsigned long long)blk->sectors);
	}
	if (!err)
		virtio_mmio_state_apply(&blk->vmio, &st);
	pthread_mutex_unlock(&blk->vmio.dev.lock);
	return err;
}
