/* SPDX-License-Identifier: MIT */
/*
 * PASS/FAIL/SKIP lines and the final SUMMARY (see report.h). The fixed
 * parts go straight to the console: every instruction counts in the
 * benchmarked boot of the hello guest.
 */
#include <stdarg.h>

#include "printf.h"
#include "report.h"
#include "serial.h"

/* Send a string literal to the console; its length is known at compile time. */
#define console_literal(s) serial_write(s, sizeof(s) - 1)

static unsigned int tests;
static unsigned int failures;
static unsigned int skipped;

void report(bool pass, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (pass) {
		console_literal("PASS: ");
	} else {
		failures++;
		console_literal("FAIL: ");
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	serial_putc('\n');
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	skipped++;
	console_literal("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	serial_putc('\n');
}

static void console_decimal(unsigned int value)
{
	char digits[10];
	size_t pos = sizeof(digits);

	do {
		digits[--pos] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	serial_write(digits + pos, sizeof(digits) - pos);
}

/*
 * Written piece by piece rather than with printf: this line ends every
 * guest, the benchmarked hello included, and printf's general formatting
 * costs several hundred instructions (about 0.6-1 us each where KVM
 * emulates guest code).
 */
int report_summary(void)
{
	console_literal("SUMMARY: ");
	console_decimal(tests);
	console_literal(" tests, ");
	console_decimal(failures);
	console_literal(" failures");
	if (skipped) {
		console_literal(", ");
		console_decimal(skipped);
		console_literal(" skipped");
	}
	serial_putc('\n');
	return failures ? 1 : 0;
}
