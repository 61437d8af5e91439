// SPDX-License-Identifier: MIT
/*
 * devices/pc/fw_cfg.c through a port-I/O bus, the way kvm-unit-tests'
 * lib/x86/fwcfg.c reads it: a 16-bit selector write to 0x510, then byte
 * reads from 0x511.
 */
#include <check.h>
#include <string.h>

#include "board/bus.h"
#include "kvmini/fw_cfg.h"
#include "unit_run.h"

static struct bus pio;
static struct fw_cfg f;

static void setup(void)
{
	ck_assert_int_eq(fw_cfg_init(&f, 256ULL << 20, 3), 0);
	bus_init(&pio, "pio");
	f.dev.base = FW_CFG_PORT_BASE;
	ck_assert_int_eq(bus_register(&pio, &f.dev), 0);
}

static void out(uint64_t port, uint32_t len, uint64_t value)
{
	uint8_t buf[8];
	device_store_le(buf, len, value);
	ck_assert(bus_write(&pio, port, buf, len));
}

static uint64_t in(uint64_t port, uint32_t len)
{
	uint8_t buf[8];
	memset(buf, 0xcc, sizeof(buf));
	ck_assert(bus_read(&pio, port, buf, len));
	return device_load_le(buf, len);
}

/* What lib/x86/fwcfg.c does: select, then read bytes little-endian. */
static uint64_t item(uint16_t key, int bytes)
{
	uint64_t v = 0;
	out(FW_CFG_PORT_BASE, 2, key);
	for (int i = 0; i < bytes; i++)
		v |= in(FW_CFG_PORT_BASE + 1, 1) << (8 * i);
	return v;
}

START_TEST(items)
{
	char sig[5] = {0};

	out(FW_CFG_PORT_BASE, 2, FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)in(FW_CFG_PORT_BASE + 1, 1);
	ck_assert_str_eq(sig, "QEMU");
	ck_assert_uint_eq(item(FW_CFG_ID, 4), 1);
	ck_assert_uint_eq(item(FW_CFG_RAM_SIZE, 8), 256ULL << 20);
	ck_assert_uint_eq(item(FW_CFG_NB_CPUS, 2), 3);
	ck_assert_uint_eq(item(FW_CFG_MAX_CPUS, 2), 3);
	/* Keys QEMU has and we do not, FW_CFG_MAX_RAM (0x11) among them: 0. */
	ck_assert_uint_eq(item(0x11, 8), 0);
	ck_assert_uint_eq(item(0x8000, 8), 0);
	ck_assert_uint_eq(item(0xffff, 8), 0);
}
END_TEST

START_TEST(offsets)
{
	/* Past the end of an item: 0, however long the guest reads on. */
	ck_assert_uint_eq(item(FW_CFG_NB_CPUS, 2), 3);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(in(FW_CFG_PORT_BASE + 1, 1), 0);
	ck_assert_uint_le(f.offset, 2);
	/* A new selection rewinds, even of the same key. */
	ck_assert_uint_eq(item(FW_CFG_NB_CPUS, 2), 3);
	out(FW_CFG_PORT_BASE, 2, FW_CFG_SIGNATURE);
	ck_assert_uint_eq(in(FW_CFG_PORT_BASE + 1, 1), 'Q');
	ck_assert_uint_eq(in(FW_CFG_PORT_BASE + 1, 1), 'E');
	out(FW_CFG_PORT_BASE, 2, FW_CFG_SIGNATURE);
	ck_assert_uint_eq(in(FW_CFG_PORT_BASE + 1, 1), 'Q');
}
END_TEST

START_TEST(odd_accesses)
{
	out(FW_CFG_PORT_BASE, 2, FW_CFG_NB_CPUS);
	/* An 8-bit selector write, a data write, a wide data read: no effect, no advance. */
	out(FW_CFG_PORT_BASE, 1, FW_CFG_SIGNATURE);
	out(FW_CFG_PORT_BASE + 1, 1, 0x42);
	ck_assert_uint_eq(in(FW_CFG_PORT_BASE + 1, 1), 3);
	ck_assert_uint_eq(in(FW_CFG_PORT_BASE, 2), 0);
	ck_assert_uint_eq(in(FW_CFG_PORT_BASE, 1), 0);
	ck_assert_uint_eq(in(FW_CFG_PORT_BASE + 1, 1), 0);
	ck_assert_uint_eq(f.selector, FW_CFG_NB_CPUS);
	ck_assert_uint_eq(f.offset, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_cfg");
	TCase *tc = tcase_create("fw_cfg");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, items);
	tcase_add_test(tc, offsets);
	tcase_add_test(tc, odd_accesses);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
