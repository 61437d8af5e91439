// SPDX-License-Identifier: MIT
/*
 * The two devices of QEMU's PC that kvm-unit-tests expect, placed on one
 * port-I/O bus as the board places them for a multiboot kernel:
 * devices/pc/fw_cfg.c, read the way lib/x86/fwcfg.c reads it (a 16-bit
 * selector write to 0x510, then byte reads from 0x511), and
 * devices/pc/debug_exit.c, QEMU's (v << 1) | 1 for every write to 0xf4,
 * and devices/pc/pc_testdev.c, driven the way x86/emulator.c, realmode.c,
 * eventinj.c and ioapic.c drive it.
 */
#include <check.h>
#include <string.h>

#include "board/bus.h"
#include "kvmini/debug_exit.h"
#include "kvmini/fw_cfg.h"
#include "kvmini/pc_testdev.h"
#include "unit_run.h"

static struct bus pio;
static struct fw_cfg f;
static struct debug_exit d;
static int statuses[8], nstatuses, tag;
static struct pc_testdev t;
static struct irq_line lines[PC_TESTDEV_IRQ_LINES];
static int levels[PC_TESTDEV_IRQ_LINES], nlevel_calls;
static uint64_t flushed[4];
static int nflushed;

static void set_level(struct irq_line *line, int level)
{
	levels[line->gsi] = level;
	nlevel_calls++;
}

static void on_flush(void *opaque, uint64_t gpa)
{
	ck_assert_ptr_eq(opaque, &tag);
	if (nflushed < 4)
		flushed[nflushed++] = gpa;
}

static void on_exit_cb(void *opaque, int status)
{
	ck_assert_ptr_eq(opaque, &tag);
	if (nstatuses < 8)
		statuses[nstatuses++] = status;
}

static void setup(void)
{
	nstatuses = 0;
	bus_init(&pio, "pio");
	ck_assert_int_eq(fw_cfg_init(&f, 256ULL << 20, 3), 0);
	f.dev.base = FW_CFG_PORT_BASE;
	ck_assert_int_eq(bus_register(&pio, &f.dev), 0);
	ck_assert_int_eq(debug_exit_init(&d, on_exit_cb, &tag), 0);
	d.dev.base = DEBUG_EXIT_PORT_BASE;
	ck_assert_int_eq(bus_register(&pio, &d.dev), 0);

	memset(levels, 0, sizeof(levels));
	nlevel_calls = nflushed = 0;
	for (int i = 0; i < PC_TESTDEV_IRQ_LINES; i++)
		lines[i] = (struct irq_line){.set_level = set_level, .gsi = i};
	ck_assert_int_eq(pc_testdev_init(&t, lines, on_flush, &tag), 0);
	t.ioport.base = PC_TESTDEV_IOPORT_BASE;
	t.flush.base = PC_TESTDEV_FLUSH_BASE;
	t.ioport_byte.base = PC_TESTDEV_IOPORT_BYTE_BASE;
	t.irq.base = PC_TESTDEV_IRQ_BASE;
	ck_assert_int_eq(bus_register(&pio, &t.ioport), 0);
	ck_assert_int_eq(bus_register(&pio, &t.flush), 0);
	ck_assert_int_eq(bus_register(&pio, &t.ioport_byte), 0);
	ck_assert_int_eq(bus_register(&pio, &t.irq), 0);
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

/* ---- fw_cfg ------------------------------------------------------------------- */

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

/* ---- isa-debug-exit ----------------------------------------------------------- */

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
	/* fw_cfg reads never end the run. */
	in(FW_CFG_PORT_BASE + 1, 1);
	ck_assert_int_eq(nstatuses, 6);
}
END_TEST

START_TEST(reads_and_no_callback)
{
	uint8_t buf[4] = {0};

	ck_assert_uint_eq(in(0xf4, 4), 0);
	ck_assert_int_eq(nstatuses, 0);
	/* Without a callback a write is ignored. */
	ck_assert_int_eq(debug_exit_init(&d, NULL, NULL), 0);
	d.dev.ops->write(&d.dev, 0, buf, 1);
	ck_assert_int_eq(nstatuses, 0);
}
END_TEST

