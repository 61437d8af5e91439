// SPDX-License-Identifier: MIT
/* devices/pc/debug_exit.c through a port-I/O bus: QEMU's (v << 1) | 1 for every write. */
#include <check.h>
#include <string.h>

#include "board/bus.h"
#include "kvmini/debug_exit.h"
#include "unit_run.h"

static struct bus pio;
static struct debug_exit d;
static int statuses[8], nstatuses, tag;

static void on_exit_cb(void *opaque, int status)
{
	ck_assert_ptr_eq(opaque, &tag);
	if (nstatuses < 8)
		statuses[nstatuses++] = status;
}

static void setup(void)
{
	nstatuses = 0;
	ck_assert_int_eq(debug_exit_init(&d, on_exit_cb, &tag), 0);
	bus_init(&pio, "pio");
	d.dev.base = DEBUG_EXIT_PORT_BASE;
	ck_assert_int_eq(bus_register(&pio, &d.dev), 0);
}

static void out(uint64_t port, uint32_t len, uint64_t value)
{
	uint8_t buf[8];
	device_store_le(buf, len, value);
	ck_assert(bus_write(&pio, port, buf, len));
}

START_TEST(status_convention)
{
	/* kvm-unit-tests: exit(0) is outl(0, 0xf4), and its runner reads 1 as PASS. */
	out(0xf4, 4, 0);
	ck_assert_int_eq(nstatuses, 1);
	ck_assert_int_eq(statuses[0], 1);
	out(0xf4, 4, 1); /* a failed test: 3 */
	ck_assert_int_eq(statuses[1], 3);
	/* Wider values keep QEMU's low 8 bits of the exit() argument: (0x80 << 1 | 1) & 0xff. */
	out(0xf4, 4, 0x80);
	ck_assert_int_eq(statuses[2], 1);
	out(0xf4, 1, 0x7f);
	ck_assert_int_eq(statuses[3], 0xff);
	/* Any offset and width in the 4-port window, as QEMU takes it. */
	out(0xf7, 1, 2);
	ck_assert_int_eq(statuses[4], 5);
	out(0xf6, 2, 0x1234);
	ck_assert_int_eq(statuses[5], (0x1234 << 1 | 1) & 0xff);
	ck_assert_int_eq(nstatuses, 6);
	/* Outside the window: not this device. */
	uint8_t b = 0;
	ck_assert(!bus_write(&pio, 0xf8, &b, 1));
	ck_assert_int_eq(nstatuses, 6);
}
END_TEST

START_TEST(reads_and_no_callback)
{
	uint8_t buf[4];

	memset(buf, 0xcc, sizeof(buf));
	ck_assert(bus_read(&pio, 0xf4, buf, 4));
	ck_assert_uint_eq(device_load_le(buf, 4), 0);
	ck_assert_int_eq(nstatuses, 0);
	/* Without a callback a write is ignored. */
	ck_assert_int_eq(debug_exit_init(&d, NULL, NULL), 0);
	d.dev.ops->write(&d.dev, 0, buf, 1);
	ck_assert_int_eq(nstatuses, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("debug_exit");
	TCase *tc = tcase_create("debug_exit");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, status_convention);
	tcase_add_test(tc, reads_and_no_callback);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
