/* SPDX-License-Identifier: MIT */
/*
 * virtio_blk: reads and writes across a disk, FLUSH, GET_ID, the error
 * statuses for out-of-range and unsupported requests, and a read-only disk.
 * Every request completes by interrupt.
 *
 * Run by tests/integration/virtio-blk.sh with two disks:
 *	--disk rw.img --disk ro.img,ro --cmdline blk-sectors=<sectors of rw.img>
 * ro.img holds "kvmini-ro\n" repeated. After the guest exits, the script
 * checks that the marker sectors written last (see write_markers) are in
 * rw.img: what was written before a completed FLUSH is on the host's disk.
 */
#include <stdint.h>
#include <string.h>

#include "bootargs.h"
#include "devicetree.h"
#include "irq.h"
#include "printf.h"
#include "report.h"
#include "virtio_blk.h"

#define CHUNK_BYTES (64 * 1024)

static struct vblk disk, ro_disk;
static uint64_t buf[CHUNK_BYTES / 8], back[CHUNK_BYTES / 8];

/* The 64-bit word i of the pattern for sector s: differs per sector and per word. */
static uint64_t pattern(uint64_t s, uint64_t i)
{
	return (s << 32 | i) * 0x9e3779b97f4a7c15ULL ^ 0x6b766d696e69ULL;
}

static void fill(uint64_t sector, uint32_t bytes)
{
	for (uint32_t i = 0; i < bytes / 8; i++)
		buf[i] = pattern(sector + i / 64, i % 64);
}

/* Index of the first word of back[] that does not match the pattern, or -1. */
static int check(uint64_t sector, uint32_t bytes)
{
	for (uint32_t i = 0; i < bytes / 8; i++)
		if (back[i] != pattern(sector + i / 64, i % 64))
			return (int)i;
	return -1;
}

static uint64_t expected_sectors(void)
{
	const char *args = dt_bootargs();
	size_t len;
	const char *v = args ? bootargs_value(args, "blk-sectors", &len) : NULL;
	uint64_t n = 0;

	for (size_t i = 0; v && i < len && v[i] >= '0' && v[i] <= '9'; i++)
		n = n * 10 + (uint64_t)(v[i] - '0');
	return n;
}

/* Write a pattern in 4 KiB pieces at sectors spread over the whole disk, read it back. */
static void test_spread(void)
{
	uint64_t cap = disk.capacity, bad = 0, failed_at = 0;
	unsigned int spots = 16;

	for (unsigned int k = 0; k < spots; k++) {
		uint64_t s = (cap - 8) * k / (spots - 1);
		fill(s, 4096);
		int w = vblk_request(&disk, VIRTIO_BLK_T_OUT, s, buf, 4096);
		memset(back, 0, 4096);
		int r = vblk_request(&disk, VIRTIO_BLK_T_IN, s, back, 4096);
		if (w != VIRTIO_BLK_S_OK || r != VIRTIO_BLK_S_OK || check(s, 4096) >= 0) {
			bad++;
			failed_at = s;
		}
	}
	report(bad == 0,
	       "4 KiB write+read at %u places from sector 0 to %lu (%lu bad, last at %lu)", spots,
	       cap - 8, bad, failed_at);
}

static void test_big_request(void)
{
	uint64_t s = disk.capacity / 3;

	fill(s, CHUNK_BYTES);
	int w = vblk_request(&disk, VIRTIO_BLK_T_OUT, s, buf, CHUNK_BYTES);
	memset(back, 0, CHUNK_BYTES);
	int r = vblk_request(&disk, VIRTIO_BLK_T_IN, s, back, CHUNK_BYTES);
	int bad = check(s, CHUNK_BYTES);
	report(w == 0 && r == 0 && bad < 0,
	       "64 KiB write and read back at sector %lu (status %d/%d, first bad word %d)", s, w,
	       r, bad);
}

