/* SPDX-License-Identifier: MIT */
/*
 * Where kvmini puts the structures a Linux guest boots from (vmm/boot_linux.c).
 * The kernel finds them through registers (RSI or EBX at entry) or, for the MP
 * table, by scanning the BIOS area; nothing here is ABI with guest/ code.
 *
 *   0x0000_1000  GDT (cpu_setup.c, KVMINI_BOOT_GDT)
 *   0x0000_3000  PVH: struct hvm_start_info, its module list and memory map
 *   0x0000_7000  bzImage: struct boot_params, the "zero page" (4 KiB)
 *   0x0000_8000  kernel command line (up to 32 KiB, far more than any kernel takes)
 *   0x0001_0000  bzImage: identity page tables (cpu_setup.c, KVMINI_BOOT_PML4)
 *   0x0009_fc00  reserved in the e820 map: EBDA, VGA hole, BIOS area ...
 *   0x000f_0000  ... where the Intel MP table lives (mptable.c)
 *   0x0010_0000  bzImage: the protected-mode kernel, as loaded from the file
 *   0x0100_0000  the kernel at run time (pref_address / vmlinux's p_paddr)
 *   ... top      the initrd, as high in low RAM as the kernel allows
 *
 * Everything below 1 MiB except the reserved range is plain RAM in the e820
 * map: the kernel copies the zero page and the command line before it
 * allocates memory (arch/x86/kernel/head64.c, copy_bootdata()), and builds
 * its own page tables.
 */
#ifndef KVMINI_LINUX_LAYOUT_H
#define KVMINI_LINUX_LAYOUT_H

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

#endif /* KVMINI_LINUX_LAYOUT_H */
