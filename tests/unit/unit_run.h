/* SPDX-License-Identifier: MIT */
/* The end of every unit-test main(): run a Check suite, turn the result into an exit status. */
#ifndef KVMINI_UNIT_RUN_H
#define KVMINI_UNIT_RUN_H

#include <check.h>
#include <stdlib.h>

/* Run every test of s (Check forks one process per test) and free it. */
static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* KVMINI_UNIT_RUN_H */
