// SPDX-License-Identifier: MIT
/*
 * include/kvmini/range.h: the one overlap test the buses, the virtqueues and
 * the resource manager share, down to ranges that end at or run past 2^64.
 */
#include <check.h>
#include <errno.h>

#include "board/bus.h"
#include "kvmini/range.h"
#include "unit_run.h"

#define TOP UINT64_MAX /* the last address: 2^64 - 1 */

START_TEST(test_valid)
{
	ck_assert(range_valid(0, 1));
	ck_assert(range_valid(0, TOP));		     /* [0, 2^64 - 1) */
	ck_assert(range_valid(1, TOP));		     /* ends exactly at 2^64 */
	ck_assert(range_valid(TOP, 1));		     /* the last byte alone */
	ck_assert(range_valid(TOP - 0xfff, 0x1000)); /* the last page */
	ck_assert(!range_valid(0, 0));		     /* empty */
	ck_assert(!range_valid(TOP, 2));	     /* would wrap to address 0 */
	ck_assert(!range_valid(2, TOP));	     /* ends at 2^64 + 1 */
	ck_assert(!range_valid(TOP - 0xfff, 0x1001));
}
END_TEST

START_TEST(test_overlap_basic)
{
	ck_assert(range_overlap(0x10, 8, 0x10, 8));	/* the same */
	ck_assert(range_overlap(0x10, 8, 0x17, 1));	/* last byte */
	ck_assert(range_overlap(0x17, 1, 0x10, 8));	/* symmetric */
	ck_assert(range_overlap(0x10, 0x100, 0x20, 4)); /* inside */
	ck_assert(range_overlap(0x20, 4, 0x10, 0x100));
	ck_assert(!range_overlap(0x10, 8, 0x18, 8)); /* adjacent, above */
	ck_assert(!range_overlap(0x18, 8, 0x10, 8)); /* adjacent, below */
	ck_assert(!range_overlap(0x10, 0, 0x10, 8)); /* empty ranges overlap nothing */
	ck_assert(!range_overlap(0x10, 8, 0x12, 0));
}
END_TEST

/* Ranges that end exactly at 2^64: the sum base + len is 0 in 64 bits. */
START_TEST(test_overlap_at_top)
{
	uint64_t page = TOP - 0xfff; /* [page, 2^64) */

	ck_assert(range_overlap(page, 0x1000, TOP, 1));
	ck_assert(range_overlap(TOP, 1, page, 0x1000));
	ck_assert(range_overlap(page, 0x1000, page - 0x1000, 0x1001));
	ck_assert(!range_overlap(page, 0x1000, page - 0x1000, 0x1000)); /* adjacent below */
	ck_assert(!range_overlap(page, 0x1000, 0, 0x1000));		/* no wrap to 0 */
	ck_assert(!range_overlap(0, 0x1000, page, 0x1000));
	ck_assert(range_overlap(0, TOP, TOP - 1, 1));
	ck_assert(!range_overlap(0, TOP, TOP, 1)); /* [0, 2^64 - 1) misses the last byte */
}
END_TEST

/* A range that runs past 2^64 reaches the end of the space and stops there. */
START_TEST(test_overlap_past_top)
{
	ck_assert(range_overlap(TOP - 3, 16, TOP, 1));
	ck_assert(!range_overlap(TOP - 3, 16, 0, 16)); /* the old "b + blen" rule said yes */
	ck_assert(!range_overlap(0, 16, TOP - 3, 16));
	ck_assert(range_overlap(TOP, TOP, TOP, TOP));
	ck_assert(!range_overlap(TOP, TOP, 5, 1));
}
END_TEST

static void nop_read(struct device *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	(void)dev, (void)off, (void)data, (void)len;
}
static void nop_write(struct device *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	(void)dev, (void)off, (void)data, (void)len;
}
static const struct device_ops nop_ops = {.read = nop_read, .write = nop_write};

/* The bus takes a device in the very last page and still refuses a wrapping one. */
START_TEST(test_bus_at_top)
{
	struct bus bus;
	struct device last, low, wrap;

	bus_init(&bus, "mmio");
	device_init(&last, "last", 0x1000, &nop_ops, NULL);
	device_init(&low, "low", 0x1000, &nop_ops, NULL);
	device_init(&wrap, "wrap", 0x2000, &nop_ops, NULL);
	last.base = TOP - 0xfff;
	low.base = 0;
	wrap.base = TOP - 0xfff;
	ck_assert_int_eq(bus_register(&bus, &last), 0);
	ck_assert_int_eq(bus_register(&bus, &low), 0);
	ck_assert_int_eq(bus_register(&bus, &wrap), -EINVAL);
	ck_assert_ptr_eq(bus_find(&bus, TOP, 1), &last);
	ck_assert_ptr_eq(bus_find(&bus, TOP - 7, 8), &last);
	ck_assert_ptr_null(bus_find(&bus, TOP, 2)); /* would wrap */
	ck_assert_ptr_eq(bus_find(&bus, 0, 8), &low);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("range");
	TCase *tc = tcase_create("range");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_overlap_basic);
	tcase_add_test(tc, test_overlap_at_top);
	tcase_add_test(tc, test_overlap_past_top);
	tcase_add_test(tc, test_bus_at_top);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
