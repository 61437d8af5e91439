// SPDX-License-Identifier: MIT
/* CLI parsing: sizes, bad values, defaults. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "cli.h"
#include "unit_run.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)

static enum cli_result parse(struct vm_config *cfg, char *err, int argc, char **argv)
{
	FILE *out = fopen("/dev/null", "w");
	enum cli_result r = cli_parse(argc, argv, 24 * GIB, cfg, out, err, 256);
	fclose(out);
	return r;
}

#define PARSE(cfg, err, ...)                                                                       \
	({                                                                                         \
		char *argv_[] = {"kvmini", __VA_ARGS__, NULL};                                     \
		parse(cfg, err, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_);               \
	})

START_TEST(sizes_with_suffixes)
{
	uint64_t b;
	ck_assert_int_eq(cli_parse_size("128M", &b), 0);
	ck_assert_uint_eq(b, 128 * MIB);
	ck_assert_int_eq(cli_parse_size("2G", &b), 0);
	ck_assert_uint_eq(b, 2 * GIB);
	ck_assert_int_eq(cli_parse_size("4096k", &b), 0);
	ck_assert_uint_eq(b, 4 * MIB);
	ck_assert_int_eq(cli_parse_size("1T", &b), 0);
	ck_assert_uint_eq(b, 1024 * GIB);
	ck_assert_int_eq(cli_parse_size("512MiB", &b), 0);
	ck_assert_uint_eq(b, 512 * MIB);
	ck_assert_int_eq(cli_parse_size("64", &b), 0); /* bare number: MiB */
	ck_assert_uint_eq(b, 64 * MIB);
}
END_TEST

START_TEST(bad_sizes)
{
	uint64_t b = 42;
	const char *bad[] = {"",
			     "M",
			     "-1G",
			     "1.5G",
			     "12Q",
			     "1GG",
			     "99999999999999999999",
			     "18446744073709551615T",
			     " 1G",
			     "1G "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cli_parse_size(bad[i], &b) == -22, "'%s' accepted", bad[i]);
	ck_assert_uint_eq(b, 42); /* untouched on error */
}
END_TEST

START_TEST(defaults)
{
	struct vm_config cfg;
	char err[256];
	ck_assert_int_eq(PARSE(&cfg, err, "run", "--kernel", "k.elf"), CLI_RUN);
	ck_assert_str_eq(cfg.kernel_path, "k.elf");
	ck_assert_uint_eq(cfg.mem_size, 128 * MIB);
	ck_assert_uint_eq(cfg.cpus, 1);
	ck_assert(cfg.seccomp);
	ck_assert_ptr_null(cfg.cmdline);
}
END_TEST

START_TEST(all_options)
{
	struct vm_config cfg;
	char err[256];
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "vmlinux", "--mem", "1G", "--cpus", "4",
			       "--cmdline", "console=ttyS0 quiet", "--initrd", "i.cpio", "--disk",
			       "a.img", "--disk", "b.img,ro", "--console", "file:/tmp/out", "--rng",
			       "--trace", "--boot-times", "--timeout", "30", "--seccomp", "off",
			       "-v", "-v"),
			 CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, GIB);
	ck_assert_uint_eq(cfg.cpus, 4);
	ck_assert_str_eq(cfg.cmdline, "console=ttyS0 quiet");
	ck_assert_str_eq(cfg.initrd_path, "i.cpio");
	ck_assert_uint_eq(cfg.ndisks, 2);
	ck_assert_str_eq(cfg.disks[0].path, "a.img");
	ck_assert(!cfg.disks[0].read_only);
	ck_assert_str_eq(cfg.disks[1].path, "b.img");
	ck_assert(cfg.disks[1].read_only);
	ck_assert_int_eq(cfg.console, CONSOLE_FILE);
	ck_assert_str_eq(cfg.console_path, "/tmp/out");
	ck_assert(cfg.rng && cfg.trace && cfg.boot_times && !cfg.seccomp);
	ck_assert_uint_eq(cfg.timeout_s, 30);
	ck_assert_int_eq(cfg.verbosity, 2);
}
END_TEST

/* Each bad command line is refused with a message that names the problem. */
START_TEST(bad_values)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--mem", "0"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "too small"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--mem", "1T"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "too large"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--mem", "32G"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "host"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--mem", "lots"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "not a size"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--cpus", "0"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--cpus", "65"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--cpus", "2x"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--timeout", "0"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--seccomp", "maybe"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--console", "tcp:1"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "--mem", "64M"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "no kernel"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--bogus"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--bogus"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "needs a value"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "extra"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "extra"));
	ck_assert_int_eq(PARSE(&cfg, err, "fly"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "fly"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--disk", "a", "--disk", "b", "--disk",
			       "c", "--disk", "d", "--disk", "e"),
			 CLI_ERROR);
}
END_TEST

