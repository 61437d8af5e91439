// SPDX-License-Identifier: MIT
/*
 * virtio-blk request handling (devices/virtio/virtio_blk.c) against a temporary
 * image file (the raw backend): reads, writes, flush, GET_ID, and the error
 * statuses for out-of-range, read-only, misdirected and unsupported requests;
 * then over an in-memory backend that fails on demand: a host error is the
 * guest's VIRTIO_BLK_S_IOERR, and the device keeps working.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmini/virtio_blk.h"
#include "virtio_test.h"
#include "unit_run.h"

#define SECTORS	   64
#define HDR_GPA	   (VT_DATA_GPA)
#define STATUS_GPA (VT_DATA_GPA + 0x100)
#define BUF_GPA	   (VT_DATA_GPA + 0x1000)
#define TABLE_GPA  (VT_DATA_GPA + 0x800)

static struct guest_mem mem;
static struct vt_irq irq;
static struct vt_ring ring;
static struct virtio_blk *blk;
static struct virtio_mmio *vmio;
static char path[64];
static int fd; /* our own view of the image */
static uint16_t next_desc;

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 512);
}

static void make_image(void)
{
	uint8_t sector[512];

	strcpy(path, "/tmp/kvmini-test-blk-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (uint64_t s = 0; s < SECTORS; s++) {
		for (int i = 0; i < 512; i++)
			sector[i] = pattern(s * 512 + i);
		ck_assert_int_eq(pwrite(fd, sector, 512, (off_t)(s * 512)), 512);
	}
}

/* Negotiate (FLUSH, and RO on a read-only disk) and start queue 0 on ring. */
static void start_device(bool read_only)
{
	vmio = virtio_blk_mmio(blk);
	uint64_t features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_INDIRECT_DESC) |
			    (1ULL << VIRTIO_BLK_F_FLUSH);
	if (read_only)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	ck_assert(vt_negotiate(vmio, features) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, 0, &ring);
	vt_driver_ok(vmio);
	ck_assert(!vt_needs_reset(vmio));
}

static void open_device(bool read_only)
{
	struct disk *disk;

	ck_assert_int_eq(disk_raw_open(&disk, path, read_only), 0);
	ck_assert_int_eq(virtio_blk_create(&blk, disk, "kvmini-disk0", &mem, &irq.line), 0);
	start_device(read_only);
}

static void setup_common(void)
{
	vt_mem_init(&mem);
	vt_irq_init(&irq);
	vt_ring_init(&ring, &mem, 16, VT_RING_GPA);
	make_image();
	next_desc = 0;
}

static void setup(void)
{
	setup_common();
	open_device(false);
}

static void setup_ro(void)
{
	setup_common();
	open_device(true);
}

static void teardown(void)
{
	virtio_blk_destroy(blk);
	close(fd);
	unlink(path);
	vt_mem_free(&mem);
}

/* Build a descriptor (ring slots are handed out in order) and return its index. */
static uint16_t desc(uint64_t addr, uint32_t len, uint16_t flags)
{
	uint16_t i = next_desc++ % ring.num;
	vt_desc(&ring, i, addr, len, flags, (uint16_t)((i + 1) % ring.num));
	return i;
}

static void write_hdr(uint32_t type, uint64_t sector)
{
	struct virtio_blk_req_hdr *h = vt_ptr(&mem, HDR_GPA);
	h->type = type;
	h->reserved = 0;
	h->sector = sector;
}

/* Make the chain at head available, kick, and return the status byte. */
static uint8_t submit(uint16_t head, uint32_t *used_len)
{
	uint16_t before = vt_used(&ring)->idx;
	*(uint8_t *)vt_ptr(&mem, STATUS_GPA) = 0xee;
	vt_avail_add(&ring, head);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, (uint16_t)(before + 1));
	struct virtq_used_elem *e = &vt_used(&ring)->ring[before % ring.num];
	ck_assert_uint_eq(e->id, head);
	if (used_len)
		*used_len = e->len;
	return *(uint8_t *)vt_ptr(&mem, STATUS_GPA);
}