static void test_errors(void)
{
	uint64_t cap = disk.capacity;
	int st;

	st = vblk_request(&disk, VIRTIO_BLK_T_IN, cap, back, 512);
	report(st == VIRTIO_BLK_S_IOERR, "read of the sector after the last is IOERR (%d)", st);
	st = vblk_request(&disk, VIRTIO_BLK_T_IN, cap - 1, back, 1024);
	report(st == VIRTIO_BLK_S_IOERR, "read across the end of the disk is IOERR (%d)", st);
	st = vblk_request(&disk, VIRTIO_BLK_T_OUT, ~0ULL >> 1, buf, 512);
	report(st == VIRTIO_BLK_S_IOERR, "write at sector 2^63-1 (offset overflows) is IOERR (%d)",
	       st);
	st = vblk_request(&disk, VIRTIO_BLK_T_IN, 0, back, 100);
	report(st == VIRTIO_BLK_S_IOERR, "read of 100 bytes (not whole sectors) is IOERR (%d)", st);
	st = vblk_request(&disk, 11 /* DISCARD: not offered */, 0, NULL, 0);
	report(st == VIRTIO_BLK_S_UNSUPP, "DISCARD (not offered) is UNSUPP (%d)", st);
	st = vblk_request(&disk, 0x7777, 0, back, 512);
	report(st == VIRTIO_BLK_S_UNSUPP, "unknown request type is UNSUPP (%d)", st);
	st = vblk_request(&disk, VIRTIO_BLK_T_IN, cap - 1, back, 512);
	report(st == VIRTIO_BLK_S_OK, "the last sector is readable (%d)", st);
}

static void test_get_id(struct vblk *b, const char *want)
{
	char id[VIRTIO_BLK_ID_BYTES + 1];

	memset(id, 0x55, sizeof(id));
	int st = vblk_request(b, VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES);
	id[VIRTIO_BLK_ID_BYTES] = '\0';
	report(st == VIRTIO_BLK_S_OK && strcmp(id, want) == 0,
	       "GET_ID is '%s' (status %d, got '%s')", want, st, id);
}

/* "kvmini-blk sector NNNNNNNNNN ok\n", 16 times: what virtio-blk.sh looks for. */
static void marker(uint64_t sector, char *out)
{
	char line[33];

	snprintf(line, sizeof(line), "kvmini-blk sector %010lu ok\n", sector);
	for (int i = 0; i < 16; i++)
		memcpy(out + 32 * i, line, 32);
}

static void write_markers(void)
{
	uint64_t sectors[3] = {2, disk.capacity / 2 + 1, disk.capacity - 1};
	int bad = 0;

	for (int i = 0; i < 3; i++) {
		marker(sectors[i], (char *)buf);
		bad += vblk_request(&disk, VIRTIO_BLK_T_OUT, sectors[i], buf, 512) != 0;
	}
	report(bad == 0, "marker sectors 2, %lu, %lu written", sectors[1], sectors[2]);
	int st = vblk_request(&disk, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	report(st == VIRTIO_BLK_S_OK, "FLUSH completes with OK (%d)", st);
}

static void test_read_only(void)
{
	if (vblk_open(&ro_disk, 1)) {
		report(false, "second (read-only) virtio-blk device found");
		return;
	}
	report(ro_disk.read_only, "the read-only disk offers VIRTIO_BLK_F_RO");
	test_get_id(&ro_disk, "kvmini-disk1");
	memset(buf, 0, 512);
	int w = vblk_request(&ro_disk, VIRTIO_BLK_T_OUT, 0, buf, 512);
	report(w == VIRTIO_BLK_S_IOERR, "a write to the read-only disk is refused with IOERR (%d)",
	       w);
	memset(back, 0, 512);
	int r = vblk_request(&ro_disk, VIRTIO_BLK_T_IN, 0, back, 512);
	report(r == 0 && memcmp(back, "kvmini-ro\nkvmini-ro\n", 20) == 0,
	       "the read-only disk still holds its data after the refused write (%d)", r);
	int f = vblk_request(&ro_disk, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	report(f == VIRTIO_BLK_S_OK, "FLUSH on the read-only disk is OK (%d)", f);
}

int main(void)
{
	if (irq_init() || vblk_open(&disk, 0)) {
		report(false, "virtio-blk device found and initialised (run with --disk)");
		return report_summary();
	}
	uint64_t want = expected_sectors();
	report(disk.capacity == want && want >= 64,
	       "capacity is %lu sectors (blk-sectors=%lu on the command line)", disk.capacity,
	       want);
	report((disk.dev.features & (1ULL << VIRTIO_BLK_F_FLUSH)) && !disk.read_only,
	       "features: FLUSH offered, not read-only (%#lx)", disk.dev.features);
	test_get_id(&disk, "kvmini-disk0");
	test_spread();
	test_big_request();
	test_errors();
	write_markers();
	uint32_t irqs = disk.dev.irq_count;
	report(irqs >= 40 && (disk.dev.isr_bits & VIRTIO_MMIO_INT_VRING),
	       "every request completed by interrupt (%u interrupts on GSI %u)", irqs,
	       disk.dev.gsi);
	test_read_only();
	return report_summary();
}
