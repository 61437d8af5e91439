// SPDX-License-Identifier: MIT
/* Unit tests for devices/pc/i8042.c: the reset line and what Linux's probe needs. */
#include <check.h>
#include <stdlib.h>

#include "abi/kvmini_abi.h"
#include "board/bus.h"
#include "kvmini/i8042.h"
#include "unit_run.h"

#define STR_OBF	    0x01
#define STR_IBF	    0x02
#define STR_CMDDAT  0x08
#define STR_AUXDATA 0x20
#define CTR_KBDDIS  0x10
#define CTR_AUXDIS  0x20

static struct bus bus;
static struct i8042 kbc;
static int resets;
static int opaque_tag;

static void on_reset_cb(void *opaque)
{
	ck_assert_ptr_eq(opaque, &opaque_tag);
	resets++;
}

static void setup(void)
{
	resets = 0;
	ck_assert_int_eq(i8042_init(&kbc, on_reset_cb, &opaque_tag), 0);
	bus_init(&bus, "pio");
	kbc.data.base = KVMINI_I8042_DATA_PORT;
	kbc.cmd.base = KVMINI_I8042_CMD_PORT;
	ck_assert_int_eq(bus_register(&bus, &kbc.data), 0);
	ck_assert_int_eq(bus_register(&bus, &kbc.cmd), 0);
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = 0;
	ck_assert(bus_read(&bus, port, &v, 1));
	return v;
}

static void outb(uint16_t port, uint8_t v)
{
	ck_assert(bus_write(&bus, port, &v, 1));
}

static uint8_t status(void)
{
	return inb(KVMINI_I8042_CMD_PORT);
}

/* A command with one byte of answer, as Linux's i8042_command() does it. */
static uint8_t command_read(uint8_t cmd)
{
	ck_assert_uint_eq(status() & STR_IBF, 0);
	outb(KVMINI_I8042_CMD_PORT, cmd);
	ck_assert_uint_eq(status() & STR_OBF, STR_OBF);
	uint8_t v = inb(KVMINI_I8042_DATA_PORT);
	ck_assert_uint_eq(status() & STR_OBF, 0);
	return v;
}

static void command_write(uint8_t cmd, uint8_t param)
{
	outb(KVMINI_I8042_CMD_PORT, cmd);
	outb(KVMINI_I8042_DATA_PORT, param);
}

START_TEST(test_reset_on_fe)
{
	/* arch/x86/kernel/reboot.c BOOT_KBD: kb_wait() for IBF clear, then 0xfe. */
	ck_assert_uint_eq(status() & STR_IBF, 0);
	ck_assert_int_eq(resets, 0);
	outb(KVMINI_I8042_CMD_PORT, 0xfe);
	ck_assert_int_eq(resets, 1);
	outb(KVMINI_I8042_CMD_PORT, 0xfe);
	ck_assert_int_eq(resets, 2);
	/* 0xff pulses no line: no reset. */
	outb(KVMINI_I8042_CMD_PORT, 0xff);
	ck_assert_int_eq(resets, 2);
	/* 0xfe as a byte for the keyboard (data port) is not a reset. */
	outb(KVMINI_I8042_DATA_PORT, 0xfe);
	ck_assert_int_eq(resets, 2);
}
END_TEST

START_TEST(test_reset_via_output_port)
{
	uint8_t port = command_read(0xd0);
	ck_assert_uint_eq(port & 0x01, 0x01); /* not in reset */
	command_write(0xd1, port | 0x02);     /* A20 on, reset line high */
	ck_assert_int_eq(resets, 0);
	ck_assert_uint_eq(command_read(0xd0), port | 0x02);
	command_write(0xd1, 0xfe); /* bit 0 clear: reset */
	ck_assert_int_eq(resets, 1);
}
END_TEST

START_TEST(test_self_tests)
{
	ck_assert_uint_eq(status() & STR_OBF, 0);
	ck_assert_uint_eq(command_read(0xaa), 0x55);
	ck_assert_uint_eq(command_read(0xab), 0x00);
	ck_assert_uint_eq(command_read(0xa9), 0x00);
	ck_assert_int_eq(resets, 0);
}
END_TEST

START_TEST(test_config_byte_round_trip)
{
	uint8_t ctr = command_read(0x20);
	/* Linux's i8042_controller_init() wants two equal reads. */
	ck_assert_uint_eq(command_read(0x20), ctr);
	command_write(0x60, 0x5b);
	ck_assert_uint_eq(status() & STR_CMDDAT, 0); /* last write went to the data port */
	ck_assert_uint_eq(status() & STR_OBF, 0);    /* writing CTR answers nothing */
	ck_assert_uint_eq(command_read(0x20), 0x5b);
	ck_assert_uint_eq(status() & STR_CMDDAT, STR_CMDDAT);
	/* System flag in status follows CTR bit 2. */
	command_write(0x60, 0x04);
	ck_assert_uint_eq(status() & 0x04, 0x04);
	command_write(0x60, 0x00);
	ck_assert_uint_eq(status() & 0x04, 0x00);
}
END_TEST

START_TEST(test_port_enable_bits)
{
	command_write(0x60, 0x00);
	outb(KVMINI_I8042_CMD_PORT, 0xa7);
	ck_assert_uint_eq(command_read(0x20), CTR_AUXDIS);
	outb(KVMINI_I8042_CMD_PORT, 0xad);
	ck_assert_uint_eq(command_read(0x20), CTR_AUXDIS | CTR_KBDDIS);
	outb(KVMINI_I8042_CMD_PORT, 0xa8);
	ck_assert_uint_eq(command_read(0x20), CTR_KBDDIS);
	outb(KVMINI_I8042_CMD_PORT, 0xae);
	ck_assert_uint_eq(command_read(0x20), 0x00);
}
END_TEST

START_TEST(test_output_buffer_loops)
{
	/* 0xd3: Linux's AUX loop test expects the byte back, flagged as aux data. */
	command_write(0xd3, 0x5a);
	ck_assert_uint_eq(status() & (STR_OBF | STR_AUXDATA), STR_OBF | STR_AUXDATA);
	ck_assert_uint_eq(inb(KVMINI_I8042_DATA_PORT), 0x5a);
	ck_assert_uint_eq(status() & (STR_OBF | STR_AUXDATA), 0);
	/* 0xd2: the same as keyboard data. */
	command_write(0xd2, 0xa5);
	ck_assert_uint_eq(status() & (STR_OBF | STR_AUXDATA), STR_OBF);
	ck_assert_uint_eq(inb(KVMINI_I8042_DATA_PORT), 0xa5);
	/* Bytes for the absent keyboard or mouse get no answer. */
	outb(KVMINI_I8042_DATA_PORT, 0xf2);
	command_write(0xd4, 0xf2);
	ck_assert_uint_eq(status() & STR_OBF, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("controller");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_reset_on_fe);
	tcase_add_test(tc, test_reset_via_output_port);
	tcase_add_test(tc, test_self_tests);
	tcase_add_test(tc, test_config_byte_round_trip);
	tcase_add_test(tc, test_port_enable_bits);
	tcase_add_test(tc, test_output_buffer_loops);
	suite_add_tcase(s, tc);

	return unit_run(s);
}
