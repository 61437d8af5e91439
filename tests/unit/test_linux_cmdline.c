// SPDX-License-Identifier: MIT
/*
 * A Linux guest's command line (vmm/boot/linux_cmdline.c) and the console watch
 * that recognises the kernel's panic and halt messages (vmm/boot/linux_events.c).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "boot/linux_cmdline.h"
#include "boot/linux_events.h"
#include "unit_run.h"

static char out[256];

START_TEST(test_compose_appends)
{
	ck_assert_int_eq(
		linux_cmdline_compose(out, sizeof(out), "root=/dev/vda rw", "console=ttyS0"),
		(int)strlen("root=/dev/vda rw console=ttyS0"));
	ck_assert_str_eq(out, "root=/dev/vda rw console=ttyS0");
	/* No user command line, no additions. */
	linux_cmdline_compose(out, sizeof(out), NULL, "console=ttyS0 noxsave");
	ck_assert_str_eq(out, "console=ttyS0 noxsave");
	linux_cmdline_compose(out, sizeof(out), "  quiet  ", NULL);
	ck_assert_str_eq(out, "quiet");
	ck_assert_int_eq(linux_cmdline_compose(out, sizeof(out), NULL, NULL), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* The additions are kernel parameters: they must come before "--", or init gets them. */
START_TEST(test_compose_before_dashes)
{
	linux_cmdline_compose(out, sizeof(out), "quiet -- uname -a", "console=ttyS0");
	ck_assert_str_eq(out, "quiet console=ttyS0 -- uname -a");
	linux_cmdline_compose(out, sizeof(out), "-- echo a -- b", "console=ttyS0");
	ck_assert_str_eq(out, "console=ttyS0 -- echo a -- b");
	linux_cmdline_compose(out, sizeof(out), "-- ls", NULL);
	ck_assert_str_eq(out, "-- ls");
	/* "--" inside a word, or inside quotes, is not the separator. */
	linux_cmdline_compose(out, sizeof(out), "a=--x b=\"x -- y\"", "c");
	ck_assert_str_eq(out, "a=--x b=\"x -- y\" c");
	linux_cmdline_compose(out, sizeof(out), "a --x", "c");
	ck_assert_str_eq(out, "a --x c");
}
END_TEST

START_TEST(test_compose_too_long)
{
	char small[16];

	ck_assert_int_eq(linux_cmdline_compose(small, sizeof(small), "0123456789", "abcd"), 16 - 1);
	ck_assert_int_eq(linux_cmdline_compose(small, sizeof(small), "0123456789", "abcde"),
			 -ENOSPC);
}
END_TEST

START_TEST(test_has_param)
{
	ck_assert(linux_cmdline_has_param("root=/dev/vda console=hvc0", "console"));
	ck_assert(linux_cmdline_has_param("console", "console"));
	ck_assert(!linux_cmdline_has_param("consoleblank=0", "console"));
	ck_assert(!linux_cmdline_has_param("xconsole=1", "console"));
	ck_assert(!linux_cmdline_has_param("-- console=ttyS0", "console")); /* init's argument */
	ck_assert(!linux_cmdline_has_param("a=\"console=x\"", "console"));
	ck_assert(!linux_cmdline_has_param(NULL, "console"));
	ck_assert(!linux_cmdline_has_param("", "console"));
}
END_TEST

/* ---- the console watch ------------------------------------------------- */

static int events[8];
static int nevents;

static void record(void *opaque, enum linux_event ev)
{
	ck_assert_ptr_eq(opaque, events);
	if (nevents < 8)
		events[nevents++] = (int)ev;
}

static void feed(struct linux_events *w, const char *text)
{
	for (const char *p = text; *p; p++)
		linux_events_feed(w, (uint8_t)*p);
}

START_TEST(test_console_events)
{
	struct linux_events w;

	nevents = 0;
	linux_events_init(&w, record, events);
	feed(&w, "[    0.000000] Linux version 6.1\r\n");
	ck_assert_int_eq(nevents, 0);
	feed(&w, "[   98.7] Kernel panic - not syncing: Attempted to kill init!");
	ck_assert_int_eq(nevents, 0); /* only at the end of the line */
	feed(&w, "\r\n");
	ck_assert_int_eq(nevents, 1);
	ck_assert_int_eq(events[0], LINUX_EVENT_PANIC);
	feed(&w, "[   98.8] ---[ end Kernel panic - not syncing: Attempted to kill init! ]---\r\n");
	ck_assert_int_eq(nevents, 2);
	ck_assert_int_eq(events[1], LINUX_EVENT_PANIC_END);
	feed(&w, "[   40.8] reboot: System halted\r\n[   41.0] reboot: Power down\n");
	ck_assert_int_eq(nevents, 4);
	ck_assert_int_eq(events[2], LINUX_EVENT_HALTED);
	ck_assert_int_eq(events[3], LINUX_EVENT_HALTED);
	/* Restarting is not an end: the reset that follows is. */
	feed(&w, "[   41.1] reboot: Restarting system\r\n");
	ck_assert_int_eq(nevents, 4);
}
END_TEST

START_TEST(test_console_long_and_odd_lines)
{
	struct linux_events w;
	char line[1000];

	nevents = 0;
	linux_events_init(&w, record, events);
	/* A NUL in the middle does not hide the rest of the line. */
	feed(&w, "junk");
	linux_events_feed(&w, 0);
	feed(&w, "reboot: System halted\n");
	ck_assert_int_eq(nevents, 1);
	/* A very long line is cut, not overflowed; the next line still works. */
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	feed(&w, line);
	feed(&w, "Kernel panic - not syncing\n");
	ck_assert_int_eq(nevents, 1);
	feed(&w, "Kernel panic - not syncing: Fatal exception\n");
	ck_assert_int_eq(nevents, 2);
	ck_assert_int_eq(events[1], LINUX_EVENT_PANIC);
}
END_TEST

START_TEST(test_first_kernel_line)
{
	struct linux_events w;

	nevents = 0;
	linux_events_init(&w, record, events);
	ck_assert(!linux_events_kernel_running(&w));
	/* The decompressor (earlyprintk=serial) is not the kernel yet. */
	feed(&w, "\nDecompressing Linux... Parsing ELF... done.\r\n");
	feed(&w, "Booting the kernel (entropy: 0123456789abcdef).\r\n");
	ck_assert(!linux_events_kernel_running(&w));
	/* Half a line is not a line yet. */
	feed(&w, "[    0.000000] Linux version 6.1.0");
	ck_assert(!linux_events_kernel_running(&w));
	feed(&w, " (gcc)\r\n");
	ck_assert(linux_events_kernel_running(&w));
	ck_assert_int_eq(nevents, 0); /* an ordinary line is no event */
}
END_TEST

/* A board as boot_linux.c leaves it for a Linux guest (or not). */
static void linux_board(struct board *b, bool linux_guest)
{
	memset(b, 0, sizeof(*b));
	b->shutdown_is_reboot = linux_guest;
	linux_events_init(&b->linux_watch, record, events);
}

START_TEST(test_triple_fault_before_boot_is_a_crash)
{
	struct board b;

	linux_board(&b, true);
	ck_assert_int_eq(board_shutdown_status(&b), KVMINI_STATUS_GUEST_CRASH);
	/* Other markers, and decompressor lines, do not count as booted. */
	board_note_marker(&b, KVMINI_MARKER_GUEST_ENTRY);
	feed(&b.linux_watch, "Decompressing Linux... Parsing ELF... done.\n");
	ck_assert_int_eq(board_shutdown_status(&b), KVMINI_STATUS_GUEST_CRASH);
	/* Nor through the i8042's reset line (an early panic with panic=-1). */
	ck_assert_int_eq(board_reset_status(&b), KVMINI_STATUS_GUEST_CRASH);
	/* The tiny guest never reboots by triple fault, whatever it printed. */
	linux_board(&b, false);
	feed(&b.linux_watch, "hello\n");
	board_note_marker(&b, KVMINI_MARKER_LINUX_INIT);
	ck_assert_int_eq(board_shutdown_status(&b), KVMINI_STATUS_GUEST_CRASH);
	/* Its i8042 reset is what it always was: 0. */
	linux_board(&b, false);
	ck_assert_int_eq(board_reset_status(&b), KVMINI_STATUS_OK);
}
END_TEST

START_TEST(test_triple_fault_after_boot_is_a_reboot)
{
	struct board b;

	/* Booted by the kernel's first console line. */
	linux_board(&b, true);
	feed(&b.linux_watch, "[    0.000000] Linux version 6.1.0\n");
	ck_assert_int_eq(board_shutdown_status(&b), KVMINI_STATUS_OK);
	ck_assert_int_eq(board_reset_status(&b), KVMINI_STATUS_OK);
	/* Booted by /init's marker alone (console=hvc0: COM1 stays silent). */
	linux_board(&b, true);
	board_note_marker(&b, KVMINI_MARKER_LINUX_INIT);
	ck_assert_int_eq(board_shutdown_status(&b), KVMINI_STATUS_OK);
	/* A reset after a panic (panic=-1) is a panic. */
	b.guest_panicked = true;
	ck_assert_int_eq(board_shutdown_status(&b), KVMINI_STATUS_PANIC);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("linux_cmdline");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_compose_appends);
	tcase_add_test(tc, test_compose_before_dashes);
	tcase_add_test(tc, test_compose_too_long);
	tcase_add_test(tc, test_has_param);
	tcase_add_test(tc, test_console_events);
	tcase_add_test(tc, test_console_long_and_odd_lines);
	tcase_add_test(tc, test_first_kernel_line);
	tcase_add_test(tc, test_triple_fault_before_boot_is_a_crash);
	tcase_add_test(tc, test_triple_fault_after_boot_is_a_reboot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
