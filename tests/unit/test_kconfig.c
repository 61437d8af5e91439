// SPDX-License-Identifier: MIT
/*
 * Reading a kernel's configuration (vmm/boot/kconfig.c): the .config parser
 * on crafted text, the embedded IKCONFIG ("IKCFG_ST" + gzip) on a blob made
 * here with zlib, the problems a configuration has for kvmini, and where the
 * warning looks for a distribution's config-VERSION file.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "boot/kconfig.h"
#include "unit_run.h"

/* Debian 12's cloud kernel, as far as kvmini cares (config-6.1.0-*-cloud-amd64). */
static const char debian_cloud[] = "#\n"
				   "# Automatically generated file; DO NOT EDIT.\n"
				   "CONFIG_PVH=y\n"
				   "CONFIG_VIRTIO_BLK=m\n"
				   "CONFIG_SERIAL_8250_CONSOLE=y\n"
				   "CONFIG_VIRTIO_MMIO=m\n"
				   "# CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set\n";

/* guest/linux/kvmini.config's choices. */
static const char kvmini_kernel[] = "CONFIG_VIRTIO_MMIO=y\r\n"
				    "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y\r\n"
				    "CONFIG_VIRTIO_BLK=y\r\n"
				    "CONFIG_SERIAL_8250_CONSOLE=y\r\n"
				    "CONFIG_PVH=y"; /* no final newline */

START_TEST(parse_debian_cloud)
{
	struct kconfig kc;

	kconfig_parse(&kc, debian_cloud, strlen(debian_cloud));
	ck_assert_int_eq(kc.virtio_mmio, KCONFIG_MODULE);
	ck_assert_int_eq(kc.virtio_mmio_cmdline, KCONFIG_NO);
	ck_assert_int_eq(kc.virtio_blk, KCONFIG_MODULE);
	ck_assert_int_eq(kc.serial_console, KCONFIG_YES);
	ck_assert_int_eq(kc.pvh, KCONFIG_YES);

	kconfig_parse(&kc, kvmini_kernel, strlen(kvmini_kernel));
	ck_assert_int_eq(kc.virtio_mmio, KCONFIG_YES);
	ck_assert_int_eq(kc.virtio_mmio_cmdline, KCONFIG_YES);
	ck_assert_int_eq(kc.virtio_blk, KCONFIG_YES);
	ck_assert_int_eq(kc.pvh, KCONFIG_YES); /* the last line needs no '\n' */
}
END_TEST

/* Names must match whole; odd lines are skipped, never read past len. */
START_TEST(parse_exact_names_and_odd_lines)
{
	static const char text[] = "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y\n"
				   "CONFIG_VIRTIO_BLK_SCSI=y\n"	       /* not VIRTIO_BLK */
				   "# CONFIG_PVH_EXTRA is not set\n"   /* not PVH */
				   "CONFIG_SERIAL_8250_CONSOLE=yes\n"  /* not a tristate */
				   "# CONFIG_PVH is not set, really\n" /* not the form */
				   "=\n\n#\nCONFIG_\nCONFIG_PVH=";
	struct kconfig kc;

	kconfig_parse(&kc, text, strlen(text));
	ck_assert_int_eq(kc.virtio_mmio, KCONFIG_NO); /* absent means no */
	ck_assert_int_eq(kc.virtio_mmio_cmdline, KCONFIG_YES);
	ck_assert_int_eq(kc.virtio_blk, KCONFIG_NO);
	ck_assert_int_eq(kc.serial_console, KCONFIG_NO);
	ck_assert_int_eq(kc.pvh, KCONFIG_NO);

	/* Cut in the middle of "CONFIG_VIRTIO_MMIO=y": the cut line does not count. */
	static const char cut[] = "CONFIG_VIRTIO_MMIO=y";
	kconfig_parse(&kc, cut, strlen(cut) - 2);
	ck_assert_int_eq(kc.virtio_mmio, KCONFIG_NO);
	kconfig_parse(&kc, "", 0);
	ck_assert_int_eq(kc.virtio_mmio, KCONFIG_NO);
}
END_TEST

static bool has_problem(const char **why, unsigned int n, const char *option)
{
	for (unsigned int i = 0; i < n; i++)
		if (strncmp(why[i], option, strlen(option)) == 0)
			return true;
	return false;
}

