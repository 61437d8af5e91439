/* SPDX-License-Identifier: MIT */
/*
 * The guest side of the kvmini test protocol (guest/README.md):
 * one line per check on the console,
 *	PASS: <what was checked>
 *	FAIL: <what was checked>
 *	SKIP: <what was not checked, and why>
 * then one summary line, exactly
 *	SUMMARY: <N> tests, <M> failures[, <K> skipped]
 * where N counts PASS and FAIL lines. The test program's main() returns
 * report_summary(), which boot.c writes to the test device's EXIT register;
 * the monitor exits with that status. tests/integration/run-guest.sh accepts
 * a run only with status 0, a summary with 0 failures, and N >= 1.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stdbool.h>

#include "printf.h"

/* Record one check: print "PASS: msg" or "FAIL: msg". */
void report(bool pass, const char *fmt, ...) GUEST_PRINTF(2, 3);
/* Record a check that could not run: print "SKIP: msg". */
void report_skip(const char *fmt, ...) GUEST_PRINTF(1, 2);
/* Print the SUMMARY line. Returns the exit status: 0 if no check failed, else 1. */
int report_summary(void);

#endif /* GUEST_REPORT_H */