/* The usual three-descriptor request: header, data (if any), status. */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool data_writable,
		       uint32_t *used_len)
{
	write_hdr(type, sector);
	uint16_t head = desc(HDR_GPA, 16, VIRTQ_DESC_F_NEXT);
	if (len)
		desc(BUF_GPA, len, VIRTQ_DESC_F_NEXT | (data_writable ? VIRTQ_DESC_F_WRITE : 0));
	desc(STATUS_GPA, 1, VIRTQ_DESC_F_WRITE);
	return submit(head, used_len);
}

static bool file_matches_pattern(uint64_t off, uint64_t len)
{
	uint8_t b;
	for (uint64_t i = 0; i < len; i++) {
		ck_assert_int_eq(pread(fd, &b, 1, (off_t)(off + i)), 1);
		if (b != pattern(off + i))
			return false;
	}
	return true;
}

START_TEST(test_config_and_features)
{
	uint8_t cfg[8];
	vmio->dev.ops->read(&vmio->dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY, cfg, 8);
	ck_assert_uint_eq(device_load_le(cfg, 8), SECTORS);
	vmio->dev.ops->read(&vmio->dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_SEG_MAX, cfg, 4);
	ck_assert_uint_eq(device_load_le(cfg, 4), VIRTIO_BLK_SEG_MAX);

	vt_wr(vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t f = vt_rd(vmio, VIRTIO_MMIO_DEVICE_FEATURES);
	ck_assert(f & (1u << VIRTIO_BLK_F_FLUSH));
	ck_assert(f & (1u << VIRTIO_BLK_F_SEG_MAX));
	ck_assert(!(f & (1u << VIRTIO_BLK_F_RO)));
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
}
END_TEST

START_TEST(test_read)
{
	uint32_t used;
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 3, 1024, true, &used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1025);
	uint8_t *buf = vt_ptr(&mem, BUF_GPA);
	for (int i = 0; i < 1024; i++)
		ck_assert_uint_eq(buf[i], pattern(3 * 512 + i));
	ck_assert_int_eq(irq.pulses, 1);
}
END_TEST

START_TEST(test_write)
{
	uint8_t *buf = vt_ptr(&mem, BUF_GPA), back[512];
	memset(buf, 0x5a, 512);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 5, 512, false, NULL), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(pread(fd, back, 512, 5 * 512), 512);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(back[i], 0x5a);
	ck_assert(file_matches_pattern(4 * 512, 512));
	ck_assert(file_matches_pattern(6 * 512, 512));
}
END_TEST

START_TEST(test_any_layout)
{
	/* Header in two pieces, data in two pieces, data and status sharing a descriptor. */
	uint8_t *buf = vt_ptr(&mem, BUF_GPA);
	write_hdr(VIRTIO_BLK_T_IN, 1);
	uint16_t head = desc(HDR_GPA, 8, VIRTQ_DESC_F_NEXT);
	desc(HDR_GPA + 8, 8, VIRTQ_DESC_F_NEXT);
	desc(BUF_GPA, 100, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	desc(BUF_GPA + 100, 413, VIRTQ_DESC_F_WRITE); /* 412 data bytes + status */
	vt_avail_add(&ring, head);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 1);
	ck_assert_uint_eq(buf[512], VIRTIO_BLK_S_OK);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(buf[i], pattern(512 + i));
}
END_TEST

START_TEST(test_indirect_request)
{
	write_hdr(VIRTIO_BLK_T_IN, 7);
	vt_indirect_desc(&mem, TABLE_GPA, 0, HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	vt_indirect_desc(&mem, TABLE_GPA, 1, BUF_GPA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
			 2);
	vt_indirect_desc(&mem, TABLE_GPA, 2, STATUS_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	uint16_t head = desc(TABLE_GPA, 48, VIRTQ_DESC_F_INDIRECT);
	ck_assert_uint_eq(submit(head, NULL), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(((uint8_t *)vt_ptr(&mem, BUF_GPA))[9], pattern(7 * 512 + 9));
}
END_TEST

START_TEST(test_flush)
{
	uint32_t used;
	ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, false, &used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1);
	ck_assert_int_eq(virtio_blk_flush(blk), 0);
}
END_TEST

START_TEST(test_get_id)
{
	uint8_t *buf = vt_ptr(&mem, BUF_GPA);
	memset(buf, 0xcc, 64);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_GET_ID, 0, 20, true, NULL), VIRTIO_BLK_S_OK);
	ck_assert_str_eq((char *)buf, "kvmini-disk0");
	for (int i = 12; i < 20; i++)
		ck_assert_uint_eq(buf[i], 0); /* NUL padding */
	ck_assert_uint_eq(buf[20], 0xcc);     /* nothing beyond the buffer */
}
END_TEST

