// SPDX-License-Identifier: MIT
/* Unit tests for vmm/board/bus.c: registration rules and access dispatch. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/bus.h"
#include "unit_run.h"

/* A device that records the last access it saw and answers reads with a pattern. */
struct probe {
	struct device dev;
	int reads, writes;
	uint64_t offset;
	uint32_t len;
	uint8_t data[8];
	int lock_held; /* 1 if dev->lock was held during the callback */
};

static int lock_is_held(struct device *dev)
{
	if (pthread_mutex_trylock(&dev->lock) == 0) {
		pthread_mutex_unlock(&dev->lock);
		return 0;
	}
	return 1;
}

/* Read pattern: byte i of an access at offset o is 0x40 + o + i, tagged by device. */
static void probe_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct probe *p = dev->priv;

	p->reads++;
	p->offset = offset;
	p->len = len;
	p->lock_held = lock_is_held(dev);
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(0x40 + offset + i + (dev->base & 0xf0));
}

static void probe_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct probe *p = dev->priv;

	p->writes++;
	p->offset = offset;
	p->len = len;
	p->lock_held = lock_is_held(dev);
	memcpy(p->data, data, len < sizeof(p->data) ? len : sizeof(p->data));
}

static const struct device_ops probe_ops = {.read = probe_read, .write = probe_write};

static void probe_init(struct probe *p, uint64_t base, uint64_t size)
{
	memset(p, 0, sizeof(*p));
	device_init(&p->dev, "probe", size, &probe_ops, p);
	p->dev.base = base;
}

START_TEST(test_adjacent_ok)
{
	struct bus bus;
	struct probe a, b, c;

	bus_init(&bus, "pio");
	probe_init(&a, 0x10, 8);
	probe_init(&b, 0x18, 8); /* starts where a ends */
	probe_init(&c, 0x08, 8); /* ends where a starts */
	ck_assert_int_eq(bus_register(&bus, &a.dev), 0);
	ck_assert_int_eq(bus_register(&bus, &b.dev), 0);
	ck_assert_int_eq(bus_register(&bus, &c.dev), 0);
	ck_assert_uint_eq(bus.count, 3);
	/* Kept sorted by base whatever the registration order. */
	ck_assert_ptr_eq(bus.devices[0], &c.dev);
	ck_assert_ptr_eq(bus.devices[1], &a.dev);
	ck_assert_ptr_eq(bus.devices[2], &b.dev);
	ck_assert_ptr_eq(bus_find(&bus, 0x0f, 1), &c.dev);
	ck_assert_ptr_eq(bus_find(&bus, 0x10, 1), &a.dev);
	ck_assert_ptr_eq(bus_find(&bus, 0x17, 1), &a.dev);
	ck_assert_ptr_eq(bus_find(&bus, 0x18, 1), &b.dev);
	ck_assert_ptr_null(bus_find(&bus, 0x07, 1));
	ck_assert_ptr_null(bus_find(&bus, 0x20, 1));
}
END_TEST

START_TEST(test_overlap_refused)
{
	struct bus bus;
	struct probe a, t;

	bus_init(&bus, "mmio");
	probe_init(&a, 0x1000, 0x100);
	ck_assert_int_eq(bus_register(&bus, &a.dev), 0);

	/* {base, size} pairs that share at least one byte with [0x1000, 0x1100). */
	static const uint64_t overlaps[][2] = {
		{0x1000, 0x100}, /* identical */
		{0x0f00, 0x101}, /* covers the first byte */
		{0x10ff, 0x10},	 /* covers the last byte */
		{0x1010, 0x10},	 /* inside */
		{0x0f00, 0x300}, /* contains it */
	};
	for (size_t i = 0; i < sizeof(overlaps) / sizeof(overlaps[0]); i++) {
		probe_init(&t, overlaps[i][0], overlaps[i][1]);
		ck_assert_msg(bus_register(&bus, &t.dev) == -EEXIST, "base 0x%llx size 0x%llx",
			      (unsigned long long)overlaps[i][0],
			      (unsigned long long)overlaps[i][1]);
	}
	ck_assert_uint_eq(bus.count, 1);
}
END_TEST

START_TEST(test_bad_ranges_refused)
{
	struct bus bus;
	struct probe t;

	bus_init(&bus, "mmio");
	probe_init(&t, 0x1000, 0);
	ck_assert_int_eq(bus_register(&bus, &t.dev), -EINVAL);
	probe_init(&t, UINT64_MAX - 1, 4); /* would wrap past 2^64 */
	ck_assert_int_eq(bus_register(&bus, &t.dev), -EINVAL);
	ck_assert_uint_eq(bus.count, 0);
	/* The very last byte of the address space is a valid 1-byte device. */
	probe_init(&t, UINT64_MAX, 1);
	ck_assert_int_eq(bus_register(&bus, &t.dev), 0);
	ck_assert_ptr_eq(bus_find(&bus, UINT64_MAX, 1), &t.dev);
	/* An access that wraps is never dispatched. */
	ck_assert_ptr_null(bus_find(&bus, UINT64_MAX, 2));
}
END_TEST

