// SPDX-License-Identifier: MIT
/*
 * What the guest is told about the user's terminal
 * (stdin_console_tty_param, vmm/host/stdin_console.c): a pseudo-terminal of
 * a known size, a pipe, a mix of both, and a buffer too small.
 */
#include <check.h>
#include <errno.h>
#include <pty.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "host/stdin_console.h"
#include "unit_run.h"

/* A pty whose terminal side (returned) has cols x rows; *master for closing. */
static int sized_pty(unsigned short cols, unsigned short rows, int *master)
{
	struct winsize ws = {.ws_row = rows, .ws_col = cols};
	int term;

	ck_assert_int_eq(openpty(master, &term, NULL, NULL, &ws), 0);
	return term;
}

START_TEST(test_terminal_gives_its_size)
{
	int master, term = sized_pty(101, 33, &master);
	char buf[64];

	ck_assert_int_eq(stdin_console_tty_param(term, term, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "kvmini.tty=101x33");
	close(term);
	close(master);
}
END_TEST

START_TEST(test_pipe_says_none)
{
	int p[2];
	char buf[64];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(stdin_console_tty_param(p[0], p[1], buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "kvmini.tty=none");
	close(p[0]);
	close(p[1]);
}
END_TEST

/* Input from a pipe, output on a terminal: a cursor query would be
 * answered into nobody's input, so the guest must not ask. */
START_TEST(test_half_terminal_says_none)
{
	int master, term = sized_pty(80, 24, &master), p[2];
	char buf[64];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(stdin_console_tty_param(p[0], term, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "kvmini.tty=none");
	ck_assert_int_eq(stdin_console_tty_param(term, p[1], buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "kvmini.tty=none");
	close(p[0]);
	close(p[1]);
	close(term);
	close(master);
}
END_TEST

START_TEST(test_unknown_size_says_nothing)
{
	int master, term = sized_pty(0, 0, &master);
	char buf[64] = "x";

	ck_assert_int_eq(stdin_console_tty_param(term, term, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	close(term);
	close(master);
}
END_TEST

START_TEST(test_small_buffer_refused)
{
	int master, term = sized_pty(101, 33, &master);
	char buf[10];

	ck_assert_int_eq(stdin_console_tty_param(term, term, buf, sizeof(buf)), -E2BIG);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(stdin_console_tty_param(term, term, buf, 0), -E2BIG);
	close(term);
	close(master);
}
END_TEST

static Suite *stdin_console_suite(void)
{
	Suite *s = suite_create("stdin_console");
	TCase *tc = tcase_create("tty_param");

	tcase_add_test(tc, test_terminal_gives_its_size);
	tcase_add_test(tc, test_pipe_says_none);
	tcase_add_test(tc, test_half_terminal_says_none);
	tcase_add_test(tc, test_unknown_size_says_nothing);
	tcase_add_test(tc, test_small_buffer_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(stdin_console_suite());
}
