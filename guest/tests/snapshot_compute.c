/* SPDX-License-Identifier: MIT */
/*
 * snapshot_compute: a computation that says READY half-way through, for
 * tests/snapshot/tiny-snapshot.sh. kvmini --snapshot-on ready takes a
 * snapshot at some point after the marker, with the loop in flight: its
 * registers, the table in memory and the stack must all come back for a
 * restored run to print the same result as an uninterrupted one.
 */
#include <abi/kvmini_abi.h>

#include "guest.h"
#include "io.h"
#include "printf.h"
#include "report.h"

#define WORDS (1u << 19) /* a 4 MiB table: many pages of memory state */
#define ROUNDS 24

static uint64_t table[WORDS];

int main(void)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a offset basis */

	puts("snapshot_compute: before READY");
	for (uint32_t round = 0; round < ROUNDS; round++) {
		if (round == ROUNDS / 2)
			outl(KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_MARKER, KVMINI_MARKER_READY);
		for (uint32_t i = 0; i < WORDS; i++) {
			h = (h ^ (table[i] + i + round)) * 1099511628211ull; /* FNV prime */
			table[(i * 7 + round) % WORDS] ^= h;
		}
	}
	printf("snapshot_compute: result %lx\n", (unsigned long)h);
	report(h != 0, "the computation ran to its end");
	return report_summary();
}
