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

/* The name host_quirks_fatal_insn() gives bytes, or "" for no match. */
static const char *insn_name(const uint8_t *bytes, size_t len)
{
	const struct host_quirks_insn *insn = host_quirks_fatal_insn(bytes, len);
	return insn ? insn->name : "";
}

#define NAME(...) insn_name((const uint8_t[]){__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__}))

/*
 * The instruction bytes as KVM reported them on the emulating host
 * (KVM_EXIT_INTERNAL_ERROR suberror 1, the measured instruction table),
 * with whatever followed them.
 */
START_TEST(fatal_insns_as_measured)
{
	ck_assert_str_eq(NAME(0xf3, 0x48, 0x0f, 0xb8, 0xc3, 0xe6, 0x10), "popcnt");
	ck_assert_str_eq(NAME(0x48, 0x0f, 0xae, 0x24, 0x25, 0x00, 0x00, 0x00, 0x90), "xsave");
	ck_assert_str_eq(NAME(0x48, 0x0f, 0xae, 0x2c, 0x25, 0x00, 0x00, 0x00, 0x90), "xrstor");
	ck_assert_str_eq(NAME(0x48, 0x0f, 0xae, 0x34, 0x25, 0x00, 0x00, 0x00, 0x90), "xsaveopt");
	ck_assert_str_eq(NAME(0x0f, 0x01, 0xd0, 0xe6, 0x10), "xgetbv");
	ck_assert_str_eq(NAME(0x0f, 0x01, 0xf9, 0xe6, 0x10), "rdtscp");
	ck_assert_str_eq(NAME(0xcc, 0xb8, 0x33, 0x33), "int3");
	ck_assert_str_eq(NAME(0xf0, 0x48, 0x0f, 0xc7, 0x0c, 0x25), "cmpxchg16b");
	ck_assert_str_eq(NAME(0x0f, 0x01, 0xcb, 0x0f, 0x01, 0xca), "stac");
	ck_assert_str_eq(NAME(0x66, 0x0f, 0x38, 0x82, 0x04, 0x25), "invpcid");
	ck_assert_str_eq(NAME(0x0f, 0x00, 0x2c, 0x25, 0x00), "verw");
	ck_assert_str_eq(NAME(0x9b), "fwait");
}
END_TEST

START_TEST(fatal_insn_hints)
{
	const uint8_t xrstor[] = {0x0f, 0xae, 0x2f}; /* xrstor (%rdi) */
	const uint8_t popcnt[] = {0xf3, 0x0f, 0xb8, 0xc3};
	const uint8_t fwait[] = {0x9b};

	ck_assert_str_eq(host_quirks_fatal_insn(xrstor, sizeof(xrstor))->option, "noxsave");
	ck_assert_str_eq(host_quirks_fatal_insn(popcnt, sizeof(popcnt))->option,
			 "clearcpuid=popcnt");
	/* No option avoids FWAIT: a guest patch does. */
	ck_assert_ptr_null(host_quirks_fatal_insn(fwait, 1)->option);
	ck_assert_ptr_nonnull(strstr(host_quirks_fatal_insn(fwait, 1)->note, "0003"));
}
END_TEST

/* Near misses: what the emulator runs must not be named. */
START_TEST(fatal_insn_near_misses)
{
	ck_assert_str_eq(NAME(0x0f, 0xae, 0xe8), "");	    /* lfence: 0f ae /5, register form */
	ck_assert_str_eq(NAME(0x0f, 0xae, 0xf0), "");	    /* mfence */
	ck_assert_str_eq(NAME(0x0f, 0xae, 0x07), "");	    /* fxsave (%rdi): /0 */
	ck_assert_str_eq(NAME(0x0f, 0xb8, 0xc3), "");	    /* no F3: not popcnt */
	ck_assert_str_eq(NAME(0xf3, 0x0f, 0xbc, 0xc3), ""); /* tzcnt */
	ck_assert_str_eq(NAME(0x0f, 0xc7, 0x0c, 0x25), ""); /* cmpxchg8b: no REX.W */
	ck_assert_str_eq(NAME(0x0f, 0x01, 0xd1), "");	    /* xsetbv */
	ck_assert_str_eq(NAME(0x0f, 0x0b), "");		    /* ud2 */
	ck_assert_str_eq(NAME(0x90), "");		    /* nop */
	/* Too few bytes: no ModRM, only prefixes, nothing. */
	ck_assert_str_eq(NAME(0x0f, 0xae), "");
	ck_assert_str_eq(NAME(0xf3, 0x48), "");
	ck_assert_ptr_null(host_quirks_fatal_insn((const uint8_t *)"", 0));
	/* A run of 16 prefixes is no instruction (at most 15 bytes make one). */
	uint8_t prefixes[16];
	memset(prefixes, 0x66, sizeof(prefixes) - 1);
	prefixes[15] = 0x9b;
	ck_assert_ptr_null(host_quirks_fatal_insn(prefixes, sizeof(prefixes)));
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
	tcase_add_test(tc, fatal_insns_as_measured);
	tcase_add_test(tc, fatal_insn_hints);
	tcase_add_test(tc, fatal_insn_near_misses);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
