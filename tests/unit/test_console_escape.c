// SPDX-License-Identifier: MIT
/*
 * The console's Ctrl-A escape (vmm/host/console_escape.c): what the guest gets
 * and what the monitor does for every kind of key sequence, including a
 * prefix split across two reads of the terminal.
 */
#include <check.h>
#include <string.h>

#include "host/console_escape.h"
#include "unit_run.h"

#define CTRL_A 0x01
#define CTRL_C 0x03

struct result {
	uint8_t guest[64];
	size_t nguest;
	int quits, helps;
};

static void feed(struct console_escape *e, const char *typed, size_t n, struct result *r)
{
	for (size_t i = 0; i < n; i++) {
		enum console_escape_action action;
		uint8_t out[2];
		size_t k = console_escape_feed(e, (uint8_t)typed[i], out, &action);
		ck_assert_uint_le(k, 2);
		memcpy(r->guest + r->nguest, out, k);
		r->nguest += k;
		if (action == CONSOLE_ESCAPE_QUIT) {
			ck_assert_uint_eq(k, 0);
			r->quits++;
		}
		if (action == CONSOLE_ESCAPE_HELP) {
			ck_assert_uint_eq(k, 0);
			r->helps++;
		}
	}
}

START_TEST(test_plain_keys_and_ctrl_c_pass)
{
	struct console_escape e = {0};
	struct result r = {0};
	const char typed[] = {'l', 's', '\r', CTRL_C, 0x1c, 0x1a}; /* Ctrl-C, Ctrl-\, Ctrl-Z */

	feed(&e, typed, sizeof(typed), &r);
	ck_assert_uint_eq(r.nguest, sizeof(typed));
	ck_assert_int_eq(memcmp(r.guest, typed, sizeof(typed)), 0);
	ck_assert_int_eq(r.quits + r.helps, 0);
}
END_TEST

START_TEST(test_ctrl_a_x_quits)
{
	struct console_escape e = {0};
	struct result r = {0};
	const char typed[] = {'a', CTRL_A, 'x'};

	feed(&e, typed, sizeof(typed), &r);
	ck_assert_int_eq(r.quits, 1);
	ck_assert_uint_eq(r.nguest, 1); /* only the 'a' before it */
	ck_assert_uint_eq(r.guest[0], 'a');
}
END_TEST

START_TEST(test_ctrl_a_h_helps)
{
	struct console_escape e = {0};
	struct result r = {0};
	const char typed[] = {CTRL_A, 'h', 'q'};

	feed(&e, typed, sizeof(typed), &r);
	ck_assert_int_eq(r.helps, 1);
	ck_assert_int_eq(r.quits, 0);
	ck_assert_uint_eq(r.nguest, 1); /* after the help, keys go to the guest again */
	ck_assert_uint_eq(r.guest[0], 'q');
}
END_TEST

START_TEST(test_ctrl_a_twice_sends_one)
{
	struct console_escape e = {0};
	struct result r = {0};
	const char typed[] = {CTRL_A, CTRL_A, 'x'};

	feed(&e, typed, sizeof(typed), &r);
	ck_assert_uint_eq(r.nguest, 2); /* one Ctrl-A, then a plain 'x': no quit */
	ck_assert_uint_eq(r.guest[0], CTRL_A);
	ck_assert_uint_eq(r.guest[1], 'x');
	ck_assert_int_eq(r.quits, 0);
}
END_TEST

START_TEST(test_other_key_sent_as_is)
{
	struct console_escape e = {0};
	struct result r = {0};
	const char typed[] = {CTRL_A, 'b', CTRL_A, CTRL_C};

	feed(&e, typed, sizeof(typed), &r);
	ck_assert_uint_eq(r.nguest, 4);
	ck_assert_int_eq(memcmp(r.guest, typed, sizeof(typed)), 0);
	ck_assert_int_eq(r.quits + r.helps, 0);
}
END_TEST

/* The terminal may deliver Ctrl-A and x in two reads. */
START_TEST(test_prefix_across_reads)
{
	struct console_escape e = {0};
	struct result r = {0};
	const char first[] = {'k', CTRL_A}, second[] = {'x'};

	feed(&e, first, sizeof(first), &r);
	ck_assert_uint_eq(r.nguest, 1);
	ck_assert_int_eq(r.quits, 0);
	feed(&e, second, sizeof(second), &r);
	ck_assert_int_eq(r.quits, 1);
	ck_assert_uint_eq(r.nguest, 1);
}
END_TEST

static Suite *console_escape_suite(void)
{
	Suite *s = suite_create("console_escape");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_plain_keys_and_ctrl_c_pass);
	tcase_add_test(tc, test_ctrl_a_x_quits);
	tcase_add_test(tc, test_ctrl_a_h_helps);
	tcase_add_test(tc, test_ctrl_a_twice_sends_one);
	tcase_add_test(tc, test_other_key_sent_as_is);
	tcase_add_test(tc, test_prefix_across_reads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(console_escape_suite());
}
