// SPDX-License-Identifier: MIT
/* Unit tests for devices/pc/testdev.c, accessed through a bus as a guest would. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "board/bus.h"
#include "kvmini/testdev.h"
#include "unit_run.h"

static struct bus pio, mmio;
static struct testdev td;

#define MAX_CALLS 8
static unsigned int exit_codes[MAX_CALLS], markers[MAX_CALLS];
static int nexits, nmarkers;
static int opaque_tag;

static void on_exit_cb(void *opaque, unsigned int code)
{
	ck_assert_ptr_eq(opaque, &opaque_tag);
	if (nexits < MAX_CALLS)
		exit_codes[nexits++] = code;
}

static void on_marker_cb(void *opaque, unsigned int id)
{
	ck_assert_ptr_eq(opaque, &opaque_tag);
	if (nmarkers < MAX_CALLS)
		markers[nmarkers++] = id;
}

static void setup(void)
{
	nexits = nmarkers = 0;
	ck_assert_int_eq(testdev_init(&td, on_exit_cb, on_marker_cb, &opaque_tag), 0);
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	td.pio.base = KVMINI_TESTDEV_PIO_BASE;
	td.mmio.base = KVMINI_TESTDEV_MMIO_BASE;
	ck_assert_int_eq(bus_register(&pio, &td.pio), 0);
	ck_assert_int_eq(bus_register(&mmio, &td.mmio), 0);
}

static void io_write(struct bus *bus, uint64_t addr, uint32_t len, uint64_t value)
{
	uint8_t buf[8];

	device_store_le(buf, len, value);
	ck_assert(bus_write(bus, addr, buf, len));
}

static uint64_t io_read(struct bus *bus, uint64_t addr, uint32_t len)
{
	uint8_t buf[8];

	memset(buf, 0xcc, sizeof(buf));
	ck_assert(bus_read(bus, addr, buf, len));
	return device_load_le(buf, len);
}

#define PIO(reg)  (KVMINI_TESTDEV_PIO_BASE + (reg))
#define MMIO(reg) (KVMINI_TESTDEV_MMIO_BASE + (reg))

START_TEST(test_exit_codes)
{
	io_write(&pio, PIO(KVMINI_TESTDEV_EXIT), 1, 42);
	io_write(&pio, PIO(KVMINI_TESTDEV_EXIT), 4, 0x12345601); /* code is value & 0xff */
	io_write(&pio, PIO(KVMINI_TESTDEV_EXIT), 2, 0x0300);	 /* low byte 0: success */
	ck_assert_int_eq(nexits, 3);
	ck_assert_uint_eq(exit_codes[0], 42);
	ck_assert_uint_eq(exit_codes[1], 1);
	ck_assert_uint_eq(exit_codes[2], 0);
	/* Writes that miss the low byte carry no code and are ignored. */
	io_write(&pio, PIO(KVMINI_TESTDEV_EXIT + 1), 1, 7);
	io_write(&pio, PIO(KVMINI_TESTDEV_EXIT + 2), 2, 7);
	ck_assert_int_eq(nexits, 3);
	ck_assert_int_eq(nmarkers, 0);
	ck_assert_uint_eq(io_read(&pio, PIO(KVMINI_TESTDEV_EXIT), 4), 0);
}
END_TEST

START_TEST(test_markers)
{
	io_write(&pio, PIO(KVMINI_TESTDEV_MARKER), 1, KVMINI_MARKER_GUEST_ENTRY);
	io_write(&pio, PIO(KVMINI_TESTDEV_MARKER), 4, 0x100 | KVMINI_MARKER_READY);
	ck_assert_int_eq(nmarkers, 2);
	ck_assert_uint_eq(markers[0], KVMINI_MARKER_GUEST_ENTRY);
	ck_assert_uint_eq(markers[1], KVMINI_MARKER_READY);
	ck_assert_int_eq(nexits, 0);
	ck_assert_uint_eq(io_read(&pio, PIO(KVMINI_TESTDEV_MARKER), 1), 0);
}
END_TEST

START_TEST(test_null_callbacks)
{
	ck_assert_int_eq(testdev_init(&td, NULL, NULL, NULL), 0);
	td.pio.base = KVMINI_TESTDEV_PIO_BASE;
	bus_init(&pio, "pio");
	ck_assert_int_eq(bus_register(&pio, &td.pio), 0);
	io_write(&pio, PIO(KVMINI_TESTDEV_EXIT), 1, 3);
	io_write(&pio, PIO(KVMINI_TESTDEV_MARKER), 1, 3);
	ck_assert_int_eq(nexits + nmarkers, 0);
}
END_TEST

START_TEST(test_pio_scratch_widths)
{
	const uint64_t s = PIO(KVMINI_TESTDEV_SCRATCH);

	ck_assert_uint_eq(io_read(&pio, s, 4), 0);
	io_write(&pio, s, 4, 0x11223344);
	ck_assert_uint_eq(io_read(&pio, s, 4), 0x11223344);
	ck_assert_uint_eq(io_read(&pio, s, 1), 0x44);
	ck_assert_uint_eq(io_read(&pio, s + 1, 1), 0x33);
	ck_assert_uint_eq(io_read(&pio, s + 2, 2), 0x1122);
	ck_assert_uint_eq(io_read(&pio, s, 2), 0x3344);
	io_write(&pio, s + 3, 1, 0xaa);
	io_write(&pio, s + 1, 2, 0xbbcc);
	ck_assert_uint_eq(io_read(&pio, s, 4), 0xaabbcc44);
	/* Straddling SCRATCH and COUNTER: reads 0, write ignored, counter untouched. */
	ck_assert_uint_eq(io_read(&pio, s + 3, 2), 0);
	io_write(&pio, s + 2, 4, 0xffffffff);
	ck_assert_uint_eq(io_read(&pio, s, 4), 0xaabbcc44);
	ck_assert_uint_eq(io_read(&pio, PIO(KVMINI_TESTDEV_COUNTER), 4), 0);
}
END_TEST

