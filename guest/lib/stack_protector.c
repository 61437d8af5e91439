/* SPDX-License-Identifier: MIT */
/*
 * Stack-protector support for libfdt.a.
 *
 * Debian builds libfdt.a with -fstack-protector-strong. Its functions copy
 * a canary from %fs:0x28 into their frame on entry and compare it on exit;
 * on a mismatch they call __stack_chk_fail(). (0x28 is where glibc keeps the
 * canary in its thread control block; GCC hard-codes that offset on x86-64.)
 *
 * Without setup, FS has base 0 and the canary would be whatever lies at
 * guest-physical address 0x28. So the guest gives FS a base of its own: a
 * small area whose quadword at 0x28 holds a fixed canary. A fixed value is
 * enough here: the canary guards against bugs, not attackers. Its low byte
 * is zero, as glibc's, so that a string overflow cannot copy it.
 *
 * The guest's own code is built with -fno-stack-protector.
 */
#include <stdint.h>

#include "guest.h"
#include "io.h"
#include "report.h"
#include "stack_protector.h"

#define MSR_FS_BASE 0xc0000100 /* SDM Vol. 4, table 2-2: IA32_FS_BASE */

static struct {
	uint64_t unused[5];
	uint64_t canary; /* at offset 0x28 */
} guard_area = {.canary = 0x5ca1ab1e0ddba100ULL};

_Static_assert(__builtin_offsetof(__typeof__(guard_area), canary) == 0x28,
	       "GCC reads the stack-protector canary at %fs:0x28");

void stack_protector_init(void)
{
	wrmsr(MSR_FS_BASE, (uint64_t)(uintptr_t)&guard_area);
}

/* Called by a protected function whose canary was overwritten. */
__attribute__((noreturn)) void __stack_chk_fail(void);

void __stack_chk_fail(void)
{
	report(false, "stack protector: a stack buffer overflowed (caller %p)",
	       __builtin_return_address(0));
	guest_exit(report_summary());
}
