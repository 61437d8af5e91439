/* SPDX-License-Identifier: MIT */
/*
 * Lab 3 reference solution: map a page on demand (contract in lab3.h).
 *
 * x86-64 4-level paging (Intel SDM Vol. 3, 4.5): a linear address is split
 * into four 9-bit table indexes and a 12-bit offset,
 *	bits 47:39 PML4, 38:30 PDPT, 29:21 page directory, 20:12 page table.
 * CR3 holds the physical address of the PML4. Each level's entry holds the
 * physical address of the next table; the last one, of the 4 KiB page. A
 * table is one 4 KiB page of 512 entries.
 */
#include <stddef.h>

#include "exception.h"
#include "lab3.h"

static uint64_t read_cr3(void)
{
	uint64_t value;

	asm volatile("movq %%cr3, %0" : "=r"(value));
	return value;
}

/*
 * The table that entry points to; if the entry is empty, a new zeroed table
 * from the pool is put there first. NULL if the pool is empty.
 */
static uint64_t *next_table(uint64_t *entry)
{
	if (!(*entry & PTE_PRESENT)) {
		void *table = lab3_alloc_page();
		if (!table)
			return NULL;
		/* Intermediate levels are writable too: the CPU ANDs the R/W bits. */
		*entry = (uint64_t)(uintptr_t)table | PTE_PRESENT | PTE_WRITABLE;
	}
	/* Identity-mapped memory: a physical address is a usable pointer. */
	return (uint64_t *)(uintptr_t)(*entry & PTE_ADDR);
}

bool lab3_handle_page_fault(uint64_t addr, uint64_t error_code)
{
	if (addr < LAB3_REGION_START || addr - LAB3_REGION_START >= LAB3_REGION_SIZE)
		return false;
	if (error_code & PF_ERR_PRESENT)
		return false; /* a protection violation: mapping again would not help */

	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = next_table(&pml4[(addr >> 39) & 511]);
	uint64_t *pd = pdpt ? next_table(&pdpt[(addr >> 30) & 511]) : NULL;
	uint64_t *pt = pd ? next_table(&pd[(addr >> 21) & 511]) : NULL;
	if (!pt)
		return false;
	uint64_t *pte = &pt[(addr >> 12) & 511];
	void *page = lab3_alloc_page();
	if (!page)
		return false;
	*pte = (uint64_t)(uintptr_t)page | PTE_PRESENT | PTE_WRITABLE;
	/*
	 * A not-present entry is never cached in the TLB (SDM Vol. 3, 4.10.2.3),
	 * so no invlpg is needed before the retry.
	 */
	return true;
}
