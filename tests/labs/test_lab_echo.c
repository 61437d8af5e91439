// SPDX-License-Identifier: MIT
/*
 * Lab 4 check, device side (docs/labs/lab4-virtio.md): the student's
 * devices/labs/lab_echo.c on the virtio-mmio transport, driven through its
 * registers with rings in a plain buffer (tests/unit/virtio_test.h), without
 * KVM.
 */
#include <check.h>

#include "abi/kvmini_labs.h"
#include "kvmini/lab_echo.h"
#include "virtio_test.h"
#include "../unit/unit_run.h"

#define IN_GPA	VT_DATA_GPA
#define OUT_GPA (VT_DATA_GPA + 0x1000)

static struct guest_mem mem;
static struct vt_irq irq;
static struct vt_ring ring;
static struct lab_echo *echo;
static struct virtio_mmio *vmio;

static void start(uint64_t features)
{
	vt_ring_init(&ring, &mem, 8, VT_RING_GPA);
	ck_assert(vt_negotiate(vmio, (1ULL << VIRTIO_F_VERSION_1) | features) &
		  VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, 0, &ring);
	vt_driver_ok(vmio);
}

static void setup(void)
{
	vt_mem_init(&mem);
	vt_irq_init(&irq);
	ck_assert_int_eq(lab_echo_create(&echo, &mem, &irq.line), 0);
	vmio = lab_echo_mmio(echo);
}

static void teardown(void)
{
	lab_echo_destroy(echo);
	vt_mem_free(&mem);
}

/* in -> a chain (readable in, writable out_len bytes); returns the used length. */
static uint32_t request(const char *in, uint32_t out_len)
{
	uint16_t before = vt_used(&ring)->idx;
	uint32_t len = (uint32_t)strlen(in);

	memcpy(vt_ptr(&mem, IN_GPA), in, len);
	memset(vt_ptr(&mem, OUT_GPA), 0, 256);
	vt_desc(&ring, 0, IN_GPA, len, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(&ring, 1, OUT_GPA, out_len, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&ring, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, (uint16_t)(before + 1));
	ck_assert_uint_eq(vt_used(&ring)->ring[before % ring.num].id, 0);
	return vt_used(&ring)->ring[before % ring.num].len;
}

static const char *answer(void)
{
	return vt_ptr(&mem, OUT_GPA);
}

START_TEST(test_identity)
{
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_DEVICE_ID), LAB_ECHO_DEVICE_ID);
	vt_wr(vmio, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert(vt_rd(vmio, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << LAB_ECHO_F_UPPER));
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_QUEUE_NUM_MAX), LAB_ECHO_QUEUE_SIZE);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_QUEUE_NUM_MAX), 0); /* one queue only */
}
END_TEST

START_TEST(test_echo)
{
	start(0);
	ck_assert_uint_eq(request("Hello, echo!", 64), 12);
	ck_assert_str_eq(answer(), "Hello, echo!");
	ck_assert_int_eq(irq.pulses, 1);
	ck_assert(vt_rd(vmio, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
}
END_TEST

START_TEST(test_upper)
{
	start(1ULL << LAB_ECHO_F_UPPER);
	ck_assert_uint_eq(request("abc-XYZ_az{`", 64), 12);
	ck_assert_str_eq(answer(), "ABC-XYZ_AZ{`"); /* only a-z change */
}
END_TEST

START_TEST(test_short_answer)
{
	start(0);
	ck_assert_uint_eq(request("0123456789", 4), 4);
	ck_assert_str_eq(answer(), "0123"); /* and not one byte more */
}
END_TEST

START_TEST(test_bytes_echoed)
{
	start(0);
	request("12345", 64);
	request("123456789", 3);
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_CONFIG + LAB_ECHO_CFG_BYTES_ECHOED), 8);
	vt_wr(vmio, VIRTIO_MMIO_STATUS, 0); /* device reset */
	ck_assert_uint_eq(vt_rd(vmio, VIRTIO_MMIO_CONFIG + LAB_ECHO_CFG_BYTES_ECHOED), 0);
}
END_TEST

START_TEST(test_broken_chain)
{
	start(0);
	/* A buffer outside guest RAM: the transport marks the device NEEDS_RESET. */
	vt_desc(&ring, 0, VT_MEM_SIZE + 0x1000, 16, 0, 0);
	vt_avail_add(&ring, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert(vt_needs_reset(vmio));
	ck_assert_uint_eq(vt_used(&ring)->idx, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lab_echo");
	TCase *tc = tcase_create("echo");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_echo);
	tcase_add_test(tc, test_upper);
	tcase_add_test(tc, test_short_answer);
	tcase_add_test(tc, test_bytes_echoed);
	tcase_add_test(tc, test_broken_chain);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
