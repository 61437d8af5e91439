// SPDX-License-Identifier: MIT
/*
 * virtio-blk (virtio 1.2 section 5.2) on a disk backend (kvmini/disk.h).
 *
 * A request is one descriptor chain (section 5.2.6):
 *   device-readable:  struct virtio_blk_req_hdr (16 bytes), then for OUT the data
 *   device-writable:  for IN and GET_ID the data, then one status byte
 * With VIRTIO_F_VERSION_1 the framing is free (section 2.7.4.3: any layout),
 * so the header and the data may be split over descriptors in any way; only
 * byte positions inside the readable and writable parts matter.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmini/device_state.h"
#include "kvmini/log.h"
#include "kvmini/virtio_blk.h"

#define CONFIG_SIZE 64 /* through the write-zeroes fields of section 5.2.4; unused ones read 0 */

struct virtio_blk {
	struct virtio_mmio vmio;
	struct disk *disk; /* owned: closed by virtio_blk_destroy() */
	uint64_t sectors;
	char serial[VIRTIO_BLK_ID_BYTES];
	uint8_t config[CONFIG_SIZE];
	bool logged_io_error;
	struct iovec iov[VIRTQ_CHAIN_MAX]; /* the data of the request being served */
};

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
	return blk_io_status(blk, disk_read(blk->disk, blk->iov, n, sector * 512), "read");
}

static uint8_t blk_write(struct virtio_blk *blk, const struct virtq_chain *c, uint64_t sector,
			 uint64_t len)
{
	/* Section 5.2.6.2: on a read-only device a write fails and writes nothing. */
	if (blk->disk->read_only || c->write_len != 1 || !blk_range_ok(blk, sector, len))
		return VIRTIO_BLK_S_IOERR;
	unsigned int n = virtq_chain_slice(c, false, sizeof(struct virtio_blk_req_hdr), len,
					   blk->iov, VIRTQ_CHAIN_MAX);
	int err = disk_write(blk->disk, blk->iov, n, sector * 512);
	/*
	 * Section 5.2.5: a driver that did not negotiate VIRTIO_BLK_F_FLUSH
	 * gets a write-through device, so make the write durable now.
	 */
	if (!err && !(blk->vmio.driver_features & (1ULL << VIRTIO_BLK_F_FLUSH)))
		err = disk_flush(blk->disk);
	return blk_io_status(blk, err, "write");
}

static uint8_t blk_flush_disk(struct virtio_blk *blk)
{
	return blk_io_status(blk, disk_flush(blk->disk), "flush");
}

/*
 * Serve one request (a virtio_serve_fn). Returns the number of writable
 * bytes produced (the used length), or VIRTIO_SERVE_BROKEN when the chain is
 * not a request at all (no header, no status byte): then there is nowhere to
 * put a status and the device needs a reset, as for a broken ring.
 */
static int64_t blk_serve(void *opaque, const struct virtq_chain *c, bool *stop)
{
	struct virtio_blk *blk = opaque;
	struct virtio_blk_req_hdr hdr;
	uint8_t status;

	(void)stop;
	if (c->read_len < sizeof(hdr) || c->write_len < 1)
		return VIRTIO_SERVE_BROKEN;
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
		status = blk_flush_disk(blk);
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

static bool blk_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	return virtio_mmio_serve_queue(vmio, q, blk_serve, vmio->priv, VIRTIO_MMIO_BUDGET);
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

int virtio_blk_create(struct virtio_blk **out, struct disk *disk, const char *serial,
		      const struct guest_mem *mem, struct irq_line *irq)
{
	uint64_t features;

	/* A partial last sector could be neither read nor written whole: refuse, do not guess. */
	if (disk_size(disk) % VIRTIO_BLK_SECTOR_SIZE) {
		log_error(
			"virtio-blk: a disk of %llu bytes is not a whole number of 512-byte sectors",
			(unsigned long long)disk_size(disk));
		return -EINVAL;
	}
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	if (!blk)
		return -ENOMEM;
	blk->disk = disk;
	blk->sectors = disk_size(disk) / VIRTIO_BLK_SECTOR_SIZE;
	if (serial)
		memcpy(blk->serial, serial, strnlen(serial, sizeof(blk->serial)));

	device_store_le(blk->config + VIRTIO_BLK_CFG_CAPACITY, 8, blk->sectors);
	device_store_le(blk->config + VIRTIO_BLK_CFG_SEG_MAX, 4, VIRTIO_BLK_SEG_MAX);
	device_store_le(blk->config + VIRTIO_BLK_CFG_BLK_SIZE, 4, VIRTIO_BLK_SECTOR_SIZE);
	features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		   (1ULL << VIRTIO_BLK_F_FLUSH);
	if (disk->read_only)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	virtio_mmio_init(&blk->vmio, "virtio-blk", &blk_ops, blk, features, mem, irq);
	*out = blk;
	return 0;
}

struct virtio_mmio *virtio_blk_mmio(struct virtio_blk *blk)
{
	return &blk->vmio;
}

int virtio_blk_flush(struct virtio_blk *blk)
{
	pthread_mutex_lock(&blk->vmio.dev.lock);
	int err = disk_flush(blk->disk);
	pthread_mutex_unlock(&blk->vmio.dev.lock);
	if (err)
		log_error("virtio-blk: flushing the disk failed: %s", strerror(-err));
	return err;
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	if (!blk)
		return;
	disk_close(blk->disk);
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
