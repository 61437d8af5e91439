// SPDX-License-Identifier: MIT
/* Placeholder until the monitor's main lands. */
#include <stdio.h>
int main(void)
{
	fprintf(stderr, "kvmini: not built yet\n");
	return 1;
}
