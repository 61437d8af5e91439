// SPDX-License-Identifier: MIT
/*
 * The System.map reader (vmm/host/symbols.c): real maps load and answer
 * lookups; anything that is not a map is refused quickly, with a reason,
 * whatever its size or kind; Debian's placeholder map is only a warning.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host/symbols.h"
#include "unit_run.h"

static char dir[] = "/tmp/kvmini-test-symbols-XXXXXX";
static char path[300];
static char err[256];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/kvmini-test-symbols-XXXXXX");
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

static const char *write_text(const char *name, const char *text)
{
	return write_file(name, text, strlen(text));
}

START_TEST(loads_and_looks_up)
{
	struct symbols syms;
	uint64_t off;
	/* Unsorted, with data symbols, tabs, a module column and no final newline. */
	const char *map = "ffffffff81002000 T second\n"
			  "ffffffff82000000 D some_data\n"
			  "ffffffff81000000\tt\tfirst\n"
			  "ffffffffc0000000 t mod_fn\t[some_module]\n"
			  "ffffffff81003000 W weak_one";

	ck_assert_int_eq(symbols_load(&syms, write_text("map", map), err, sizeof(err)), 0);
	ck_assert_uint_eq(syms.count, 4);
	ck_assert_str_eq(symbols_lookup(&syms, 0xffffffff81000010ull, &off), "first");
	ck_assert_uint_eq(off, 0x10);
	ck_assert_str_eq(symbols_lookup(&syms, 0xffffffff81002fffull, &off), "second");
	ck_assert_str_eq(symbols_lookup(&syms, 0xffffffff81003000ull, &off), "weak_one");
	ck_assert_str_eq(symbols_lookup(&syms, 0xffffffffc0000001ull, &off), "mod_fn");
	ck_assert_ptr_null(symbols_lookup(&syms, 0x1000, &off));
	symbols_free(&syms);
	ck_assert_ptr_null(syms.syms);
	ck_assert_ptr_null(syms.text);
}
END_TEST

/* Debian's linux-image packages ship this line instead of the real map. */
START_TEST(debian_placeholder_is_a_warning)
{
	struct symbols syms;
	const char *line = "ffffffffffffffff B The real System.map is in the "
			   "linux-image-6.1.0-13-amd64-dbg package\n";

	ck_assert_int_eq(symbols_load(&syms, write_text("debian", line), err, sizeof(err)),
			 -ENODATA);
	ck_assert_ptr_nonnull(strstr(err, "placeholder"));
	ck_assert_uint_eq(syms.count, 0);
	ck_assert_ptr_null(syms.text);
}
END_TEST

START_TEST(refuses_what_is_not_a_map)
{
	struct symbols syms;
	char bin[64] = "ffffffff81000000 T a\n";

	/* No text symbol at all. */
	ck_assert_int_eq(
		symbols_load(&syms, write_text("data", "ffffffff82000000 D x\n"), err, sizeof(err)),
		-EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "no text symbols"));
	/* Empty. */
	ck_assert_int_eq(symbols_load(&syms, write_text("empty", ""), err, sizeof(err)), -EINVAL);
	/* A binary file: a NUL byte after a good line. */
	ck_assert_int_eq(symbols_load(&syms, write_file("bin", bin, sizeof(bin)), err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	/* A line of SYMBOLS_MAX_LINE + 1 bytes, even without a newline. */
	char *longline = malloc(SYMBOLS_MAX_LINE + 2);
	memset(longline, 'a', SYMBOLS_MAX_LINE + 1);
	longline[SYMBOLS_MAX_LINE + 1] = '\0';
	ck_assert_int_eq(symbols_load(&syms, write_text("long", longline), err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 1 is longer"));
	/* ... while SYMBOLS_MAX_LINE bytes is still a line. */
	memcpy(longline, "ffffffff81000000 T ", 19);
	longline[SYMBOLS_MAX_LINE] = '\0';
	ck_assert_int_eq(symbols_load(&syms, write_text("max", longline), err, sizeof(err)), 0);
	ck_assert_uint_eq(strlen(syms.syms[0].name), SYMBOLS_MAX_LINE - 19);
	symbols_free(&syms);
	free(longline);
	/* Every failure leaves syms empty. */
	ck_assert_ptr_null(syms.syms);
	ck_assert_uint_eq(syms.count, 0);
}
END_TEST

/* Larger than SYMBOLS_MAX_FILE: refused by its size, without reading it. */
START_TEST(refuses_huge_file)
{
	struct symbols syms;
	snprintf(path, sizeof(path), "%s/huge", dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)SYMBOLS_MAX_FILE + 1), 0); /* sparse */
	close(fd);
	ck_assert_int_eq(symbols_load(&syms, path, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, "too large"));
}
END_TEST

/* A directory, a FIFO with no writer, /dev/zero: refused at once, never read. */
START_TEST(refuses_non_files_without_blocking)
{
	struct symbols syms;
	time_t start = time(NULL);

	ck_assert_int_eq(symbols_load(&syms, dir, err, sizeof(err)), -EISDIR);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(symbols_load(&syms, path, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	ck_assert_int_eq(symbols_load(&syms, "/dev/zero", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(symbols_load(&syms, "/nonexistent/System.map", err, sizeof(err)), -ENOENT);
	ck_assert_int_le(time(NULL) - start, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("symbols");
	TCase *tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	/* A FIFO that blocked would hang: let Check's timeout turn it into a failure. */
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, loads_and_looks_up);
	tcase_add_test(tc, debian_placeholder_is_a_warning);
	tcase_add_test(tc, refuses_what_is_not_a_map);
	tcase_add_test(tc, refuses_huge_file);
	tcase_add_test(tc, refuses_non_files_without_blocking);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
