// SPDX-License-Identifier: MIT
/*
 * Lab 2 check, device side (docs/labs/lab2-port-device.md): the student's
 * devices/labs/lab_clock.c against the register rules of
 * include/abi/kvmini_labs.h, on a fake clock, without KVM: the device is
 * called the way the bus calls it.
 */
#include <check.h>

#include "abi/kvmini_labs.h"
#include "kvmini/lab_clock.h"
#include "../unit/unit_run.h"

static uint64_t fake_ns;

static uint64_t fake_clock(void)
{
	return fake_ns;
}

static struct lab_clock clk;

static void setup(void)
{
	fake_ns = 1000; /* the device's time 0 */
	lab_clock_init(&clk, fake_clock);
}

static uint32_t rd(uint64_t off, uint32_t len)
{
	uint8_t b[4] = {0xee, 0xee, 0xee, 0xee};
	clk.dev.ops->read(&clk.dev, off, b, len);
	for (uint32_t i = len; i < 4; i++)
		ck_assert_uint_eq(b[i], 0xee); /* a read fills exactly len bytes */
	return (uint32_t)device_load_le(b, len);
}

static void wr(uint64_t off, uint32_t len, uint32_t v)
{
	uint8_t b[4];
	device_store_le(b, len, v);
	clk.dev.ops->write(&clk.dev, off, b, len);
}

static uint64_t latched(void)
{
	return (uint64_t)rd(LAB_CLOCK_HIGH, 4) << 32 | rd(LAB_CLOCK_LOW, 4);
}

START_TEST(test_device)
{
	ck_assert_str_eq(clk.dev.name, "lab-clock");
	ck_assert_uint_eq(clk.dev.size, LAB_CLOCK_SIZE);
	ck_assert_ptr_nonnull(clk.dev.ops);
}
END_TEST

START_TEST(test_id)
{
	ck_assert_uint_eq(rd(LAB_CLOCK_ID, 4), LAB_CLOCK_MAGIC);
	ck_assert_uint_eq(rd(LAB_CLOCK_ID, 1), 'C');
	ck_assert_uint_eq(rd(LAB_CLOCK_ID + 1, 1), 'L');
	ck_assert_uint_eq(rd(LAB_CLOCK_ID + 2, 2), 0x314b); /* "K1" */
	wr(LAB_CLOCK_ID, 4, 0);
	ck_assert_uint_eq(rd(LAB_CLOCK_ID, 4), LAB_CLOCK_MAGIC);
}
END_TEST

START_TEST(test_latch)
{
	ck_assert_uint_eq(latched(), 0); /* nothing latched yet */
	fake_ns = 1000 + 123456789;
	wr(LAB_CLOCK_CONTROL, 4, LAB_CLOCK_LATCH);
	ck_assert_uint_eq(latched(), 123456789); /* time since init, not the raw clock */
	fake_ns += 5000;
	ck_assert_uint_eq(latched(), 123456789); /* holds until the next LATCH */
	wr(LAB_CLOCK_CONTROL, 4, LAB_CLOCK_LATCH);
	ck_assert_uint_eq(latched(), 123461789);
}
END_TEST

START_TEST(test_high_half)
{
	fake_ns = 1000 + 0x123456789abcULL;
	wr(LAB_CLOCK_CONTROL, 4, LAB_CLOCK_LATCH);
	ck_assert_uint_eq(rd(LAB_CLOCK_LOW, 4), 0x56789abc);
	ck_assert_uint_eq(rd(LAB_CLOCK_HIGH, 4), 0x1234);
	ck_assert_uint_eq(rd(LAB_CLOCK_LOW + 2, 2), 0x5678);
	ck_assert_uint_eq(rd(LAB_CLOCK_HIGH, 1), 0x34);
}
END_TEST

START_TEST(test_ignored_writes)
{
	fake_ns = 1000 + 77;
	wr(LAB_CLOCK_CONTROL, 4, LAB_CLOCK_LATCH);
	fake_ns = 1000 + 99;
	wr(LAB_CLOCK_CONTROL, 1, LAB_CLOCK_LATCH); /* not the whole register */
	wr(LAB_CLOCK_CONTROL, 4, 2);		   /* not LATCH */
	wr(LAB_CLOCK_CONTROL + 1, 2, 0x0100);	   /* not at the register's start */
	wr(LAB_CLOCK_LOW, 4, 0);		   /* read-only */
	wr(LAB_CLOCK_HIGH, 4, 0xffffffff);
	ck_assert_uint_eq(latched(), 77);
	ck_assert_uint_eq(rd(LAB_CLOCK_CONTROL, 4), 0);
}
END_TEST

START_TEST(test_bad_reads)
{
	fake_ns = 1000 + 0xffffffffffULL;
	wr(LAB_CLOCK_CONTROL, 4, LAB_CLOCK_LATCH);
	ck_assert_uint_eq(rd(LAB_CLOCK_LOW + 2, 4), 0); /* crosses LOW and HIGH */
	ck_assert_uint_eq(rd(LAB_CLOCK_ID + 3, 2), 0);	/* crosses ID and CONTROL */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lab_clock");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_device);
	tcase_add_test(tc, test_id);
	tcase_add_test(tc, test_latch);
	tcase_add_test(tc, test_high_half);
	tcase_add_test(tc, test_ignored_writes);
	tcase_add_test(tc, test_bad_reads);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