START_TEST(problems_name_the_options)
{
	struct kconfig kc;
	const char *why[8];
	struct kconfig_needs needs = {.disk = true, .com1_console = true, .pvh = false};

	kconfig_parse(&kc, debian_cloud, strlen(debian_cloud));
	unsigned int n = kconfig_problems(&kc, &needs, why, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert(has_problem(why, n, "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set"));
	ck_assert(has_problem(why, n, "CONFIG_VIRTIO_BLK=m"));

	/* kvmini's own kernel: nothing to say, whatever the run needs. */
	needs.pvh = true;
	kconfig_parse(&kc, kvmini_kernel, strlen(kvmini_kernel));
	ck_assert_uint_eq(kconfig_problems(&kc, &needs, why, 8), 0);

	/* Nothing set at all: every need is a problem; max bounds what is written. */
	memset(&kc, 0, sizeof(kc));
	ck_assert_uint_eq(kconfig_problems(&kc, &needs, why, 8), 4);
	ck_assert(has_problem(why, 4, "CONFIG_VIRTIO_MMIO is not set"));
	ck_assert(has_problem(why, 4, "CONFIG_VIRTIO_BLK is not set"));
	ck_assert(has_problem(why, 4, "CONFIG_SERIAL_8250_CONSOLE"));
	ck_assert(has_problem(why, 4, "CONFIG_PVH"));
	why[1] = NULL;
	ck_assert_uint_eq(kconfig_problems(&kc, &needs, why, 1), 4);
	ck_assert_ptr_null(why[1]);
	/* A run without --disk, with console=hvc0, booting a bzImage. */
	needs = (struct kconfig_needs){0};
	ck_assert_uint_eq(kconfig_problems(&kc, &needs, why, 8), 1);
}
END_TEST

/* --share needs CONFIG_VIRTIO_FS (built in, or the guest must load virtiofs first). */
START_TEST(share_needs_virtio_fs)
{
	static const char with_fs[] = "CONFIG_VIRTIO_MMIO=y\n"
				      "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y\n"
				      "CONFIG_VIRTIO_FS=m\n";
	struct kconfig kc;
	const char *why[8];
	struct kconfig_needs needs = {.share = true};

	kconfig_parse(&kc, kvmini_kernel, strlen(kvmini_kernel));
	ck_assert_int_eq(kc.virtio_fs, KCONFIG_NO);
	ck_assert_uint_eq(kconfig_problems(&kc, &needs, why, 8), 1);
	ck_assert(has_problem(why, 1, "CONFIG_VIRTIO_FS is not set"));
	kconfig_parse(&kc, with_fs, strlen(with_fs));
	ck_assert_uint_eq(kconfig_problems(&kc, &needs, why, 8), 1);
	ck_assert(has_problem(why, 1, "CONFIG_VIRTIO_FS=m"));
	needs.share = false;
	ck_assert_uint_eq(kconfig_problems(&kc, &needs, why, 8), 0);
}
END_TEST

#define HEAD                                                                                       \
	"\x7f"                                                                                     \
	"ELF junk IKCFG_ST"
#define HEAD_LEN (sizeof(HEAD) - 1)

/* "junk IKCFG_ST <gzip of text> IKCFG_ED junk", as in a vmlinux's .rodata; malloc'ed. */
static uint8_t *ikconfig_blob(const char *text, size_t *len)
{
	size_t cap = 64 + compressBound(strlen(text)) + 64;
	uint8_t *blob = malloc(cap);
	z_stream zs = {0};

	ck_assert_ptr_nonnull(blob);
	memcpy(blob, HEAD, HEAD_LEN);
	/* 16 + MAX_WBITS: write a gzip header, as scripts/Makefile.lib's gzip does. */
	ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	zs.next_in = (Bytef *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = blob + HEAD_LEN;
	zs.avail_out = (uInt)(cap - HEAD_LEN - 16);
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t end = HEAD_LEN + zs.total_out;
	deflateEnd(&zs);
	memcpy(blob + end, "IKCFG_ED junk", 13);
	*len = end + 13;
	return blob;
}

START_TEST(ikconfig_inflates)
{
	size_t len, text_len;
	char *text;
	uint8_t *blob = ikconfig_blob(debian_cloud, &len);

	ck_assert_int_eq(kconfig_from_ikconfig(blob, len, 1 << 20, &text, &text_len), 0);
	ck_assert_uint_eq(text_len, strlen(debian_cloud));
	ck_assert_str_eq(text, debian_cloud);
	free(text);

	/* Larger than allowed: refused, not cut. */
	ck_assert_int_eq(kconfig_from_ikconfig(blob, len, 20, &text, &text_len), -EFBIG);
	free(blob);
}
END_TEST

START_TEST(ikconfig_broken_or_missing)
{
	size_t len, text_len;
	char *text = NULL;
	uint8_t *blob = ikconfig_blob(debian_cloud, &len);

	/* The stream cut short (the file ends inside it). */
	ck_assert_int_eq(kconfig_from_ikconfig(blob, HEAD_LEN + 20, 1 << 20, &text, &text_len),
			 -EINVAL);
	/* The stream corrupted after its header. */
	memset(blob + HEAD_LEN + 12, 0xff, 16);
	ck_assert_int_eq(kconfig_from_ikconfig(blob, len, 1 << 20, &text, &text_len), -EINVAL);
	/* A marker without the gzip magic after it, or no marker at all. */
	ck_assert_int_eq(kconfig_from_ikconfig((const uint8_t *)"IKCFG_ST plain", 14, 1 << 20,
					       &text, &text_len),
			 -ENOENT);
	ck_assert_int_eq(kconfig_from_ikconfig(blob, 10, 1 << 20, &text, &text_len), -ENOENT);
	ck_assert_ptr_null(text);
	free(blob);
}
END_TEST

/* Everything kconfig_warn() logs for kernel_path, as one malloc'ed string. */
static char *warnings(const char *kernel_path, bool is_vmlinux, const struct kconfig_needs *needs)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	int saved = dup(STDERR_FILENO);
	char tmp[] = "/tmp/kvmini-unit-kconfig-log.XXXXXX";
	int fd = mkstemp(tmp);

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	kconfig_warn(kernel_path, is_vmlinux, needs);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	fwrite(buf, 1, n > 0 ? (size_t)n : 0, out);
	fclose(out);
	close(fd);
	unlink(tmp);
	return text;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* /boot/vmlinuz-VERSION with /boot/config-VERSION beside it; a vmlinux's IKCONFIG. */
START_TEST(warn_finds_the_configuration)
{
	char dir[] = "/tmp/kvmini-unit-kconfig.XXXXXX", kernel[96], config[96], vmlinux[96];
	struct kconfig_needs needs = {.com1_console = true};
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz-6.1.0-13-cloud-amd64", dir);
	snprintf(config, sizeof(config), "%s/config-6.1.0-13-cloud-amd64", dir);
	snprintf(vmlinux, sizeof(vmlinux), "%s/vmlinux", dir);
	write_file(kernel, "MZ not really", 13);

	char *log = warnings(kernel, false, &needs);
	ck_assert_str_eq(log, ""); /* no configuration: nothing said */
	free(log);

	write_file(config, debian_cloud, strlen(debian_cloud));
	log = warnings(kernel, false, &needs);
	ck_assert_ptr_nonnull(strstr(log, config));
	ck_assert_ptr_nonnull(strstr(log, "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set"));
	free(log);

	uint8_t *blob = ikconfig_blob(kvmini_kernel, &len);
	write_file(vmlinux, blob, len);
	free(blob);
	log = warnings(vmlinux, true, &needs);
	ck_assert_str_eq(log, ""); /* a good kernel: nothing to say */
	free(log);

	unlink(kernel);
	unlink(config);
	unlink(vmlinux);
	rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kconfig");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_debian_cloud);
	tcase_add_test(tc, parse_exact_names_and_odd_lines);
	tcase_add_test(tc, problems_name_the_options);
	tcase_add_test(tc, share_needs_virtio_fs);
	tcase_add_test(tc, ikconfig_inflates);
	tcase_add_test(tc, ikconfig_broken_or_missing);
	tcase_add_test(tc, warn_finds_the_configuration);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
