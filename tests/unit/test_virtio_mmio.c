// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio register file (devices/virtio/virtio_mmio.c) with a fake device
 * behind it: identification, feature negotiation, the status state machine
 * and reset, queue setup and its refusals, notifications and interrupts, and
 * the bounded serve loop every device uses (virtio_mmio_serve_queue).
 */
#include <check.h>

#include "abi/kvmini_abi.h"
#include "kvmini/virtio_mmio.h"
#include "virtio_test.h"
#include "unit_run.h"

#define FAKE_FEATURE_BIT 3
#define FAKE_QUEUE_MAX	 16

static struct guest_mem mem;
static struct virtio_mmio vmio;
static struct vt_irq irq;
static struct vt_ring ring;
static int notified[2];
static int resets;
static int completed;
static const uint8_t fake_config[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

static void fake_config_read(struct virtio_mmio *v, uint32_t off, uint8_t *data, uint32_t len)
{
	(void)v;
	memcpy(data, fake_config + off, len);
}

static unsigned int budget;	 /* chains per fake_notify pass */
static int64_t serve_result;	 /* what fake_serve returns */
static bool serve_stop;		 /* what fake_serve puts in *stop */
static int rearms;		 /* rearm hook calls */
static unsigned int rearm_queue; /* its last q */

/* Complete each chain with serve_result as its used length. */
static int64_t fake_serve(void *opaque, const struct virtq_chain *c, bool *stop)
{
	ck_assert_ptr_eq(opaque, &vmio);
	ck_assert_ptr_eq(c, &vmio.chain);
	*stop = serve_stop;
	if (serve_result != VIRTIO_SERVE_BROKEN)
		completed++;
	return serve_result;
}

static bool fake_notify(struct virtio_mmio *v, unsigned int q)
{
	notified[q]++;
	return virtio_mmio_serve_queue(v, q, fake_serve, v, budget);
}

static void fake_rearm(void *opaque, unsigned int q)
{
	ck_assert_ptr_eq(opaque, &vmio);
	rearms++;
	rearm_queue = q;
}

static void fake_reset(struct virtio_mmio *v)
{
	(void)v;
	resets++;
}

static const struct virtio_device_ops fake_ops = {
	.device_id = 42,
	.num_queues = 2,
	.queue_num_max = FAKE_QUEUE_MAX,
	.config_size = sizeof(fake_config),
	.config_read = fake_config_read,
	.queue_notify = fake_notify,
	.reset = fake_reset,
};

static const uint64_t good_features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << FAKE_FEATURE_BIT);

static void setup(void)
{
	vt_mem_init(&mem);
	vt_irq_init(&irq);
	virtio_mmio_init(&vmio, "fake", &fake_ops, NULL, 1ULL << FAKE_FEATURE_BIT, &mem, &irq.line);
	vt_ring_init(&ring, &mem, 8, VT_RING_GPA);
	notified[0] = notified[1] = 0;
	resets = completed = 0;
	budget = VIRTIO_MMIO_BUDGET;
	serve_result = 0;
	serve_stop = false;
	rearms = 0;
	rearm_queue = 99;
}

static void teardown(void)
{
	vt_mem_free(&mem);
}

/* A fully set-up device with queue 0 on ring. */
static void bring_up(void)
{
	ck_assert(vt_negotiate(&vmio, good_features) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(&vmio, 0, &ring);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_QUEUE_READY), 1);
	vt_driver_ok(&vmio);
	ck_assert(!vt_needs_reset(&vmio));
}

START_TEST(test_identification)
{
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_DEVICE_ID), 42);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
	ck_assert_uint_eq(vmio.dev.size, KVMINI_VIRTIO_MMIO_SIZE);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
}
END_TEST

