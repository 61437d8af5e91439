// SPDX-License-Identifier: MIT
/* virtio-rng (devices/virtio/virtio_rng.c): writable buffers come back full of entropy. */
#include <check.h>

#include "kvmini/virtio_rng.h"
#include "virtio_test.h"
#include "unit_run.h"

static struct guest_mem mem;
static struct vt_irq irq;
static struct vt_ring ring;
static struct virtio_rng *rng;
static struct virtio_mmio *vmio;

static void setup(void)
{
	vt_mem_init(&mem);
	vt_irq_init(&irq);
	ck_assert_int_eq(virtio_rng_create(&rng, &mem, &irq.line), 0);
	vmio = virtio_rng_mmio(rng);
	vt_ring_init(&ring, &mem, 8, VT_RING_GPA);
	ck_assert(vt_negotiate(vmio, 1ULL << VIRTIO_F_VERSION_1) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, 0, &ring);
	vt_driver_ok(vmio);
}

static void teardown(void)
{
	virtio_rng_destroy(rng);
	vt_mem_free(&mem);
}

static uint32_t fill(uint16_t d, uint64_t gpa, uint32_t len, uint16_t flags)
{
	uint16_t before = vt_used(&ring)->idx;
	vt_desc(&ring, d, gpa, len, flags, 0);
	vt_avail_add(&ring, d);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, (uint16_t)(before + 1));
	return vt_used(&ring)->ring[before % ring.num].len;
}

START_TEST(test_entropy)
{
	uint8_t *a = vt_ptr(&mem, VT_DATA_GPA), *b = vt_ptr(&mem, VT_DATA_GPA + 0x100);

	ck_assert_uint_eq(fill(0, VT_DATA_GPA, 64, VIRTQ_DESC_F_WRITE), 64);
	ck_assert_uint_eq(fill(1, VT_DATA_GPA + 0x100, 64, VIRTQ_DESC_F_WRITE), 64);
	/* Two 64-byte draws are equal, or all zero, with probability 2^-512. */
	ck_assert(memcmp(a, b, 64) != 0);
	int nonzero = 0;
	for (int i = 0; i < 64; i++)
		nonzero += a[i] != 0;
	ck_assert_int_gt(nonzero, 0);
	ck_assert_int_eq(irq.pulses, 2);
}
END_TEST

START_TEST(test_readable_buffer_untouched)
{
	uint8_t *a = vt_ptr(&mem, VT_DATA_GPA);
	memset(a, 0xcc, 64);
	ck_assert_uint_eq(fill(0, VT_DATA_GPA, 64, 0), 0);
	for (int i = 0; i < 64; i++)
		ck_assert_uint_eq(a[i], 0xcc);
}
END_TEST

START_TEST(test_request_capped)
{
	ck_assert_uint_eq(fill(0, VT_DATA_GPA, 200000, VIRTQ_DESC_F_WRITE), VIRTIO_RNG_MAX_REQUEST);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_rng");
	TCase *tc = tcase_create("rng");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_entropy);
	tcase_add_test(tc, test_readable_buffer_untouched);
	tcase_add_test(tc, test_request_capped);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
