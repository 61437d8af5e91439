/* SPDX-License-Identifier: MIT */
/*
 * Lab 3 check, guest side (docs/labs/lab3-paging.md): demand paging with the
 * student's lab3_handle_page_fault() (lab3.h). Given to the students.
 *
 * This file puts its own #PF entry (lab3_pf_entry, below) in the IDT that
 * guest/lib/exception.c built. The entry asks the student's handler first;
 * if it mapped the page, iretq retries the faulting instruction; if not,
 * the entry jumps on to the library's old #PF handler, as if we had never
 * been there, so exception_expect() still catches the faults that are
 * supposed to stay faults.
 *
 * Command line: lab3-pages=N (default 32): how many pages to touch.
 */
#include <stdint.h>

#include "bootargs.h"
#include "devicetree.h"
#include "exception.h"
#include "lab3.h"
#include "report.h"

#define POOL_PAGES 256

/* .bss is zero at entry (guest/lib/start.S), so every pool page starts zeroed. */
static uint8_t pool[POOL_PAGES][4096] __attribute__((aligned(4096)));
static unsigned int pool_used;

void *lab3_alloc_page(void)
{
	return pool_used < POOL_PAGES ? pool[pool_used++] : NULL;
}

/* #PFs seen by lab3_pf_entry, and how many the student's handler took. */
static volatile unsigned int faults, handled;

/* Called by lab3_pf_entry with CR2 and the error code. True: retry. */
bool lab3_page_fault(uint64_t addr, uint64_t error_code);

bool lab3_page_fault(uint64_t addr, uint64_t error_code)
{
	faults++;
	if (!lab3_handle_page_fault(addr, error_code))
		return false;
	handled++;
	return true;
}

/* Where the library's #PF stub is; lab3_pf_entry jumps there for refused faults. */
uint64_t lab3_old_pf_handler;

/*
 * The CPU enters with the stack 16-byte aligned, then pushes SS, RSP,
 * RFLAGS, CS, RIP and the error code (48 bytes; SDM Vol. 3, 6.14.2). We save
 * the nine registers a C call may change (72 bytes), and 8 more bytes keep
 * RSP 16-byte aligned for the call, as the ABI wants. POP leaves the flags
 * alone, so the test of the result survives the restores.
 */
asm(".text\n"
    ".globl lab3_pf_entry\n"
    "lab3_pf_entry:\n\t"
    "pushq %rax\n\tpushq %rcx\n\tpushq %rdx\n\tpushq %rsi\n\tpushq %rdi\n\t"
    "pushq %r8\n\tpushq %r9\n\tpushq %r10\n\tpushq %r11\n\t"
    "subq $8, %rsp\n\t"
    "movq %cr2, %rdi\n\t"
    "movq 80(%rsp), %rsi\n\t" /* the error code, above our 80 bytes */
    "cld\n\t"
    "call lab3_page_fault\n\t"
    "addq $8, %rsp\n\t"
    "testb %al, %al\n\t"
    "popq %r11\n\tpopq %r10\n\tpopq %r9\n\tpopq %r8\n\tpopq %rdi\n\t"
    "popq %rsi\n\tpopq %rdx\n\tpopq %rcx\n\tpopq %rax\n\t"
    "jz 1f\n\t"
    "addq $8, %rsp\n\t" /* drop the error code */
    "iretq\n"
    "1:\tjmpq *lab3_old_pf_handler(%rip)\n");
extern const char lab3_pf_entry[];

/* Point IDT gate 14 at lab3_pf_entry (gate layout: SDM Vol. 3, 6.14.1, figure 6-8). */
static void hook_page_faults(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	asm volatile("sidt %0" : "=m"(idtr));
	volatile uint64_t *gate = (volatile uint64_t *)(uintptr_t)(idtr.base + 16 * PF_VECTOR);
	uint64_t low = gate[0], high = gate[1];
	uint64_t entry = (uint64_t)(uintptr_t)lab3_pf_entry;

	lab3_old_pf_handler = (low & 0xffff) | ((low >> 32) & 0xffff0000) | high << 32;
	gate[1] = entry >> 32;
	gate[0] = (low & 0x0000ffffffff0000ULL) | (entry & 0xffff) | (entry & 0xffff0000) << 32;
}

