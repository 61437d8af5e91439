/* SPDX-License-Identifier: MIT */
/*
 * virtio_hostile: a guest that breaks the virtio rules on purpose. For each
 * broken ring or request, the monitor must survive, and the device must
 * react as virtio 1.2 says: set DEVICE_NEEDS_RESET (section 2.1.2) with a
 * configuration change interrupt once DRIVER_OK is set, answer with an error
 * status, refuse a setting, or ignore the request. A case PASSes only if the
 * reaction is right AND, after a reset (section 2.4), the device serves a
 * good request again.
 *
 * Run with: --disk IMG --rng (tests/integration/virtio-hostile.sh).
 */
#include <stdint.h>
#include <string.h>

#include <abi/kvmini_abi.h>

#include "io.h"
#include "irq.h"
#include "printf.h"
#include "report.h"
#include "virtio.h"

#define NUM	   8
#define NO_RAM	   0x8000000000ULL /* 512 GiB: never RAM for this test */
#define WAIT_MS	   1000
#define QUIET_MS   50 /* how long "nothing happens" is watched for */
#define F_VERSION  (1ULL << VIRTIO_F_VERSION_1)
#define F_INDIRECT (1ULL << VIRTIO_F_INDIRECT_DESC)

static struct virtio_dev blk, rng;
static struct virtqueue vq;
static uint8_t ring[VIRTQ_RING_BYTES(NUM)] __attribute__((aligned(4096)));
static struct virtq_desc table[4] __attribute__((aligned(16))); /* an indirect table */
static struct virtio_blk_req_hdr hdr;
static volatile uint8_t status;
static uint8_t data[512];

/* ---- driver-side helpers that may break the rules ------------------------ */

/* Fresh device: reset, negotiate, queue 0 on ring, DRIVER_OK if asked. 0 or -1. */
static int bring_up(struct virtio_dev *dev, uint64_t features, bool driver_ok)
{
	if (virtio_init(dev, features) || virtq_setup(dev, &vq, 0, NUM, ring))
		return -1;
	if (driver_ok)
		virtio_driver_ok(dev);
	return 0;
}