START_TEST(test_out_of_range)
{
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, SECTORS, 512, true, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, SECTORS - 1, 1024, true, NULL),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, SECTORS - 1, 1024, false, NULL),
			  VIRTIO_BLK_S_IOERR);
	/* sector * 512 overflows 64 bits. */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 1ULL << 56, 512, true, NULL),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, UINT64_MAX, 512, false, NULL),
			  VIRTIO_BLK_S_IOERR);
	/* The last sector is in range. */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, SECTORS - 1, 512, true, NULL), VIRTIO_BLK_S_OK);
	ck_assert(file_matches_pattern(0, SECTORS * 512));
}
END_TEST

START_TEST(test_partial_sector)
{
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, 100, true, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, 700, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert(file_matches_pattern(0, 1024));
}
END_TEST

START_TEST(test_failed_read_clears_data)
{
	uint32_t used;
	uint8_t *buf = vt_ptr(&mem, BUF_GPA);
	memset(buf, 0xcc, 512);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, SECTORS + 1, 512, true, &used),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(used, 513);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(buf[i], 0);
}
END_TEST

START_TEST(test_unsupported)
{
	ck_assert_uint_eq(request(11 /* DISCARD, not offered */, 0, 0, false, NULL),
			  VIRTIO_BLK_S_UNSUPP);
	ck_assert_uint_eq(request(0x12345, 0, 512, true, NULL), VIRTIO_BLK_S_UNSUPP);
}
END_TEST

START_TEST(test_read_into_readonly_buffer)
{
	/* IN whose data buffer is device-readable: the device must not write it. */
	uint8_t *buf = vt_ptr(&mem, BUF_GPA);
	memset(buf, 0xcc, 512);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, 512, false, NULL), VIRTIO_BLK_S_IOERR);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(buf[i], 0xcc);
	ck_assert(!vt_needs_reset(vmio));
}
END_TEST

START_TEST(test_write_from_writable_buffer)
{
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, 512, true, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert(file_matches_pattern(0, 512));
}
END_TEST

START_TEST(test_missing_status_needs_reset)
{
	write_hdr(VIRTIO_BLK_T_IN, 0);
	uint16_t head = desc(HDR_GPA, 16, VIRTQ_DESC_F_NEXT);
	desc(BUF_GPA, 512, 0); /* no writable byte at all */
	vt_avail_add(&ring, head);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert(vt_needs_reset(vmio));
	ck_assert_uint_eq(vt_used(&ring)->idx, 0);
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG,
			  VIRTIO_MMIO_INT_CONFIG);
}
END_TEST

START_TEST(test_short_header_needs_reset)
{
	uint16_t head = desc(HDR_GPA, 8, VIRTQ_DESC_F_NEXT);
	desc(STATUS_GPA, 1, VIRTQ_DESC_F_WRITE);
	vt_avail_add(&ring, head);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert(vt_needs_reset(vmio));
}
END_TEST

START_TEST(test_zero_length_chain_needs_reset)
{
	uint16_t head = desc(HDR_GPA, 0, 0);
	vt_avail_add(&ring, head);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert(vt_needs_reset(vmio));
	/* A reset and a fresh start bring the disk back. */
	vt_ring_init(&ring, &mem, 16, VT_RING_GPA);
	memset(vt_ptr(&mem, VT_RING_GPA), 0, 0x1000);
	uint64_t features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_BLK_F_FLUSH);
	ck_assert(vt_negotiate(vmio, features) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, 0, &ring);
	vt_driver_ok(vmio);
	ck_assert(!vt_needs_reset(vmio));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, 512, true, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(test_batch_one_interrupt)
{
	for (int i = 0; i < 3; i++) {
		write_hdr(VIRTIO_BLK_T_FLUSH, 0);
		uint16_t head = desc(HDR_GPA, 16, VIRTQ_DESC_F_NEXT);
		desc(STATUS_GPA + 1 + i, 1, VIRTQ_DESC_F_WRITE);
		vt_avail_add(&ring, head);
	}
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 3);
	ck_assert_int_eq(irq.pulses, 1);
}
END_TEST

