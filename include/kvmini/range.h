/* SPDX-License-Identifier: MIT */
/*
 * Address ranges [base, base + len) in a 64-bit space (guest-physical
 * addresses, I/O ports): the one overlap test the buses, the virtqueues and
 * the monitor's resource manager share.
 *
 * Written without computing base + len, which overflows for a range that
 * ends at 2^64 (base 0xffff_ffff_ffff_f000, len 0x1000 is a real, valid
 * range: its last byte is 0xffff_ffff_ffff_ffff).
 */
#ifndef KVMINI_RANGE_H
#define KVMINI_RANGE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Is [base, base + len) a usable range: not empty, and not running past the
 * end of the address space (its last byte base + len - 1 is at most 2^64 - 1,
 * so a range that ends exactly at 2^64 is valid)?
 */
static inline bool range_valid(uint64_t base, uint64_t len)
{
	return len != 0 && len - 1 <= UINT64_MAX - base;
}

/*
 * Do [a, a + alen) and [b, b + blen) share at least one address? An empty
 * range overlaps nothing. A range whose end would pass 2^64 is taken to run
 * to the end of the address space: it never wraps around to address 0.
 */
static inline bool range_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (alen == 0 || blen == 0)
		return false;
	/* The range that starts lower overlaps the other iff it reaches its start. */
	return a <= b ? b - a < alen : a - b < blen;
}

#endif /* KVMINI_RANGE_H */
