/* SPDX-License-Identifier: MIT */
/*
 * hello: the smallest useful guest. Prints a greeting and checks that the
 * monitor kept the entry contract's boot magic (RSI = KVMINI_BOOT_MAGIC).
 *
 * The boot-time benchmark runs this program, so it stays lean: no
 * device-tree parsing, no printf formatting, under 90 bytes of console
 * output (each byte is a VM exit, about 10 us on the development host).
 */
#include <abi/kvmini_abi.h>

#include "guest.h"
#include "report.h"

int main(void)
{
	bool magic_ok = boot_info.magic == KVMINI_BOOT_MAGIC;

	puts("Hello from the kvmini tiny guest!");
	if (magic_ok)
		report(true, "boot magic in RSI");
	else
		report(false, "boot magic in RSI: %#lx, expected %#llx", boot_info.magic,
		       KVMINI_BOOT_MAGIC);
	return report_summary();
}