/* The page-table entry of addr, if every level above it is present (read only). */
static volatile uint64_t *find_pte(uint64_t addr)
{
	uint64_t cr3;
	asm volatile("movq %%cr3, %0" : "=r"(cr3));
	uint64_t *table = (uint64_t *)(uintptr_t)(cr3 & PTE_ADDR);
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t e = table[(addr >> shift) & 511];
		if (!(e & PTE_PRESENT))
			return NULL;
		table = (uint64_t *)(uintptr_t)(e & PTE_ADDR);
	}
	return &table[(addr >> 12) & 511];
}

static unsigned int pages_to_touch(void)
{
	const char *args = dt_bootargs();
	size_t len;
	const char *v = args ? bootargs_value(args, "lab3-pages", &len) : NULL;
	unsigned int n = 0;

	for (size_t i = 0; v && i < len && v[i] >= '0' && v[i] <= '9'; i++)
		n = n * 10 + (unsigned int)(v[i] - '0');
	if (n == 0)
		n = 32;
	return n < 200 ? n : 200; /* the pool: 200 pages + 3 tables + 1 fits in 256 */
}

static uint64_t value_for(unsigned int page)
{
	return 0x6c61623300000000ULL | page; /* "lab3" */
}

int main(void)
{
	volatile uint64_t *region = (volatile uint64_t *)(uintptr_t)LAB3_REGION_START;
	unsigned int n = pages_to_touch(), before;

	hook_page_faults();

	region[0] = value_for(0);
	report(faults == 1 && handled == 1 && region[0] == value_for(0),
	       "first write to the region: one #PF, mapped, the value reads back");
	before = faults;
	region[1] = region[0];
	report(faults == before, "second access to the same page: no #PF");

	/* One fault per new page, and every page its own memory. */
	before = faults;
	for (unsigned int p = 1; p < n; p++)
		region[p * 512 + 3] = value_for(p);
	unsigned int wrong = 0;
	for (unsigned int p = 1; p < n; p++)
		wrong += region[p * 512 + 3] != value_for(p);
	report(faults - before == n - 1 && handled == faults && wrong == 0,
	       "writes to pages 1..%u: %u #PFs, all mapped, %u wrong values", n - 1,
	       faults - before, wrong);

	/* A read maps a fresh page too; it reads as zeros. */
	before = faults;
	uint64_t fresh = region[511 * 512 + 8];
	report(faults == before + 1 && fresh == 0, "a read of the last page maps it: reads 0");

	/* Outside the region: the student's handler must refuse, the library catches it. */
	struct exception_info info = {0};
	uint64_t outside = LAB3_REGION_START + LAB3_REGION_SIZE, value = 0;
	exception_expect(PF_VECTOR);
	asm volatile(EXCEPTION_RESUME_AT("1f") "movq (%1), %0\n"
					       "1:"
		     : "+r"(value)
		     : "r"(outside)
		     : "memory");
	bool caught = exception_caught(&info);
	report(caught && info.cr2 == outside, "the first byte after the region stays a #PF");

	/* A write to a page made read-only: present (error code bit 0), so refused. */
	volatile uint64_t *pte = find_pte(LAB3_REGION_START);
	if (!pte) {
		report(false, "page 0 of the region is mapped by 4 KiB page tables");
	} else {
		*pte &= ~PTE_WRITABLE;
		asm volatile("invlpg (%0)" : : "r"(LAB3_REGION_START) : "memory");
		exception_expect(PF_VECTOR);
		asm volatile(EXCEPTION_RESUME_AT("1f") "movq %0, (%1)\n"
						       "1:"
			     :
			     : "r"(value), "r"(LAB3_REGION_START)
			     : "memory");
		caught = exception_caught(&info);
		report(caught && (info.error_code & (PF_ERR_PRESENT | PF_ERR_WRITE)) ==
					 (PF_ERR_PRESENT | PF_ERR_WRITE),
		       "a write to a read-only page stays a #PF (error code %#lx)",
		       info.error_code);
		*pte |= PTE_WRITABLE;
		asm volatile("invlpg (%0)" : : "r"(LAB3_REGION_START) : "memory");
	}
	report(pool_used <= n + 1 + 3 + 1, "%u pool pages used for %u pages: tables are shared",
	       pool_used, n + 1);
	return report_summary();
}
