// SPDX-License-Identifier: MIT
/*
 * What `kvmini host-info` prints (vmm/kvm/host_quirks.c): the JSON for both
 * host kinds (KVMINI_HOST overrides detection), string escaping, and the
 * /dev/kvm check, which must look before it opens and never create a file.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asm/kvm_para.h>

#include "kvm/host_quirks.h"
#include "unit_run.h"

/* The JSON for quirks and kvm_problem, as one malloc'ed string. */
static char *json(const struct host_quirks *quirks, const char *kvm_problem)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(host_quirks_print_json(quirks, kvm_problem, out), 0);
	fclose(out);
	return text;
}

static const struct host_quirks *detect_as(const char *kind)
{
	ck_assert_int_eq(setenv("KVMINI_HOST", kind, 1), 0);
	const struct host_quirks *q = host_quirks_detect();
	unsetenv("KVMINI_HOST");
	return q;
}

START_TEST(hardware_host)
{
	char *text = json(detect_as("hardware"), NULL);

	ck_assert_str_eq(text, "{\n"
			       "  \"host\": \"hardware\",\n"
			       "  \"emulated_kernel_mode\": false,\n"
			       "  \"linux_cmdline\": \"\",\n"
			       "  \"hidden_kvm_features\": [],\n"
			       "  \"inject_int3\": false,\n"
			       "  \"kvm_usable\": true,\n"
			       "  \"kvm_problem\": null\n"
			       "}\n");
	free(text);
}
END_TEST

START_TEST(pvm_native_host)
{
	char *text = json(detect_as("pvm-native"), "/dev/kvm: does not exist");

	ck_assert_str_eq(
		text,
		"{\n"
		"  \"host\": \"pvm-native\",\n"
		"  \"emulated_kernel_mode\": true,\n"
		"  \"linux_cmdline\": \"noxsave clearcpuid=popcnt,smap,erms,fsrm,cx16 rodata=off "
		"GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,"
		"-AVX512DQ,-AVX512CD,-AVX_Fast_Unaligned_Load\",\n"
		"  \"hidden_kvm_features\": [\"PV_UNHALT\", \"PV_SEND_IPI\", \"PV_SCHED_YIELD\"],\n"
		"  \"inject_int3\": true,\n"
		"  \"kvm_usable\": false,\n"
		"  \"kvm_problem\": \"/dev/kvm: does not exist\"\n"
		"}\n");
	free(text);
}
END_TEST

/* The JSON follows the struct, not the host kind's name. */
START_TEST(features_and_cmdline_from_the_struct)
{
	const struct host_quirks q = {
		.name = "made-up",
		.linux_cmdline = "a=1",
		.hidden_kvm_features = (1u << KVM_FEATURE_CLOCKSOURCE) | (1u << 31),
	};
	char *text = json(&q, NULL);

	ck_assert_ptr_nonnull(strstr(text, "\"host\": \"made-up\",\n"));
	ck_assert_ptr_nonnull(strstr(text, "\"linux_cmdline\": \"a=1\",\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\"hidden_kvm_features\": [\"CLOCKSOURCE\", \"bit 31\"],\n"));
	free(text);
}
END_TEST

/* RFC 8259, section 7: '"', '\' and control characters are escaped. */
START_TEST(strings_are_escaped)
{
	const struct host_quirks q = {.name = "say \"hi\"\\"};
	char *text = json(&q, "tab\there\nnew line \x01 \xc3\xa9");

	ck_assert_ptr_nonnull(strstr(text, "\"host\": \"say \\\"hi\\\"\\\\\",\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\"kvm_problem\": \"tab\\there\\nnew line \\u0001 \xc3\xa9\"\n}\n"));
	free(text);
}
END_TEST

START_TEST(write_error_is_reported)
{
	FILE *ro = fopen("/dev/null", "r");

	ck_assert_ptr_nonnull(ro);
	ck_assert_int_eq(host_quirks_print_json(detect_as("hardware"), NULL, ro), -EIO);
	fclose(ro);
}
END_TEST

START_TEST(an_unknown_override_falls_back_to_detection)
{
	const struct host_quirks *q = detect_as("no-such-kind");

	ck_assert(strcmp(q->name, "hardware") == 0 || strcmp(q->name, "pvm-native") == 0);
}
END_TEST

START_TEST(kvm_check_missing_device)
{
	char dir[] = "/tmp/kvmini-unit-kvm.XXXXXX", path[64], why[160];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kvm", dir);
	ck_assert_int_eq(host_quirks_kvm_check(path, why, sizeof(why)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(why, "does not exist"));
	ck_assert_int_eq(access(path, F_OK), -1); /* and it still does not */
	rmdir(dir);
}
END_TEST

START_TEST(kvm_check_regular_file)
{
	char path[] = "/tmp/kvmini-unit-kvm.XXXXXX", why[160];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(host_quirks_kvm_check(path, why, sizeof(why)), -ENODEV);
	ck_assert_ptr_nonnull(strstr(why, "not a character device"));
	unlink(path);
}
END_TEST

/* A character device that is not KVM: it opens, but has no KVM ioctls. */
START_TEST(kvm_check_other_device)
{
	char why[160];

	ck_assert_int_lt(host_quirks_kvm_check("/dev/null", why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "KVM_GET_API_VERSION"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("host_quirks");
	TCase *tc = tcase_create("host-info");

	tcase_add_test(tc, hardware_host);
	tcase_add_test(tc, pvm_native_host);
	tcase_add_test(tc, features_and_cmdline_from_the_struct);
	tcase_add_test(tc, strings_are_escaped);
	tcase_add_test(tc, write_error_is_reported);
	tcase_add_test(tc, an_unknown_override_falls_back_to_detection);
	tcase_add_test(tc, kvm_check_missing_device);
	tcase_add_test(tc, kvm_check_regular_file);
	tcase_add_test(tc, kvm_check_other_device);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