START_TEST(test_bus_full)
{
	struct bus bus;
	static struct probe p[BUS_MAX_DEVICES + 1];

	bus_init(&bus, "pio");
	for (unsigned int i = 0; i < BUS_MAX_DEVICES; i++) {
		probe_init(&p[i], 0x100 + i * 4, 4);
		ck_assert_int_eq(bus_register(&bus, &p[i].dev), 0);
	}
	probe_init(&p[BUS_MAX_DEVICES], 0x1000, 4);
	ck_assert_int_eq(bus_register(&bus, &p[BUS_MAX_DEVICES].dev), -ENOSPC);
	ck_assert_uint_eq(bus.count, BUS_MAX_DEVICES);
}
END_TEST

START_TEST(test_dispatch)
{
	struct bus bus;
	struct probe a, b;
	uint8_t buf[4];

	bus_init(&bus, "pio");
	probe_init(&a, 0x3f8, 8);
	probe_init(&b, 0x500, 16);
	ck_assert_int_eq(bus_register(&bus, &a.dev), 0);
	ck_assert_int_eq(bus_register(&bus, &b.dev), 0);

	const uint8_t out[2] = {0x12, 0x34};
	ck_assert(bus_write(&bus, 0x50a, out, 2));
	ck_assert_int_eq(b.writes, 1);
	ck_assert_int_eq(a.writes, 0);
	ck_assert_uint_eq(b.offset, 0xa);
	ck_assert_uint_eq(b.len, 2);
	ck_assert_uint_eq(b.data[0], 0x12);
	ck_assert_uint_eq(b.data[1], 0x34);
	ck_assert_int_eq(b.lock_held, 1);

	memset(buf, 0, sizeof(buf));
	ck_assert(bus_read(&bus, 0x3fd, buf, 1));
	ck_assert_int_eq(a.reads, 1);
	ck_assert_int_eq(b.reads, 0);
	ck_assert_uint_eq(a.offset, 5);
	ck_assert_uint_eq(a.len, 1);
	ck_assert_uint_eq(buf[0], (uint8_t)(0x40 + 5 + 0xf0));
	ck_assert_int_eq(a.lock_held, 1);

	ck_assert(bus_read(&bus, 0x50c, buf, 4));
	ck_assert_uint_eq(b.offset, 0xc);
	ck_assert_uint_eq(b.len, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(buf[i], 0x40 + 0xc + i);
	/* The lock is released after the callback. */
	ck_assert_int_eq(lock_is_held(&b.dev), 0);
}
END_TEST

START_TEST(test_unclaimed)
{
	struct bus bus;
	struct probe a;
	uint8_t buf[4] = {0, 0, 0, 0};

	bus_init(&bus, "pio");
	probe_init(&a, 0x60, 1);
	ck_assert_int_eq(bus_register(&bus, &a.dev), 0);

	ck_assert(!bus_read(&bus, 0x61, buf, 4));
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(buf[i], 0xff);
	ck_assert(!bus_write(&bus, 0x5f, buf, 1));
	ck_assert_int_eq(a.reads + a.writes, 0);
}
END_TEST

START_TEST(test_straddle_not_dispatched)
{
	struct bus bus;
	struct probe a, b;
	uint8_t buf[4] = {0, 0, 0, 0};

	bus_init(&bus, "pio");
	probe_init(&a, 0x10, 8);
	probe_init(&b, 0x18, 8);
	ck_assert_int_eq(bus_register(&bus, &a.dev), 0);
	ck_assert_int_eq(bus_register(&bus, &b.dev), 0);

	/* Across the boundary of two adjacent devices. */
	ck_assert(!bus_read(&bus, 0x16, buf, 4));
	ck_assert_uint_eq(buf[0], 0xff);
	ck_assert_uint_eq(buf[3], 0xff);
	ck_assert(!bus_write(&bus, 0x17, buf, 2));
	/* Past the end of the last device. */
	ck_assert(!bus_write(&bus, 0x1f, buf, 2));
	ck_assert_int_eq(a.reads + a.writes + b.reads + b.writes, 0);
	/* The last bytes of a device are fine. */
	ck_assert(bus_write(&bus, 0x1e, buf, 2));
	ck_assert_int_eq(b.writes, 1);
	ck_assert_uint_eq(b.offset, 6);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_adjacent_ok);
	tcase_add_test(tc, test_overlap_refused);
	tcase_add_test(tc, test_bad_ranges_refused);
	tcase_add_test(tc, test_bus_full);
	tcase_add_test(tc, test_dispatch);
	tcase_add_test(tc, test_unclaimed);
	tcase_add_test(tc, test_straddle_not_dispatched);
	suite_add_tcase(s, tc);

	return unit_run(s);
}