START_TEST(test_read_only_disk)
{
	vt_wr(vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert(vt_rd(vmio, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO));
	memset(vt_ptr(&mem, BUF_GPA), 0x77, 512);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 2, 512, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert(file_matches_pattern(2 * 512, 512));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 2, 512, true, NULL), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, false, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

/* ---- creating devices ---------------------------------------------------- */

START_TEST(test_open_errors)
{
	struct virtio_blk *b = NULL;
	struct disk *d = NULL;
	struct guest_mem m = {0};
	char name[64];

	ck_assert_int_eq(disk_raw_open(&d, "/nonexistent/disk.img", false), -ENOENT);

	/* A size that is not whole sectors: the backend opens it, the device refuses it. */
	strcpy(name, "/tmp/kvmini-test-odd-XXXXXX");
	int f = mkstemp(name);
	ck_assert_int_ge(f, 0);
	ck_assert_int_eq(ftruncate(f, 1000), 0);
	ck_assert_int_eq(disk_raw_open(&d, name, false), 0);
	ck_assert_int_eq(virtio_blk_create(&b, d, "x", &m, NULL), -EINVAL);
	disk_close(d); /* still ours after a failed create */

	/* Capacity in config space: 4096 bytes are 8 sectors. */
	ck_assert_int_eq(ftruncate(f, 4096), 0);
	ck_assert_int_eq(disk_raw_open(&d, name, false), 0);
	ck_assert_int_eq(virtio_blk_create(&b, d, "x", &m, NULL), 0);
	uint8_t cfg[8];
	struct virtio_mmio *v = virtio_blk_mmio(b);
	v->dev.ops->read(&v->dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY, cfg, 8);
	ck_assert_uint_eq(device_load_le(cfg, 8), 8);
	virtio_blk_destroy(b);
	close(f);
	unlink(name);
}
END_TEST

/* ---- over a backend that fails on demand --------------------------------- */

/* An in-memory disk whose next writes (or flushes) fail with a chosen errno. */
struct mem_disk {
	struct disk disk;
	uint8_t bytes[SECTORS * 512];
	int write_errno; /* non-zero: writes fail with -write_errno */
	int flush_errno;
	int writes, flushes; /* calls that reached the backend */
};

static struct mem_disk *memdisk;

static int mem_rw(struct disk *d, struct iovec *iov, unsigned int n, uint64_t off, bool write)
{
	struct mem_disk *md = (struct mem_disk *)d;

	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_le(off + iov[i].iov_len, sizeof(md->bytes));
		if (write)
			memcpy(md->bytes + off, iov[i].iov_base, iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, md->bytes + off, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return 0;
}

static int mem_read(struct disk *d, struct iovec *iov, unsigned int n, uint64_t off)
{
	return mem_rw(d, iov, n, off, false);
}

static int mem_write(struct disk *d, struct iovec *iov, unsigned int n, uint64_t off)
{
	struct mem_disk *md = (struct mem_disk *)d;

	md->writes++;
	if (md->write_errno)
		return -md->write_errno;
	return mem_rw(d, iov, n, off, true);
}

static int mem_flush(struct disk *d)
{
	struct mem_disk *md = (struct mem_disk *)d;

	md->flushes++;
	return md->flush_errno ? -md->flush_errno : 0;
}

static void mem_close(struct disk *d)
{
	free(d);
}

static const struct disk_ops mem_ops = {
	.read = mem_read,
	.write = mem_write,
	.flush = mem_flush,
	.close = mem_close,
};

static void setup_mem(void)
{
	vt_mem_init(&mem);
	vt_irq_init(&irq);
	vt_ring_init(&ring, &mem, 16, VT_RING_GPA);
	next_desc = 0;
	memdisk = calloc(1, sizeof(*memdisk));
	ck_assert_ptr_nonnull(memdisk);
	memdisk->disk.ops = &mem_ops;
	memdisk->disk.size = sizeof(memdisk->bytes);
	for (uint64_t i = 0; i < sizeof(memdisk->bytes); i++)
		memdisk->bytes[i] = pattern(i);
	ck_assert_int_eq(virtio_blk_create(&blk, &memdisk->disk, "mem", &mem, &irq.line), 0);
	start_device(false);
}

static void teardown_mem(void)
{
	virtio_blk_destroy(blk); /* closes (frees) memdisk */
	vt_mem_free(&mem);
}

START_TEST(test_write_enospc_is_ioerr)
{
	uint8_t *buf = vt_ptr(&mem, BUF_GPA);
	uint32_t used;

	memset(buf, 0x42, 512);
	memdisk->write_errno = ENOSPC;
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 4, 512, false, &used), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(used, 1);
	ck_assert_int_eq(memdisk->writes, 1);
	ck_assert_uint_eq(memdisk->bytes[4 * 512], pattern(4 * 512));
	ck_assert(!vt_needs_reset(vmio));
	ck_assert_int_eq(irq.pulses, 1); /* the failed request completed like any other */

	/* The host has room again: the same device serves the next requests. */
	memdisk->write_errno = 0;
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 4, 512, false, NULL), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(memdisk->bytes[4 * 512], 0x42);
	memset(buf, 0, 512);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 4, 512, true, NULL), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(buf[511], 0x42);
	ck_assert(!vt_needs_reset(vmio));
}
END_TEST