/* ---- pc-testdev ---------------------------------------------------------------- */

START_TEST(testdev_scratch)
{
	/* realmode.c: out then in, 8, 16 and 32 bits, must give the value back. */
	out(0xe0, 1, 0xff);
	ck_assert_uint_eq(in(0xe0, 1), 0xff);
	out(0xe0, 2, 0xffff);
	ck_assert_uint_eq(in(0xe0, 2), 0xffff);
	out(0xe0, 4, 0xdeadbeef);
	ck_assert_uint_eq(in(0xe0, 4), 0xdeadbeef);
	/* A byte write changes only its byte; offsets read their bytes. */
	out(0xe2, 1, 0x11);
	ck_assert_uint_eq(in(0xe0, 4), 0xde11beef);
	ck_assert_uint_eq(in(0xe1, 2), 0x11be);
	/* 0xe8 is the same register. */
	ck_assert_uint_eq(in(0xe8, 4), 0xde11beef);
	out(0xeb, 1, 0x42);
	ck_assert_uint_eq(in(0xe0, 4), 0x4211beef);
	/* Straddling the register's end: the bus gives it to no device ... */
	uint8_t two[2] = {0xff, 0xff};
	ck_assert(!bus_write(&pio, 0xe3, two, 2));
	/* ... and the device itself ignores it, should one reach it. */
	t.ioport.ops->write(&t.ioport, 3, two, 2);
	ck_assert_uint_eq(in(0xe0, 4), 0x4211beef);
	t.ioport.ops->read(&t.ioport, 3, two, 2);
	ck_assert_uint_eq(two[0] | two[1], 0);
}
END_TEST

START_TEST(testdev_flush_and_lines)
{
	/* eventinj.c: outl(address, 0xe4); the page of it is flushed. */
	out(0xe4, 4, 0x12345678);
	ck_assert_int_eq(nflushed, 1);
	ck_assert_uint_eq(flushed[0], 0x12345000);
	out(0xe4, 2, 0x1000); /* QEMU takes only 4-byte writes */
	out(0xe5, 1, 0x10);
	ck_assert_int_eq(nflushed, 1);
	ck_assert_uint_eq(in(0xe4, 4), 0);

	/* ioapic.c: set_irq_line(line, 1) then (line, 0): outb to 0x2000 + line. */
	out(0x200e, 1, 1);
	ck_assert_int_eq(levels[0x0e], 1);
	out(0x200e, 1, 0);
	ck_assert_int_eq(levels[0x0e], 0);
	out(0x2017, 1, 0x80); /* any non-zero value raises the line */
	ck_assert_int_eq(levels[23], 1);
	ck_assert_int_eq(nlevel_calls, 3);
	/* Wider writes are ignored; the 25th line is not there. */
	out(0x2001, 2, 0x0101);
	ck_assert_int_eq(nlevel_calls, 3);
	uint8_t b = 1;
	ck_assert(!bus_write(&pio, 0x2018, &b, 1));
	ck_assert_uint_eq(in(0x2000, 1), 0);
	/* Unwired lines are a no-op, not a crash. */
	lines[5].set_level = NULL;
	out(0x2005, 1, 1);
	ck_assert_int_eq(nlevel_calls, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("qemu_devices");
	TCase *tc = tcase_create("fw_cfg");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, items);
	tcase_add_test(tc, offsets);
	tcase_add_test(tc, odd_accesses);
	suite_add_tcase(s, tc);
	tc = tcase_create("debug_exit");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, status_convention);
	tcase_add_test(tc, reads_and_no_callback);
	suite_add_tcase(s, tc);
	tc = tcase_create("pc_testdev");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, testdev_scratch);
	tcase_add_test(tc, testdev_flush_and_lines);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