static void set_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	vq.desc[i] = (struct virtq_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

/* Publish head in the available ring with avail->idx advanced by step, and kick. */
static void publish(uint16_t head, uint16_t step)
{
	vq.avail->ring[vq.avail_idx % NUM] = head;
	asm volatile("" : : : "memory");
	vq.avail_idx = (uint16_t)(vq.avail_idx + step);
	*(volatile uint16_t *)&vq.avail->idx = vq.avail_idx;
	virtq_kick(&vq);
}

/* A blk read of sector 0: header, 512-byte data buffer, status byte, at descs 0..2. */
static void good_request(uint16_t data_flags)
{
	hdr = (struct virtio_blk_req_hdr){.type = VIRTIO_BLK_T_IN, .sector = 0};
	status = 0xee;
	set_desc(0, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, (uintptr_t)data, sizeof(data), VIRTQ_DESC_F_NEXT | data_flags, 2);
	set_desc(2, (uintptr_t)&status, 1, VIRTQ_DESC_F_WRITE, 0);
}

static bool used_moved(void *arg)
{
	(void)arg;
	return *(volatile uint16_t *)&vq.used->idx != 0;
}

static bool config_irq_seen(void *arg)
{
	return ((struct virtio_dev *)arg)->isr_bits & VIRTIO_MMIO_INT_CONFIG;
}

/*
 * The device must be in DEVICE_NEEDS_RESET, have completed nothing, and,
 * if DRIVER_OK was set, have raised a configuration change interrupt.
 */
static bool needs_reset(struct virtio_dev *dev, bool after_driver_ok)
{
	if (!virtio_wait_status(dev, VIRTIO_STATUS_DEVICE_NEEDS_RESET, WAIT_MS))
		return false;
	if (*(volatile uint16_t *)&vq.used->idx != 0)
		return false;
	return !after_driver_ok || irq_wait(config_irq_seen, dev, WAIT_MS);
}

/* After a reset, a good read must work again: the device recovered. */
static bool recovers(void)
{
	if (bring_up(&blk, F_VERSION, true))
		return false;
	good_request(VIRTQ_DESC_F_WRITE);
	publish(0, 1);
	uint32_t len;
	return virtq_wait(&vq, &len, WAIT_MS) == 0 && status == VIRTIO_BLK_S_OK && len == 513;
}

static void verdict(bool reacted, const char *what, const char *reaction)
{
	bool ok = recovers();
	report(reacted && ok, "%s: %s%s", what, reacted ? reaction : "WRONG reaction",
	       ok ? ", then recovers after reset" : ", and does NOT recover after reset");
}

/* One descriptor chain the device must refuse with DEVICE_NEEDS_RESET. */
static void chain_case(const char *what, uint16_t head)
{
	publish(head, 1);
	verdict(needs_reset(&blk, true), what, "DEVICE_NEEDS_RESET + config interrupt");
}

/* ---- the cases ------------------------------------------------------------- */

static void case_loop(void)
{
	bring_up(&blk, F_VERSION, true);
	set_desc(0, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, (uintptr_t)data, sizeof(data), VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, (uintptr_t)data, sizeof(data), VIRTQ_DESC_F_NEXT, 0);
	chain_case("descriptor loop 0->1->2->0", 0);
}

static void case_self_loop(void)
{
	bring_up(&blk, F_VERSION, true);
	set_desc(5, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 5);
	chain_case("descriptor pointing at itself", 5);
}

static void case_beyond_memory(void)
{
	bring_up(&blk, F_VERSION, true);
	good_request(VIRTQ_DESC_F_WRITE);
	set_desc(1, NO_RAM, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	chain_case("data buffer at 512 GiB, beyond guest memory", 0);
}

static void case_overflow(void)
{
	bring_up(&blk, F_VERSION, true);
	good_request(VIRTQ_DESC_F_WRITE);
	set_desc(1, 0xfffffffffffff000ULL, 0x2000, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	chain_case("buffer whose address + length wraps around 2^64", 0);
}

static void case_buffer_in_mmio(void)
{
	bring_up(&blk, F_VERSION, true);
	good_request(VIRTQ_DESC_F_WRITE);
	set_desc(1, blk.base, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	chain_case("data buffer over the device's own MMIO registers", 0);
}

static void case_zero_length(void)
{
	bring_up(&blk, F_VERSION, true);
	set_desc(0, (uintptr_t)&hdr, 0, 0, 0);
	chain_case("zero-length chain (no header, no status)", 0);
}

static void case_no_status(void)
{
	bring_up(&blk, F_VERSION, true);
	good_request(VIRTQ_DESC_F_WRITE);
	set_desc(1, (uintptr_t)data, sizeof(data), 0, 0); /* ends before the status byte */
	chain_case("request without a device-writable status byte", 0);
}

static void case_readable_after_writable(void)
{
	bring_up(&blk, F_VERSION, true);
	good_request(VIRTQ_DESC_F_WRITE);
	set_desc(2, (uintptr_t)&status, 1, VIRTQ_DESC_F_NEXT, 3); /* readable after writable */
	set_desc(3, (uintptr_t)&status, 1, VIRTQ_DESC_F_WRITE, 0);
	chain_case("device-readable buffer after a device-writable one", 0);
}

static void case_next_out_of_table(void)
{
	bring_up(&blk, F_VERSION, true);
	good_request(VIRTQ_DESC_F_WRITE);
	set_desc(1, (uintptr_t)data, sizeof(data), VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, NUM + 3);
	chain_case("next index beyond the descriptor table", 0);
}

static void case_head_out_of_table(void)
{
	bring_up(&blk, F_VERSION, true);
	chain_case("available ring names head 1000 of an 8-entry table", 1000);
}

static void case_avail_jump(void)
{
	bring_up(&blk, F_VERSION, true);
	good_request(VIRTQ_DESC_F_WRITE);
	publish(0, NUM + 5);
	verdict(needs_reset(&blk, true), "available index jumps 13 ahead on an 8-entry queue",
		"DEVICE_NEEDS_RESET + config interrupt");
}

static void case_indirect_bad_length(void)
{
	bring_up(&blk, F_VERSION | F_INDIRECT, true);
	set_desc(0, (uintptr_t)table, 24, VIRTQ_DESC_F_INDIRECT, 0);
	chain_case("indirect table of 24 bytes (not a multiple of 16)", 0);
}

static void case_indirect_nested(void)
{
	bring_up(&blk, F_VERSION | F_INDIRECT, true);
	table[0] = (struct virtq_desc){
		.addr = (uintptr_t)table, .len = 32, .flags = VIRTQ_DESC_F_INDIRECT};
	set_desc(0, (uintptr_t)table, 32, VIRTQ_DESC_F_INDIRECT, 0);
	chain_case("indirect table inside an indirect table", 0);
}

static void case_indirect_not_negotiated(void)
{
	bring_up(&blk, F_VERSION, true);
	table[0] = (struct virtq_desc){
		.addr = (uintptr_t)&hdr, .len = sizeof(hdr), .flags = VIRTQ_DESC_F_NEXT, .next = 1};
	table[1] = (struct virtq_desc){
		.addr = (uintptr_t)&status, .len = 1, .flags = VIRTQ_DESC_F_WRITE};
	set_desc(0, (uintptr_t)table, 32, VIRTQ_DESC_F_INDIRECT, 0);
	chain_case("indirect descriptor without VIRTIO_F_INDIRECT_DESC", 0);
}

/* Program queue 0 by hand with the given size and ring addresses. */
static void raw_queue(uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_SEL, 0);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_NUM, num);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* A queue setting the device must refuse: QueueReady stays 0, NEEDS_RESET is set. */
static void queue_case(const char *what, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	virtio_init(&blk, F_VERSION);
	raw_queue(num, desc, avail, used);
	bool refused = virtio_read(&blk, VIRTIO_MMIO_QUEUE_READY) == 0 &&
		       (virtio_status(&blk) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	verdict(refused, what, "QueueReady refused, DEVICE_NEEDS_RESET");
}

static void queue_cases(void)
{
	uint64_t r = (uintptr_t)ring;

	queue_case("queue size 6 (not a power of 2)", 6, r, r + 0x100, r + 0x1000);
	queue_case("queue size 65536 (above QueueNumMax)", 0x10000, r, r + 0x100, r + 0x1000);
	queue_case("used ring placed over the device's own MMIO config space", NUM, r, r + 0x100,
		   blk.base + VIRTIO_MMIO_CONFIG);
	queue_case("descriptor table at 512 GiB, outside RAM", NUM, NO_RAM, r + 0x100, r + 0x1000);
	queue_case("descriptor table misaligned (8 bytes off)", NUM, r + 8, r + 0x100, r + 0x1000);
	queue_case("used ring overlapping the descriptor table", NUM, r, r + 0x100, r + 0x40);
}

static void case_notify_before_driver_ok(void)
{
	bring_up(&blk, F_VERSION, false);
	good_request(VIRTQ_DESC_F_WRITE);
	publish(0, 1);
	/* Section 2.1.2: no buffers are used before DRIVER_OK. */
	bool early = irq_wait(used_moved, NULL, QUIET_MS);
	virtio_driver_ok(&blk);
	uint32_t len;
	bool later = virtq_wait(&vq, &len, WAIT_MS) == 0 && status == VIRTIO_BLK_S_OK;
	verdict(!early && later, "notify before DRIVER_OK",
		"request not served before DRIVER_OK, served after it");
}

static void case_write_into_readonly_buffer(void)
{
	bring_up(&blk, F_VERSION, true);
	memset(data, 0xcc, sizeof(data));
	good_request(0); /* IN, but the data buffer is device-READABLE */
	publish(0, 1);
	uint32_t len;
	bool done = virtq_wait(&vq, &len, WAIT_MS) == 0;
	bool untouched = true;
	for (unsigned int i = 0; i < sizeof(data); i++)
		untouched &= data[i] == 0xcc;
	bool reacted = done && status == VIRTIO_BLK_S_IOERR && untouched &&
		       !(virtio_status(&blk) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	verdict(reacted, "read into a device-readable (read-only) buffer",
		"IOERR, buffer untouched");
}

static void case_features(void)
{
	/* virtio_init always adds VERSION_1; negotiate by hand without it. */
	virtio_reset(&blk);
	virtio_write(&blk, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_write(&blk, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_write(&blk, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	virtio_write(&blk, VIRTIO_MMIO_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	bool refused = !(virtio_status(&blk) & VIRTIO_STATUS_FEATURES_OK);
	verdict(refused, "driver without VIRTIO_F_VERSION_1", "FEATURES_OK refused");

	/* A feature the device never offered (EVENT_IDX): virtio_init masks by the offer, so by
	 * hand. */
	virtio_reset(&blk);
	virtio_write(&blk, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_write(&blk, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	virtio_write(&blk, VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_F_EVENT_IDX);
	virtio_write(&blk, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_write(&blk, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	virtio_write(&blk, VIRTIO_MMIO_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	refused = !(virtio_status(&blk) & VIRTIO_STATUS_FEATURES_OK);
	verdict(refused, "driver accepting VIRTIO_F_EVENT_IDX, which was not offered",
		"FEATURES_OK refused");
}

static void case_bad_notify_and_access(void)
{
	bring_up(&blk, F_VERSION, true);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_NOTIFY, 7);		 /* no such queue */
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffffu);	 /* nor this */
	uint64_t wide = mmio_read64(blk.base + VIRTIO_MMIO_MAGIC_VALUE); /* 64-bit: not allowed */
	mmio_write64(blk.base + VIRTIO_MMIO_STATUS, 0);			 /* ignored, no reset */
	bool ignored = !(virtio_status(&blk) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) &&
		       (virtio_status(&blk) & VIRTIO_STATUS_DRIVER_OK) && wide == 0;
	verdict(ignored, "notify of queues 7 and 2^32-1, 64-bit register accesses",
		"ignored (device still live)");
}

static void case_queue_regs_while_ready(void)
{
	bring_up(&blk, F_VERSION, true);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_SEL, 0);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_NUM, 2);
	virtio_write(&blk, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	good_request(VIRTQ_DESC_F_WRITE);
	publish(0, 1);
	uint32_t len;
	bool served = virtq_wait(&vq, &len, WAIT_MS) == 0 && status == VIRTIO_BLK_S_OK;
	verdict(served, "queue size and address rewritten while the queue is ready",
		"writes ignored, queue keeps working");
}

static void case_rng_readable_only(void)
{
	uint32_t len = 1234;

	if (virtio_find(VIRTIO_ID_RNG, 0, &rng) || bring_up(&rng, F_VERSION, true)) {
		report(false, "virtio-rng found (run with --rng)");
		return;
	}
	memset(data, 0xcc, sizeof(data));
	set_desc(0, (uintptr_t)data, sizeof(data), 0,
		 0); /* entropy into a device-READABLE buffer */
	publish(0, 1);
	bool done = virtq_wait(&vq, &len, WAIT_MS) == 0;
	bool untouched = data[0] == 0xcc && data[511] == 0xcc;
	virtio_reset(&rng);
	verdict(done && len == 0 && untouched,
		"virtio-rng request with only a device-readable buffer",
		"returned with 0 bytes, buffer untouched");
}

int main(void)
{
	if (irq_init() || virtio_find(VIRTIO_ID_BLOCK, 0, &blk) ||
	    bring_up(&blk, F_VERSION, true)) {
		report(false, "virtio-blk device found and initialised (run with --disk)");
		return report_summary();
	}
	report(recovers(), "a good request works before the abuse starts");
	case_loop();
	case_self_loop();
	case_beyond_memory();
	case_overflow();
	case_buffer_in_mmio();
	case_zero_length();
	case_no_status();
	case_readable_after_writable();
	case_next_out_of_table();
	case_head_out_of_table();
	case_avail_jump();
	case_indirect_bad_length();
	case_indirect_nested();
	case_indirect_not_negotiated();
	queue_cases();
	case_notify_before_driver_ok();
	case_write_into_readonly_buffer();
	case_features();
	case_bad_notify_and_access();
	case_queue_regs_while_ready();
	case_rng_readable_only();
	report(recovers(), "the monitor is still serving the disk after every case");
	virtio_reset(&blk);
	return report_summary();
}
