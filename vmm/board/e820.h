/* SPDX-License-Identifier: MIT */
/*
 * The guest's physical memory map as a PC BIOS reports it (INT 15h, AX=E820h;
 * ACPI 6.4, 15 "System Address Map Interfaces"). Linux reads it from the zero
 * page (bzImage) or from hvm_start_info's memmap (PVH).
 */
#ifndef KVMINI_E820_H
#define KVMINI_E820_H

#include <stdint.h>

#include "kvmini/guest_mem.h"

/* Address range types (ACPI 6.4, section 15, "Address Range Types"). */
#define E820_RAM      1
#define E820_RESERVED 2

/* Enough for the map e820_build() writes. */
#define E820_MAX_ENTRIES 8

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/*
 * Describe mem as Linux should see it, in ascending order:
 *   [0, 639 KiB)         RAM
 *   [639 KiB, 1 MiB)     reserved: EBDA, VGA hole, BIOS area with the MP table
 *   [1 MiB, low end)     RAM
 *   [4 GiB, high end)    RAM, when guest RAM goes above the MMIO hole
 * The MMIO hole is in no entry: it is neither RAM nor reserved memory.
 * mem must have at least 1 MiB of low RAM. Writes at most max entries and
 * returns how many, or -ENOSPC when max is too small.
 */
int e820_build(const struct guest_mem *mem, struct e820_entry *out, unsigned int max);

#endif /* KVMINI_E820_H */