START_TEST(test_device_features)
{
	vt_wr(&vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t lo = vt_rd(&vmio, VIRTIO_MMIO_DEVICE_FEATURES);
	vt_wr(&vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint32_t hi = vt_rd(&vmio, VIRTIO_MMIO_DEVICE_FEATURES);
	vt_wr(&vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_DEVICE_FEATURES), 0);

	ck_assert(lo & (1u << FAKE_FEATURE_BIT));
	ck_assert(lo & (1u << VIRTIO_F_INDIRECT_DESC));
	ck_assert(!(lo & (1u << VIRTIO_F_EVENT_IDX))); /* not implemented: not offered */
	ck_assert(hi & (1u << (VIRTIO_F_VERSION_1 - 32)));
}
END_TEST

START_TEST(test_features_ok_accepted)
{
	ck_assert(vt_negotiate(&vmio, good_features) & VIRTIO_STATUS_FEATURES_OK);
	ck_assert_uint_eq(vmio.driver_features, good_features);
}
END_TEST

START_TEST(test_features_ok_needs_version_1)
{
	ck_assert(!(vt_negotiate(&vmio, 1ULL << FAKE_FEATURE_BIT) & VIRTIO_STATUS_FEATURES_OK));
}
END_TEST

START_TEST(test_features_ok_refuses_unoffered)
{
	uint64_t f = good_features | (1ULL << VIRTIO_F_EVENT_IDX);
	ck_assert(!(vt_negotiate(&vmio, f) & VIRTIO_STATUS_FEATURES_OK));
}
END_TEST

START_TEST(test_features_final_after_features_ok)
{
	vt_negotiate(&vmio, good_features);
	vt_wr(&vmio, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vt_wr(&vmio, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	ck_assert_uint_eq(vmio.driver_features, good_features);
}
END_TEST

START_TEST(test_driver_ok_needs_features_ok)
{
	vt_wr(&vmio, VIRTIO_MMIO_STATUS,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	ck_assert(!(vt_rd(&vmio, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK));
}
END_TEST

START_TEST(test_reset)
{
	bring_up();
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_SEL, 1);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NUM, 3); /* not a power of 2: the device needs a reset */
	ck_assert(vt_needs_reset(&vmio));
	ck_assert_uint_ne(vt_rd(&vmio, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	resets = 0;
	vt_wr(&vmio, VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(vmio.driver_features, 0);
	ck_assert_int_eq(resets, 1);

	/* And the device works again after a fresh initialisation. */
	bring_up();
	vt_desc(&ring, 0, VT_DATA_GPA, 8, 0, 0);
	vt_avail_add(&ring, 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(completed, 1);
}
END_TEST

START_TEST(test_queue_num_max)
{
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_QUEUE_NUM_MAX), FAKE_QUEUE_MAX);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_SEL, 2);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* Writes to a queue that does not exist change nothing. */
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!vt_needs_reset(&vmio));
}
END_TEST

START_TEST(test_queue_num_not_power_of_2)
{
	vt_negotiate(&vmio, good_features);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_SEL, 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NUM, 6);
	ck_assert(vt_needs_reset(&vmio));
	ck_assert_uint_eq(vmio.queues[0].num, 0);
}
END_TEST

START_TEST(test_queue_num_above_max)
{
	vt_negotiate(&vmio, good_features);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_SEL, 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NUM, FAKE_QUEUE_MAX * 2);
	ck_assert(vt_needs_reset(&vmio));
}
END_TEST

START_TEST(test_queue_ready_bad_ring)
{
	vt_negotiate(&vmio, good_features);
	ring.used = KVMINI_VIRTIO_MMIO_BASE + VIRTIO_MMIO_CONFIG; /* over the device's own config */
	vt_queue_setup(&vmio, 0, &ring);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(vt_needs_reset(&vmio));
	/* Before DRIVER_OK there is no configuration change interrupt (section 2.1.2). */
	ck_assert_int_eq(irq.pulses, 0);
}
END_TEST

START_TEST(test_queue_regs_locked_while_ready)
{
	bring_up();
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_SEL, 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NUM, 4);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1230);
	ck_assert_uint_eq(vmio.queues[0].num, 8);
	ck_assert_uint_eq(vmio.queues[0].desc_gpa, ring.desc);
}
END_TEST

