// SPDX-License-Identifier: MIT
/*
 * The e820 memory map of a kvmini VM. kvmini has no BIOS, but Linux still
 * expects the low megabyte of a PC: base memory up to the Extended BIOS Data
 * Area, then the VGA window and the BIOS ROM, which are not RAM. Saying so
 * keeps the kernel away from where we put the MP table (0xf0000) and matches
 * what Linux assumes anyway (arch/x86/kernel/e820.c, e820__memblock_setup()
 * and the ISA range it always reserves).
 */
#include <errno.h>

#include "abi/kvmini_abi.h"
#include "board/e820.h"
#include "abi/memory_map.h"

static int add(struct e820_entry *out, unsigned int max, unsigned int *n, uint64_t addr,
	       uint64_t end, uint32_t type)
{
	if (end <= addr)
		return 0; /* empty range: nothing to say */
	if (*n >= max)
		return -ENOSPC;
	out[*n].addr = addr;
	out[*n].size = end - addr;
	out[*n].type = type;
	(*n)++;
	return 0;
}

int e820_build(const struct guest_mem *mem, struct e820_entry *out, unsigned int max)
{
	unsigned int n = 0;
	int ret;

	/*
	 * guest_mem keeps RAM below the MMIO hole in low_size, so low RAM
	 * never overlaps the hole.
	 */
	if ((ret = add(out, max, &n, 0, LINUX_RESERVED_LOW, E820_RAM)) ||
	    (ret = add(out, max, &n, LINUX_RESERVED_LOW, LINUX_BIOS_END, E820_RESERVED)) ||
	    (ret = add(out, max, &n, LINUX_BIOS_END, mem->low_size, E820_RAM)))
		return ret;
	if (mem->high_size && (ret = add(out, max, &n, KVMINI_HIGH_RAM_START,
					 KVMINI_HIGH_RAM_START + mem->high_size, E820_RAM)))
		return ret;
	return (int)n;
}
