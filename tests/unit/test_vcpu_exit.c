// SPDX-License-Identifier: MIT
/* vcpu_exit_name(): the one table of KVM exit reason names (--trace counts, crash reports). */
#include <check.h>

#include <linux/kvm.h>

#include "kvm/vcpu_exit.h"
#include "unit_run.h"

START_TEST(test_names)
{
	/* tests/labs/lab1.sh and tests/bench parse "io=N" from the --trace summary. */
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_IO), "io");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_MMIO), "mmio");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_HLT), "hlt");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_SHUTDOWN), "shutdown");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_INTERNAL_ERROR), "internal_error");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_SYSTEM_EVENT), "system_event");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_UNKNOWN), "unknown");
}
END_TEST

START_TEST(test_unnamed)
{
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_SYSTEM_EVENT + 1000), "?");
	ck_assert_str_eq(vcpu_exit_name(UINT32_MAX), "?");
	/* A reason inside the table's range that has no entry (KVM_EXIT_NMI, 16). */
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_NMI), "?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vcpu_exit");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_unnamed);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
