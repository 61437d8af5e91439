/* SPDX-License-Identifier: MIT */
/*
 * selftest_fail: a guest that reports exactly one failure, on purpose.
 *
 * The integration tests run it to prove that a failing guest is noticed:
 * the runner must see exit status 1 and "SUMMARY: 2 tests, 1 failures".
 */
#include "report.h"

int main(void)
{
	report(true, "this check passes");
	report(false, "this check fails on purpose (selftest_fail)");
	return report_summary();
}
