/* SPDX-License-Identifier: MIT */
/*
 * Lab 3 (docs/labs/lab3-paging.md): demand paging in the tiny guest.
 *
 * The monitor maps guest memory 1:1 with 2 MiB pages from PML4 entry 0
 * (include/abi/kvmini_abi.h). The 2 MiB at LAB3_REGION_START, under PML4
 * entry 1, are not mapped at all: touching them is a page fault (#PF,
 * vector 14). lab3_paging.c (given) sends every #PF to the student's
 * lab3_handle_page_fault() first; it maps the page on demand and the
 * faulting instruction runs again, now successfully.
 *
 * Given: this header and lab3_paging.c. The student writes lab3_demand.c.
 */
#ifndef GUEST_LAB3_H
#define GUEST_LAB3_H

#include <stdbool.h>
#include <stdint.h>

#define LAB3_REGION_START 0x8000000000ULL /* 512 GiB: PML4 entry 1 */
#define LAB3_REGION_SIZE  0x200000ULL	  /* 2 MiB: 512 pages of 4 KiB */
#define LAB3_PAGE_SIZE	  4096ULL

/* Page-table entry bits (Intel SDM Vol. 3, 4.5, tables 4-14 to 4-19). */
#define PTE_PRESENT  0x1ULL
#define PTE_WRITABLE 0x2ULL
#define PTE_ADDR     0x000ffffffffff000ULL /* bits 51:12: physical address */

/*
 * A zero-filled 4 KiB page from a pool the checker owns (guest memory is
 * identity mapped, so the pointer is also the physical address). NULL when
 * the pool is empty.
 */
void *lab3_alloc_page(void);

/*
 * THE STUDENT'S FUNCTION, called on every #PF with CR2 (the linear address
 * that faulted) and the error code the CPU pushed (SDM Vol. 3, 4.7).
 *
 * If addr lies in [LAB3_REGION_START, LAB3_REGION_START + LAB3_REGION_SIZE)
 * and the page is simply not present (error code bit 0 clear), map its 4 KiB
 * page, present and writable, to a new page from lab3_alloc_page(),
 * creating the missing page-table levels (PDPT, page directory, page table)
 * from the same pool, and return true: the faulting instruction is retried.
 * Otherwise change nothing and return false: the fault is a real error.
 * Also false when the pool runs out.
 */
bool lab3_handle_page_fault(uint64_t addr, uint64_t error_code);

#endif /* GUEST_LAB3_H */
