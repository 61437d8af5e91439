/* SPDX-License-Identifier: MIT */
/*
 * guestlib: the tiny guest's own C library, checked inside the guest.
 *
 * snprintf (the same formatter as printf), the string functions that
 * libfdt and the tests rely on, and the command-line word parser. Each
 * check compares against a result written out by hand from C11's
 * definition of the function.
 */
#include <stdint.h>
#include <string.h>

#include "bootargs.h"
#include "report.h"

/* Format into a buffer and compare with the expected text and return value. */
static void check_format(const char *expected, int result, const char *buf, const char *what)
{
	report(strcmp(buf, expected) == 0 && result == (int)strlen(expected),
	       "snprintf %s: \"%s\" (returned %d)", what, buf, result);
}

static void test_snprintf(void)
{
	char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "%d %i %u", -42, 7, 4000000000u);
	check_format("-42 7 4000000000", n, buf, "%d %i %u");
	n = snprintf(buf, sizeof(buf), "%x %X %#x %lx", 0xbeef, 0xbeef, 255, 0x123456789abcdef0UL);
	check_format("beef BEEF 0xff 123456789abcdef0", n, buf, "hex");
	n = snprintf(buf, sizeof(buf), "[%5d|%-5d|%05d|%#06x]", 42, 42, -42, 0x2a);
	check_format("[   42|42   |-0042|0x002a]", n, buf, "width, '-', '0' and '#'");
	n = snprintf(buf, sizeof(buf), "[%*u|%*u]", 4, 7u, -3, 7u);
	check_format("[   7|7  ]", n, buf, "width from '*'");
	n = snprintf(buf, sizeof(buf), "%s|%.3s|%6s|%c%%", "abc", "abcdef", "xy", 'z');
	check_format("abc|abc|    xy|z%", n, buf, "%s precision, %c, %%");
	n = snprintf(buf, sizeof(buf), "%ld %lld %hhu %hu", -9000000000L, -1LL, 0x1ff, 0x1ffff);
	check_format("-9000000000 -1 255 65535", n, buf, "length modifiers");
	n = snprintf(buf, sizeof(buf), "%p %s", (void *)0x100000, (const char *)NULL);
	check_format("0x100000 (null)", n, buf, "%p and a NULL %s");

	n = snprintf(buf, 6, "%s", "truncated");
	report(n == 9 && strcmp(buf, "trunc") == 0,
	       "snprintf truncates to the buffer and returns the full length (%d, \"%s\")", n, buf);
	buf[0] = 'x';
	n = snprintf(buf, 0, "%d", 12345);
	report(n == 5 && buf[0] == 'x', "snprintf with size 0 writes nothing (%d)", n);
}

/* Sizes around the 8-byte steps of memcpy/memset, at odd offsets. */
static void test_memcpy_memset(void)
{
	static const size_t sizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200};
	uint8_t src[256], dst[256];
	bool ok = true;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];

		memset(dst, 0xee, sizeof(dst));
		if (memcpy(dst + 3, src + 5, n) != dst + 3)
			ok = false;
		for (size_t i = 0; i < sizeof(dst); i++) {
			uint8_t want = (i >= 3 && i < 3 + n) ? src[5 + i - 3] : 0xee;

			ok = ok && dst[i] == want;
		}
	}
	report(ok, "memcpy: sizes 0-200 at unaligned addresses, no byte outside the range touched");

	ok = true;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];

		memset(dst, 0x11, sizeof(dst));
		if (memset(dst + 1, 0x1a5, n) != dst + 1) /* only the low byte counts */
			ok = false;
		for (size_t i = 0; i < sizeof(dst); i++)
			ok = ok && dst[i] == ((i >= 1 && i < 1 + n) ? 0xa5 : 0x11);
	}
	report(ok, "memset: sizes 0-200 at unaligned addresses, value converted to a byte");
}

static void test_memmove(void)
{
	char up[] = "0123456789abcdef0123";
	char down[] = "0123456789abcdef0123";

	memmove(up + 2, up, 16); /* destination above the source: must copy backwards */
	memmove(down, down + 2, 16);
	report(memcmp(up, "010123456789abcdef23", 20) == 0 &&
		       memcmp(down, "23456789abcdef010123", 20) == 0,
	       "memmove with overlapping areas (\"%s\", \"%s\")", up, down);
}

static void test_string_search(void)
{
	const char *s = "a/b/c";

	report(memcmp("abc", "abd", 3) < 0 && memcmp("abd", "abc", 3) > 0 &&
		       memcmp("ab\xff", "ab\x01", 3) > 0 && memcmp("x", "y", 0) == 0,
	       "memcmp orders bytes as unsigned char");
	report(strcmp("abc", "abc") == 0 && strcmp("ab", "abc") < 0 &&
		       strncmp("abcX", "abcY", 3) == 0 && strncmp("abcX", "abcY", 4) < 0,
	       "strcmp and strncmp");
	report(strlen("") == 0 && strlen("hello") == 5 && strnlen("hello", 3) == 3 &&
		       strnlen("hi", 10) == 2,
	       "strlen and strnlen");
	report(strchr(s, '/') == s + 1 && strrchr(s, '/') == s + 3 && strchr(s, 'x') == NULL &&
		       strchr(s, '\0') == s + 5 && memchr(s, 'c', 5) == s + 4 &&
		       memchr(s, 'c', 4) == NULL,
	       "strchr, strrchr and memchr");
}

static void test_bootargs(void)
{
	const char *args = "  console=ttyS0 quiet\tkey=value=more key2= ";
	const char *value;
	size_t len = 0;

	report(bootargs_has(args, "quiet") && !bootargs_has(args, "qui") &&
		       !bootargs_has(args, "console"),
	       "bootargs_has matches whole words only");
	value = bootargs_value(args, "key", &len);
	report(value && len == 10 && memcmp(value, "value=more", 10) == 0,
	       "bootargs_value splits at the first '='");
	value = bootargs_value(args, "key2", &len);
	report(value && len == 0, "bootargs_value of \"key2=\" is empty");
	report(bootargs_value(args, "missing", &len) == NULL, "bootargs_value of a missing key");
}

int main(void)
{
	test_snprintf();
	test_memcpy_memset();
	test_memmove();
	test_string_search();
	test_bootargs();
	return report_summary();
}
