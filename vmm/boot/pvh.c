// SPDX-License-Identifier: MIT
/*
 * PVH start info: the whole boot interface of a vmlinux started at its
 * XEN_ELFNOTE_PHYS32_ENTRY. Compared with the bzImage protocol there is no
 * setup header to read and no real-mode or decompressor stage to run: the
 * kernel gets its command line, its initrd (as the first module) and its
 * memory map from this one structure. Layout: Linux 6.1
 * include/xen/interface/hvm/start_info.h.
 */
#include <assert.h>
#include <string.h>

#include "boot/pvh.h"

static_assert(sizeof(struct hvm_start_info) == 56, "start_info.h: 56 bytes in version 1");
static_assert(sizeof(struct hvm_modlist_entry) == 32, "start_info.h: module entry");
static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "start_info.h: memory map entry");

void pvh_start_info_fill(struct hvm_start_info *si, struct hvm_modlist_entry *mod,
			 struct hvm_memmap_table_entry *memmap, const struct pvh_layout *layout,
			 uint64_t cmdline_paddr, uint64_t initrd_addr, uint64_t initrd_size,
			 const struct e820_entry *e820, unsigned int e820_entries)
{
	memset(si, 0, sizeof(*si));
	memset(mod, 0, sizeof(*mod));

	si->magic = HVM_START_MAGIC;
	si->version = HVM_START_VERSION;
	si->cmdline_paddr = cmdline_paddr;
	/* No ACPI: rsdp_paddr stays 0, "not present" (start_info.h). */

	if (initrd_size) {
		/* "The first module is always ramdisk." (pvh/enlighten.c) */
		mod->paddr = initrd_addr;
		mod->size = initrd_size;
		si->nr_modules = 1;
		si->modlist_paddr = layout->modlist;
	}

	/*
	 * Linux copies this map into its e820 table and then adds the ISA
	 * range [0xa0000, 0x100000) as reserved itself; ours already covers
	 * it, and overlapping reserved ranges are merged.
	 */
	for (unsigned int i = 0; i < e820_entries; i++) {
		memmap[i].addr = e820[i].addr;
		memmap[i].size = e820[i].size;
		memmap[i].type = e820[i].type;
		memmap[i].reserved = 0;
	}
	si->memmap_paddr = layout->memmap;
	si->memmap_entries = e820_entries;
}
