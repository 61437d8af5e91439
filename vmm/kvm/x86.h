/* SPDX-License-Identifier: MIT */
/*
 * The x86 architectural bits the monitor sets (cpu_setup.c) and reads back
 * (dump.c) in a guest's control registers and page tables. Section numbers
 * are those of the Intel 64 and IA-32 Architectures Software Developer's
 * Manual (SDM), volume 3A.
 */
#ifndef KVMINI_X86_H
#define KVMINI_X86_H

/* CR0, SDM vol. 3A, 2.5 "Control Registers" (figure 2-7). */
#define CR0_PE (1ull << 0)  /* protection enable: protected mode */
#define CR0_MP (1ull << 1)  /* monitor coprocessor */
#define CR0_ET (1ull << 4)  /* extension type: hard-wired to 1 on modern CPUs */
#define CR0_NE (1ull << 5)  /* numeric error: native x87 error reporting */
#define CR0_WP (1ull << 16) /* write protect: supervisor writes honour read-only pages */
#define CR0_PG (1ull << 31) /* paging */

/* CR4, SDM vol. 3A, 2.5 "Control Registers". */
#define CR4_PAE (1ull << 5) /* physical address extension: needed for 4-level paging */

/* IA32_EFER MSR, SDM vol. 3A, 2.2.1 "Extended Feature Enable Register". */
#define EFER_LME (1ull << 8)  /* IA-32e (long) mode enable */
#define EFER_LMA (1ull << 10) /* IA-32e mode active (set by the CPU once paging is on) */

/*
 * Paging-structure entries of 4-level paging, SDM vol. 3A, 4.5 "4-Level
 * Paging and 5-Level Paging" (tables 4-15 to 4-20).
 */
#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_PS	     (1ull << 7)	   /* page size: a PDPTE maps 1 GiB, a PDE 2 MiB */
#define PTE_ADDR     0x000ffffffffff000ull /* bits 51:12: the next table or the page frame */

#endif /* KVMINI_X86_H */