START_TEST(test_notify_before_driver_ok_deferred)
{
	vt_negotiate(&vmio, good_features);
	vt_queue_setup(&vmio, 0, &ring);
	vt_desc(&ring, 0, VT_DATA_GPA, 8, 0, 0);
	vt_avail_add(&ring, 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(notified[0], 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 0);
	/* DRIVER_OK: the device may now consume what was made available. */
	vt_driver_ok(&vmio);
	ck_assert_int_eq(completed, 1);
	ck_assert_uint_eq(vt_used(&ring)->idx, 1);
}
END_TEST

START_TEST(test_notify_bad_queue_ignored)
{
	bring_up();
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 1); /* exists but not ready */
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	ck_assert_int_eq(notified[0] + notified[1], 1); /* only the DRIVER_OK sweep of queue 0 */
}
END_TEST

START_TEST(test_used_interrupt_and_ack)
{
	bring_up();
	vt_desc(&ring, 0, VT_DATA_GPA, 8, 0, 0);
	vt_avail_add(&ring, 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(irq.pulses, 1);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vt_wr(&vmio, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	/* The driver suppressed interrupts: the chain completes silently. */
	vt_avail(&ring)->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	vt_avail_add(&ring, 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(completed, 2);
	ck_assert_int_eq(irq.pulses, 1);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(test_broken_ring_needs_reset)
{
	bring_up();
	vt_desc(&ring, 0, VT_DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 0); /* loop */
	vt_avail_add(&ring, 0);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert(vt_needs_reset(&vmio));
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(irq.pulses, 1);
	ck_assert_uint_eq(vt_used(&ring)->idx, 0);

	/* The driver cannot clear NEEDS_RESET by writing status, and kicks are ignored. */
	vt_driver_ok(&vmio);
	ck_assert(vt_needs_reset(&vmio));
	int before = notified[0];
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(notified[0], before);
}
END_TEST

START_TEST(test_narrow_register_access_ignored)
{
	uint8_t b[2] = {VIRTIO_STATUS_ACKNOWLEDGE, 0};
	uint8_t r[4] = {0xaa, 0xaa, 0xaa, 0xaa};

	vmio.dev.ops->write(&vmio.dev, VIRTIO_MMIO_STATUS, b, 1);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_STATUS), 0);
	vmio.dev.ops->read(&vmio.dev, VIRTIO_MMIO_MAGIC_VALUE, r, 2);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], 0);
	vmio.dev.ops->read(&vmio.dev, VIRTIO_MMIO_MAGIC_VALUE + 1, r, 4);
	ck_assert_uint_eq(device_load_le(r, 4), 0);
}
END_TEST

START_TEST(test_config_space)
{
	uint8_t b[8];

	vmio.dev.ops->read(&vmio.dev, VIRTIO_MMIO_CONFIG + 2, b, 2);
	ck_assert_uint_eq(b[0], 0x33);
	ck_assert_uint_eq(b[1], 0x44);
	vmio.dev.ops->read(&vmio.dev, VIRTIO_MMIO_CONFIG + 4, b, 4);
	ck_assert_uint_eq(device_load_le(b, 4), 0x88776655);
	/* Past the end of the device's config: zeros, no out-of-bounds read. */
	vmio.dev.ops->read(&vmio.dev, VIRTIO_MMIO_CONFIG + 6, b, 4);
	ck_assert_uint_eq(device_load_le(b, 4), 0);
	vmio.dev.ops->read(&vmio.dev, 0x1fc, b, 4);
	ck_assert_uint_eq(device_load_le(b, 4), 0);
}
END_TEST

/* ---- the bounded serve loop ----------------------------------------------- */

/* Make n one-descriptor chains available on queue 0 (heads 0 .. n-1). */
static void add_chains(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		vt_desc(&ring, (uint16_t)i, VT_DATA_GPA + 64 * i, 64, VIRTQ_DESC_F_WRITE, 0);
		vt_avail_add(&ring, (uint16_t)i);
	}
}

