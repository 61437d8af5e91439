/* SPDX-License-Identifier: MIT */
/*
 * memory: the RAM the device tree describes is there, and mapped.
 *
 * The /memory node's reg holds low RAM from address 0 and, when --mem is
 * more than 3 GiB, high RAM from 4 GiB (the MMIO hole 0xc0000000-4 GiB is
 * never RAM; include/abi/kvmini_abi.h). The guest checks that the ranges are
 * sane, then writes and reads back the last page of every range and the
 * first page after its own image. Touching the last page of high RAM also
 * proves that the monitor's identity map reaches the top of RAM.
 *
 * If the command line has expect-mem=<size> (the integration test passes
 * the same size as --mem), the total must equal it.
 */
#include <stdbool.h>
#include <stdint.h>

#include <abi/kvmini_abi.h>

#include "bootargs.h"
#include "devicetree.h"
#include "guest.h"
#include "report.h"

#define PAGE_SIZE  4096UL
#define MAX_RANGES 8
#define MIB	   (1024UL * 1024)
#define MAX_PROBES (MAX_RANGES + 1)

/* Parse "<digits>[K|M|G]" of exactly len characters. Returns false if malformed. */
static bool parse_size(const char *s, size_t len, uint64_t *size)
{
	uint64_t value = 0;
	size_t i = 0;

	if (len == 0)
		return false;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		value = value * 10 + (uint64_t)(s[i] - '0');
	if (i == 0)
		return false;
	if (i + 1 == len) {
		if (s[i] == 'K')
			value <<= 10;
		else if (s[i] == 'M')
			value <<= 20;
		else if (s[i] == 'G')
			value <<= 30;
		else
			return false;
	} else if (i != len) {
		return false;
	}
	*size = value;
	return true;
}

static bool range_is_sane(const struct dt_range *r)
{
	uint64_t end = r->base + r->size;

	if (r->size == 0 || r->size % PAGE_SIZE || r->base % PAGE_SIZE || end < r->base)
		return false;
	/* Entirely below the MMIO hole, or entirely above 4 GiB. */
	return end <= KVMINI_MMIO_HOLE_START || r->base >= KVMINI_MMIO_HOLE_END;
}

static bool ranges_contain(const struct dt_range *ranges, int count, uint64_t start, uint64_t end)
{
	for (int i = 0; i < count; i++) {
		if (start >= ranges[i].base && end <= ranges[i].base + ranges[i].size)
			return true;
	}
	return false;
}

/*
 * Write a different pattern to each page first, then read all back: a page
 * that is missing, read-only or aliased to another one shows up.
 */
static void touch_pages(const uint64_t *pages, int count)
{
	for (int i = 0; i < count; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)pages[i];

		p[0] = pages[i] ^ 0x5a5a5a5a5a5a5a5aULL;
		p[PAGE_SIZE / 8 - 1] = ~pages[i];
	}
	for (int i = 0; i < count; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)pages[i];
		uint64_t first = p[0];
		uint64_t last = p[PAGE_SIZE / 8 - 1];

		report(first == (pages[i] ^ 0x5a5a5a5a5a5a5a5aULL) && last == ~pages[i],
		       "page at %#lx: write and read back its first and last words", pages[i]);
	}
}

int main(void)
{
	struct dt_range ranges[MAX_RANGES];
	uint64_t pages[MAX_PROBES];
	uint64_t total = 0, expected;
	uint64_t image_start = (uintptr_t)__image_start;
	uint64_t image_end = (uintptr_t)__image_end;
	const char *args, *value;
	bool sane = true, has_low = false;
	int count, probes = 0;
	size_t len;

	count = dt_memory_ranges(ranges, MAX_RANGES);
	report(count >= 1, "device tree: memory node(s) with %d reg range(s)", count);
	if (count < 1)
		return report_summary();

	for (int i = 0; i < count; i++) {
		printf("  RAM %#lx-%#lx (%lu MiB)\n", ranges[i].base,
		       ranges[i].base + ranges[i].size - 1, ranges[i].size / MIB);
		sane = sane && range_is_sane(&ranges[i]);
		has_low = has_low || ranges[i].base == 0;
		if (ranges[i].base >= KVMINI_MMIO_HOLE_END)
			sane = sane && ranges[i].base == KVMINI_HIGH_RAM_START;
		total += ranges[i].size;
	}
	report(sane, "memory ranges are page aligned and avoid the MMIO hole");
	report(has_low, "low RAM starts at address 0");
	report(ranges_contain(ranges, count, image_start, image_end + PAGE_SIZE),
	       "the guest image (%#lx-%#lx) and the page after it lie in RAM", image_start,
	       image_end - 1);

	args = dt_bootargs();
	value = args ? bootargs_value(args, "expect-mem", &len) : NULL;
	if (value && parse_size(value, len, &expected)) {
		report(total == expected, "total RAM is %lu MiB, as expect-mem=%.*s says",
		       total / MIB, (int)len, value);
	} else {
		report_skip("total RAM %lu MiB not compared: no valid expect-mem= in bootargs",
			    total / MIB);
	}

	if (!sane)
		return report_summary();
	pages[probes++] = image_end;
	for (int i = 0; i < count && probes < MAX_PROBES; i++)
		pages[probes++] = ranges[i].base + ranges[i].size - PAGE_SIZE;
	touch_pages(pages, probes);
	return report_summary();
}
