/* SPDX-License-Identifier: MIT */
/*
 * The PVH boot protocol's start-of-day structure (Xen's
 * include/public/arch-x86/hvm/start_info.h, mirrored in Linux 6.1 as
 * include/xen/interface/hvm/start_info.h). A kernel with a
 * XEN_ELFNOTE_PHYS32_ENTRY note is entered in 32-bit protected mode, paging
 * off, with EBX holding the guest-physical address of struct hvm_start_info.
 * Linux reads it in arch/x86/platform/pvh/enlighten.c.
 */
#ifndef KVMINI_PVH_H
#define KVMINI_PVH_H

#include <stddef.h>
#include <stdint.h>

#include "board/e820.h"

#define HVM_START_MAGIC 0x336ec578 /* "xEn3" with the 0x80 bit of the "E" set */
/* Version 1 added the memory map; Linux refuses version 0 outside Xen. */
#define HVM_START_VERSION 1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr; /* array of struct hvm_modlist_entry */
	uint64_t cmdline_paddr; /* NUL-terminated */
	uint64_t rsdp_paddr;	/* ACPI RSDP; 0: none */
	uint64_t memmap_paddr;	/* array of struct hvm_memmap_table_entry */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

/* Types are the e820 / ACPI address range types (E820_RAM, E820_RESERVED). */
struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* Where pvh_start_info_fill() puts its parts, guest-physical. */
struct pvh_layout {
	uint64_t start_info; /* struct hvm_start_info */
	uint64_t modlist;    /* one struct hvm_modlist_entry */
	uint64_t memmap;     /* e820_entries struct hvm_memmap_table_entry */
};

/*
 * Fill the three parts in host buffers: *si, *mod and memmap[0..n) where
 * n = e820_entries. The command line is at cmdline_paddr; initrd_size 0
 * means no initrd (then *mod is left zero and nr_modules is 0: Linux takes
 * the first module as the initrd). The caller copies the buffers to the
 * guest at layout's addresses.
 */
void pvh_start_info_fill(struct hvm_start_info *si, struct hvm_modlist_entry *mod,
			 struct hvm_memmap_table_entry *memmap, const struct pvh_layout *layout,
			 uint64_t cmdline_paddr, uint64_t initrd_addr, uint64_t initrd_size,
			 const struct e820_entry *e820, unsigned int e820_entries);

#endif /* KVMINI_PVH_H */
