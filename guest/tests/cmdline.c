/* SPDX-License-Identifier: MIT */
/*
 * cmdline: the monitor's --cmdline must reach the guest as /chosen/bootargs.
 *
 * tests/integration/meson.build runs this program with
 *	--cmdline "kvmini-test-arg=42 hello"
 * and the guest checks both words. The monitor may add words of its own, so
 * only these two are checked, not the whole string.
 */
#include <string.h>

#include "bootargs.h"
#include "devicetree.h"
#include "report.h"

int main(void)
{
	const char *args = dt_bootargs();
	const char *value;
	size_t len = 0;

	report(args != NULL, "device tree has a well-formed /chosen/bootargs");
	if (!args)
		return report_summary();
	printf("bootargs: \"%s\"\n", args);

	value = bootargs_value(args, "kvmini-test-arg", &len);
	report(value && len == 2 && memcmp(value, "42", 2) == 0,
	       "bootargs has kvmini-test-arg=42 (value \"%.*s\")", value ? (int)len : 0,
	       value ? value : "");
	report(bootargs_has(args, "hello"), "bootargs has the word \"hello\"");
	report(!bootargs_has(args, "kvmini-test-arg"),
	       "a key=value word does not count as the bare key");
	return report_summary();
}