START_TEST(test_pio_counter)
{
	const uint64_t c = PIO(KVMINI_TESTDEV_COUNTER);

	ck_assert_uint_eq(io_read(&pio, c, 4), 0);
	ck_assert_uint_eq(io_read(&pio, c, 4), 1);
	ck_assert_uint_eq(io_read(&pio, c, 4), 2);
	ck_assert_uint_eq(io_read(&pio, c, 1), 3); /* one access, one increment */
	ck_assert_uint_eq(io_read(&pio, c, 2), 4);
	ck_assert_uint_eq(io_read(&pio, c + 1, 1), 0); /* high byte of 5 */
	io_write(&pio, c, 4, 1000);		       /* read-only */
	ck_assert_uint_eq(io_read(&pio, c, 4), 6);
	/* Other registers do not count. */
	io_read(&pio, PIO(KVMINI_TESTDEV_SCRATCH), 4);
	ck_assert_uint_eq(io_read(&pio, c, 4), 7);
}
END_TEST

START_TEST(test_mmio_magic)
{
	const uint64_t m = MMIO(KVMINI_TESTDEV_MMIO_MAGIC);

	ck_assert_uint_eq(io_read(&mmio, m, 4), KVMINI_TESTDEV_MAGIC);
	ck_assert_uint_eq(io_read(&mmio, m, 8), KVMINI_TESTDEV_MAGIC);
	ck_assert_uint_eq(io_read(&mmio, m + 1, 1), (KVMINI_TESTDEV_MAGIC >> 8) & 0xff);
	ck_assert_uint_eq(io_read(&mmio, m, 1), 'K');
	io_write(&mmio, m, 4, 0);
	ck_assert_uint_eq(io_read(&mmio, m, 4), KVMINI_TESTDEV_MAGIC);
}
END_TEST

START_TEST(test_mmio_scratch_64)
{
	const uint64_t s = MMIO(KVMINI_TESTDEV_MMIO_SCRATCH);

	io_write(&mmio, s, 8, 0x0123456789abcdefULL);
	ck_assert_uint_eq(io_read(&mmio, s, 8), 0x0123456789abcdefULL);
	ck_assert_uint_eq(io_read(&mmio, s, 4), 0x89abcdef);
	ck_assert_uint_eq(io_read(&mmio, s + 4, 4), 0x01234567);
	ck_assert_uint_eq(io_read(&mmio, s + 6, 2), 0x0123);
	io_write(&mmio, s + 7, 1, 0xfe);
	io_write(&mmio, s + 2, 2, 0x5aa5);
	io_write(&mmio, s + 4, 4, 0x00c0ffee);
	ck_assert_uint_eq(io_read(&mmio, s, 8), 0x00c0ffee5aa5cdefULL);
	/* 8 bytes at offset 4 straddle SCRATCH and COUNTER. */
	ck_assert_uint_eq(io_read(&mmio, s + 4, 8), 0);
	io_write(&mmio, s + 4, 8, ~0ULL);
	ck_assert_uint_eq(io_read(&mmio, s, 8), 0x00c0ffee5aa5cdefULL);
}
END_TEST

START_TEST(test_mmio_counter_and_unknown)
{
	const uint64_t c = MMIO(KVMINI_TESTDEV_MMIO_COUNTER);

	ck_assert_uint_eq(io_read(&mmio, c, 8), 0);
	ck_assert_uint_eq(io_read(&mmio, c, 8), 1);
	ck_assert_uint_eq(io_read(&mmio, c, 4), 2);
	/* The PIO counter is a different register. */
	ck_assert_uint_eq(io_read(&pio, PIO(KVMINI_TESTDEV_COUNTER), 4), 0);
	ck_assert_uint_eq(io_read(&mmio, c, 8), 3);
	/* Offsets with no register read 0 and ignore writes. */
	io_write(&mmio, MMIO(0x800), 4, 0xdeadbeef);
	ck_assert_uint_eq(io_read(&mmio, MMIO(0x800), 4), 0);
	ck_assert_uint_eq(io_read(&mmio, MMIO(KVMINI_TESTDEV_MMIO_SIZE - 8), 8), 0);
	ck_assert_uint_eq(io_read(&mmio, c, 8), 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("testdev");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_exit_codes);
	tcase_add_test(tc, test_markers);
	tcase_add_test(tc, test_null_callbacks);
	tcase_add_test(tc, test_pio_scratch_widths);
	tcase_add_test(tc, test_pio_counter);
	tcase_add_test(tc, test_mmio_magic);
	tcase_add_test(tc, test_mmio_scratch_64);
	tcase_add_test(tc, test_mmio_counter_and_unknown);
	suite_add_tcase(s, tc);

	return unit_run(s);
}