START_TEST(test_flush_eio_is_ioerr)
{
	memdisk->flush_errno = EIO;
	ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(virtio_blk_flush(blk), -EIO);
	memdisk->flush_errno = 0;
	ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, false, NULL), VIRTIO_BLK_S_OK);
	ck_assert(!vt_needs_reset(vmio));
}
END_TEST

START_TEST(test_write_through_without_flush_feature)
{
	/* Section 5.2.5: without VIRTIO_BLK_F_FLUSH every write is flushed before it completes. */
	vt_ring_init(&ring, &mem, 16, VT_RING_GPA);
	memset(vt_ptr(&mem, VT_RING_GPA), 0, 0x1000);
	ck_assert(vt_negotiate(vmio, 1ULL << VIRTIO_F_VERSION_1) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, 0, &ring);
	vt_driver_ok(vmio);
	int before = memdisk->flushes;
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 1, 512, false, NULL), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(memdisk->flushes, before + 1);
	/* A write whose flush fails did not reach stable storage: IOERR. */
	memdisk->flush_errno = EIO;
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 1, 512, false, NULL), VIRTIO_BLK_S_IOERR);
}
END_TEST

static Suite *virtio_blk_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *rw = tcase_create("read-write");
	TCase *ro = tcase_create("read-only");
	TCase *op = tcase_create("open");
	TCase *mem_tc = tcase_create("failing backend");

	tcase_add_checked_fixture(rw, setup, teardown);
	tcase_add_test(rw, test_config_and_features);
	tcase_add_test(rw, test_read);
	tcase_add_test(rw, test_write);
	tcase_add_test(rw, test_any_layout);
	tcase_add_test(rw, test_indirect_request);
	tcase_add_test(rw, test_flush);
	tcase_add_test(rw, test_get_id);
	tcase_add_test(rw, test_out_of_range);
	tcase_add_test(rw, test_partial_sector);
	tcase_add_test(rw, test_failed_read_clears_data);
	tcase_add_test(rw, test_unsupported);
	tcase_add_test(rw, test_read_into_readonly_buffer);
	tcase_add_test(rw, test_write_from_writable_buffer);
	tcase_add_test(rw, test_missing_status_needs_reset);
	tcase_add_test(rw, test_short_header_needs_reset);
	tcase_add_test(rw, test_zero_length_chain_needs_reset);
	tcase_add_test(rw, test_batch_one_interrupt);
	suite_add_tcase(s, rw);

	tcase_add_checked_fixture(ro, setup_ro, teardown);
	tcase_add_test(ro, test_read_only_disk);
	suite_add_tcase(s, ro);

	tcase_add_test(op, test_open_errors);
	suite_add_tcase(s, op);

	tcase_add_checked_fixture(mem_tc, setup_mem, teardown_mem);
	tcase_add_test(mem_tc, test_write_enospc_is_ioerr);
	tcase_add_test(mem_tc, test_flush_eio_is_ioerr);
	tcase_add_test(mem_tc, test_write_through_without_flush_feature);
	suite_add_tcase(s, mem_tc);
	return s;
}

int main(void)
{
	return unit_run(virtio_blk_suite());
}
