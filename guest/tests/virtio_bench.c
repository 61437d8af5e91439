/* SPDX-License-Identifier: MIT */
/*
 * virtio_bench: virtio-blk throughput, for tests/bench/virtio_blk_bench.sh.
 * Not part of the test suites (slow).
 *
 * Needs --disk IMG of at least 256 MiB and --boot-times: each phase starts
 * with a test-device marker, and the monitor's timestamps of the markers
 * (printed by --boot-times) time the phases. Phases, one request in flight,
 * each completion taken by interrupt:
 *	marker 10  sequential write, 256 MiB in 64 KiB requests
 *	marker 11  sequential write, 256 MiB in 1 MiB requests
 *	marker 12  sequential read, 256 MiB in 64 KiB requests
 *	marker 13  sequential read, 256 MiB in 1 MiB requests
 *	marker 14  random 4 KiB reads (RANDOM_READS of them)
 *	marker 15  end
 */
#include <stdint.h>

#include <abi/kvmini_abi.h>

#include "io.h"
#include "irq.h"
#include "printf.h"
#include "report.h"
#include "virtio_blk.h"

#define TOTAL_BYTES  (256ULL << 20)
#define RANDOM_READS 4096

static struct vblk disk;
static uint8_t buf[1 << 20] __attribute__((aligned(4096)));

static void marker(unsigned int id)
{
	outl(KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_MARKER, id);
}

/* Move TOTAL_BYTES sequentially in requests of size bytes. Returns failed requests. */
static unsigned int sequential(uint32_t type, uint32_t size)
{
	unsigned int bad = 0;

	for (uint64_t off = 0; off < TOTAL_BYTES; off += size)
		bad += vblk_request(&disk, type, off / 512, buf, size) != VIRTIO_BLK_S_OK;
	return bad;
}

static unsigned int random_reads(void)
{
	uint64_t x = 0x2545f4914f6cdd1dULL, blocks = disk.capacity / 8;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < RANDOM_READS; i++) {
		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		bad += vblk_request(&disk, VIRTIO_BLK_T_IN, (x % blocks) * 8, buf, 4096) != 0;
	}
	return bad;
}

int main(void)
{
	if (irq_init() || vblk_open(&disk, 0)) {
		report(false, "virtio-blk device found (run with --disk)");
		return report_summary();
	}
	if (disk.capacity * 512 < TOTAL_BYTES) {
		report(false, "disk holds 256 MiB (it has %lu sectors)", disk.capacity);
		return report_summary();
	}
	/* Some non-zero data; word stores, since every guest instruction may be emulated. */
	for (unsigned int i = 0; i < sizeof(buf) / 8; i += 64)
		((uint64_t *)buf)[i] = i * 0x9e3779b97f4a7c15ULL;
	marker(10);
	unsigned int bad = sequential(VIRTIO_BLK_T_OUT, 64 << 10);
	marker(11);
	bad += sequential(VIRTIO_BLK_T_OUT, 1 << 20);
	marker(12);
	bad += sequential(VIRTIO_BLK_T_IN, 64 << 10);
	marker(13);
	bad += sequential(VIRTIO_BLK_T_IN, 1 << 20);
	marker(14);
	bad += random_reads();
	marker(15);
	report(bad == 0, "all benchmark requests completed with OK (%u failed)", bad);
	report(disk.dev.irq_count > 0, "completions by interrupt (%u)", disk.dev.irq_count);
	return report_summary();
}