START_TEST(test_serve_budget_across_calls)
{
	bring_up();
	virtio_mmio_set_rearm(&vmio, fake_rearm, &vmio);
	budget = 3;
	serve_result = 5;
	add_chains(8);

	/* The guest's kick (an MMIO exit) serves one budget and hands the rest on. */
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 3);
	ck_assert_int_eq(rearms, 1);
	ck_assert_uint_eq(rearm_queue, 0);
	ck_assert_int_eq(irq.pulses, 1); /* completions are signalled batch by batch */

	/* What the board's I/O thread does next: further bounded passes. */
	ck_assert(virtio_mmio_kick(&vmio, 0));
	ck_assert_uint_eq(vt_used(&ring)->idx, 6);
	ck_assert_int_eq(irq.pulses, 2);
	ck_assert(!virtio_mmio_kick(&vmio, 0)); /* 2 left: done, queue empty */
	ck_assert_uint_eq(vt_used(&ring)->idx, 8);
	ck_assert_int_eq(irq.pulses, 3);
	ck_assert_int_eq(completed, 8);
	for (unsigned int i = 0; i < 8; i++) {
		ck_assert_uint_eq(vt_used(&ring)->ring[i].id, i);
		ck_assert_uint_eq(vt_used(&ring)->ring[i].len, 5);
	}

	/* An empty pass completes nothing and sends no interrupt. */
	ck_assert(!virtio_mmio_kick(&vmio, 0));
	ck_assert_int_eq(irq.pulses, 3);
	ck_assert_int_eq(rearms, 1);
}
END_TEST

START_TEST(test_serve_budget_without_rearm)
{
	bring_up();
	budget = 2;
	add_chains(5);
	/* No rearm hook: the rest waits for the next notification. */
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 2);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 4);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 5);
}
END_TEST

START_TEST(test_serve_exactly_budget)
{
	bring_up();
	virtio_mmio_set_rearm(&vmio, fake_rearm, &vmio);
	budget = 4;
	add_chains(4);
	/* The budget ran out: "maybe more", and an empty pass settles it. */
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 4);
	ck_assert_int_eq(rearms, 1);
	ck_assert(!virtio_mmio_kick(&vmio, 0));
	ck_assert_int_eq(irq.pulses, 1);
}
END_TEST

START_TEST(test_serve_stop)
{
	bring_up();
	virtio_mmio_set_rearm(&vmio, fake_rearm, &vmio);
	serve_stop = true;
	add_chains(3);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, 1); /* the device had nothing more to do */
	ck_assert_int_eq(rearms, 0);
	ck_assert_int_eq(irq.pulses, 1);
}
END_TEST

START_TEST(test_serve_broken_chain)
{
	bring_up();
	virtio_mmio_set_rearm(&vmio, fake_rearm, &vmio);
	serve_result = VIRTIO_SERVE_BROKEN;
	add_chains(2);
	vt_wr(&vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert(vt_needs_reset(&vmio));
	ck_assert_uint_eq(vt_used(&ring)->idx, 0); /* nothing pushed */
	ck_assert_int_eq(rearms, 0);
	ck_assert_uint_eq(vt_rd(&vmio, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	ck_assert(!virtio_mmio_kick(&vmio, 0)); /* ignored until reset */
}
END_TEST

static Suite *virtio_mmio_suite(void)
{
	Suite *s = suite_create("virtio_mmio");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identification);
	tcase_add_test(tc, test_device_features);
	tcase_add_test(tc, test_features_ok_accepted);
	tcase_add_test(tc, test_features_ok_needs_version_1);
	tcase_add_test(tc, test_features_ok_refuses_unoffered);
	tcase_add_test(tc, test_features_final_after_features_ok);
	tcase_add_test(tc, test_driver_ok_needs_features_ok);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_queue_num_max);
	tcase_add_test(tc, test_queue_num_not_power_of_2);
	tcase_add_test(tc, test_queue_num_above_max);
	tcase_add_test(tc, test_queue_ready_bad_ring);
	tcase_add_test(tc, test_queue_regs_locked_while_ready);
	tcase_add_test(tc, test_notify_before_driver_ok_deferred);
	tcase_add_test(tc, test_notify_bad_queue_ignored);
	tcase_add_test(tc, test_used_interrupt_and_ack);
	tcase_add_test(tc, test_broken_ring_needs_reset);
	tcase_add_test(tc, test_narrow_register_access_ignored);
	tcase_add_test(tc, test_config_space);
	tcase_add_test(tc, test_serve_budget_across_calls);
	tcase_add_test(tc, test_serve_budget_without_rearm);
	tcase_add_test(tc, test_serve_exactly_budget);
	tcase_add_test(tc, test_serve_stop);
	tcase_add_test(tc, test_serve_broken_chain);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(virtio_mmio_suite());
}
