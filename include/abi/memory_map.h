/* SPDX-License-Identifier: MIT */
/*
 * The guest-physical memory map: every fixed address kvmini uses, for the tiny
 * guest and for Linux, in one place. Plain constants only, so that the
 * freestanding guest (guest/) can include it through abi/kvmini_abi.h.
 *
 * Guest-physical address map (x86-64); the MMIO hole's devices are listed in
 * abi/kvmini_abi.h:
 *
 *   0x0000_0000 .. 0x000f_ffff   low 1 MiB, reserved for boot structures
 *                                (GDT, FDT, page tables, initial stack)
 *   0x0010_0000 .. low_ram_top   RAM; the tiny guest ELF is linked at 1 MiB
 *   0xc000_0000 .. 0xffff_ffff   MMIO hole (1 GiB): never RAM, so a guest
 *                                with more memory still sees its devices
 *   0x1_0000_0000 ..             RAM above 4 GiB when --mem exceeds 3 GiB
 *
 * Linux guests (vmm/boot/boot_linux.c). The kernel finds these through
 * registers (RSI or EBX at entry) or, for the MP table, by scanning the BIOS
 * area; guest/ code does not use them.
 *
 *   0x0000_1000  GDT (vmm/kvm/cpu_setup.c, KVMINI_BOOT_GDT)
 *   0x0000_3000  PVH: struct hvm_start_info, its module list and memory map
 *   0x0000_7000  bzImage: struct boot_params, the "zero page" (4 KiB)
 *   0x0000_8000  kernel command line (up to 32 KiB, far more than any kernel takes)
 *   0x0001_0000  bzImage: identity page tables (vmm/kvm/cpu_setup.c, KVMINI_BOOT_PML4)
 *   0x0009_fc00  reserved in the e820 map: EBDA, VGA hole, BIOS area ...
 *   0x000f_0000  ... where the Intel MP table lives (vmm/board/mptable.c)
 *   0x0010_0000  bzImage: the protected-mode kernel, as loaded from the file
 *   0x0100_0000  the kernel at run time (pref_address / vmlinux's p_paddr)
 *   ... top      the initrd, as high in low RAM as the kernel allows
 *
 * Everything below 1 MiB except the reserved range is plain RAM in the e820
 * map: the kernel copies the zero page and the command line before it
 * allocates memory (arch/x86/kernel/head64.c, copy_bootdata()), and builds
 * its own page tables.
 */
#ifndef KVMINI_MEMORY_MAP_H
#define KVMINI_MEMORY_MAP_H

/* ---- memory layout ---------------------------------------------------- */

#define KVMINI_MMIO_HOLE_START 0xc0000000ULL
#define KVMINI_MMIO_HOLE_END   0x100000000ULL /* exclusive: 4 GiB */
#define KVMINI_HIGH_RAM_START  0x100000000ULL

/* Boot structures the monitor writes for an ELF (tiny guest) boot. */
#define KVMINI_BOOT_GDT	      0x1000ULL	  /* 4 entries: null, code64, data, code32 */
#define KVMINI_BOOT_FDT	      0x2000ULL	  /* flattened device tree */
#define KVMINI_BOOT_FDT_MAX   0xe000ULL	  /* at most 56 KiB, ends at 0x10000 */
#define KVMINI_BOOT_PML4      0x10000ULL  /* identity page tables start here */
#define KVMINI_BOOT_PT_END    0x80000ULL  /* ... and end before here */
#define KVMINI_BOOT_STACK_TOP 0x9f000ULL  /* initial RSP, grows down */
#define KVMINI_BOOT_LOW_END   0x100000ULL /* a guest ELF may not load below this */

/* Segment selectors of the monitor's GDT (index * 8). */
#define KVMINI_SEL_CODE64 0x08
#define KVMINI_SEL_DATA	  0x10
#define KVMINI_SEL_CODE32 0x18

/* ---- where Linux's boot structures go ---------------------------------- */

#define LINUX_START_INFO   0x3000ULL /* PVH hvm_start_info (56 bytes) ... */
#define LINUX_PVH_MODLIST  0x3040ULL /* ... one hvm_modlist_entry (the initrd) ... */
#define LINUX_PVH_MEMMAP   0x3080ULL /* ... and the memory map, up to 0x3400 */
#define LINUX_ZERO_PAGE	   0x7000ULL /* struct boot_params */
#define LINUX_CMDLINE	   0x8000ULL
#define LINUX_CMDLINE_MAX  0x8000ULL  /* bytes, with the NUL: ends at 0x10000 */
#define LINUX_RESERVED_LOW 0x9fc00ULL /* 639 KiB: start of the EBDA on a PC */
#define LINUX_MPTABLE	   0xf0000ULL /* BIOS ROM area (MP spec 1.4, 4) */
#define LINUX_BIOS_END	   0x100000ULL
#define LINUX_BZIMAGE_LOAD 0x100000ULL /* boot.rst: "0x100000 for bzImage kernels" */
#define LINUX_STACK_TOP	   0x7000ULL   /* below the zero page; the kernel sets its own */

#endif /* KVMINI_MEMORY_MAP_H */