START_TEST(help_and_version)
{
	struct vm_config cfg;
	char err[256];
	ck_assert_int_eq(PARSE(&cfg, err, "--help"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "--version"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "--help"), CLI_EXIT_OK);
}
END_TEST

/* Parse a copy of args on the heap, then free it: what a second parse must not read. */
static enum cli_result parse_heap_copy(struct vm_config *cfg, char *err, int argc,
				       const char *const *args)
{
	char *argv[16];
	ck_assert_int_lt(argc, 16);
	for (int i = 0; i < argc; i++)
		argv[i] = strdup(args[i]);
	argv[argc] = NULL;
	enum cli_result r = parse(cfg, err, argc, argv);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

/*
 * getopt remembers a pointer into the last argv it saw (glibc's
 * __nextchar). A parse that stops inside a cluster of short options
 * ("-vqc2": error at 'q') leaves it on "c2"; if the next parse did not
 * start over it would take a phantom "-c 2" from the old, here freed,
 * argv: wrong results, and a use-after-free (which ASan cannot see,
 * because the read happens inside the uninstrumented glibc).
 */
START_TEST(parse_twice)
{
	struct vm_config cfg;
	char err[256];
	const char *first[] = {"kvmini", "run", "-k", "one.elf", "-v"};
	const char *second[] = {"kvmini", "run", "--kernel", "two.elf", "--mem", "64M"};
	const char *stops_in_cluster[] = {"kvmini", "run", "-k", "k", "-vqc2"};

	ck_assert_int_eq(parse_heap_copy(&cfg, err, 5, first), CLI_RUN);
	ck_assert_int_eq(cfg.verbosity, 1);
	ck_assert_int_eq(parse_heap_copy(&cfg, err, 5, stops_in_cluster), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "'-q'"));
	ck_assert_int_eq(parse_heap_copy(&cfg, err, 6, second), CLI_RUN);
	ck_assert_uint_eq(cfg.cpus, 1); /* no "-c 2" left over */
	ck_assert_uint_eq(cfg.mem_size, 64 * MIB);
	ck_assert_int_eq(cfg.verbosity, 0);
	ck_assert_int_eq(parse_heap_copy(&cfg, err, 5, first), CLI_RUN);
	ck_assert_int_eq(cfg.verbosity, 1);
}
END_TEST

/* -v, -h and -V may come before the command as well as after it. */
START_TEST(global_options_first)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "-v", "run", "-k", "k"), CLI_RUN);
	ck_assert_int_eq(cfg.verbosity, 1);
	ck_assert_int_eq(PARSE(&cfg, err, "--verbose", "-vv", "run", "-k", "k", "-v"), CLI_RUN);
	ck_assert_int_eq(cfg.verbosity, 4);
	ck_assert_int_eq(PARSE(&cfg, err, "-h"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "-v", "--help"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "-V", "run"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "help"), CLI_EXIT_OK);
	/* A run option before the command is still an error, and says so. */
	ck_assert_int_eq(PARSE(&cfg, err, "--kernel", "k", "run"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "'--kernel' before the command"));
	ck_assert_int_eq(PARSE(&cfg, err, "-v"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "no command"));
	ck_assert_int_eq(PARSE(&cfg, err, "-v", "fly"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "unknown command 'fly'"));
}
END_TEST

/* The help text lists every exit status from abi/kvmini_abi.h, by its number. */
START_TEST(help_lists_statuses)
{
	char buf[8192] = {0};
	FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");
	ck_assert_ptr_nonnull(out);
	cli_usage(out);
	fclose(out);
	const int statuses[] = {KVMINI_STATUS_SETUP_ERROR, KVMINI_STATUS_GUEST_HUNG,
				KVMINI_STATUS_GUEST_CRASH, KVMINI_STATUS_PANIC,
				KVMINI_STATUS_SECCOMP,	   KVMINI_STATUS_SIGNAL,
				KVMINI_STATUS_TIMEOUT};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		char line[16];
		snprintf(line, sizeof(line), "\n  %3d  ", statuses[i]);
		ck_assert_msg(strstr(buf, line), "status %d missing from --help", statuses[i]);
		/* timeout(1) and the shell own 124-127. */
		ck_assert_int_lt(statuses[i], 124);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, sizes_with_suffixes);
	tcase_add_test(tc, bad_sizes);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, all_options);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, parse_twice);
	tcase_add_test(tc, global_options_first);
	tcase_add_test(tc, help_lists_statuses);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
