// SPDX-License-Identifier: MIT
/*
 * The multiboot information structure (Multiboot Specification 0.6.96,
 * 3.3 "Boot information format"), its module list and its memory map, as
 * kvmini writes them for a multiboot kernel (boot/multiboot.h).
 */
#include <errno.h>
#include <string.h>

#include "abi/memory_map.h"
#include "boot/multiboot.h"

#define KIB 1024ULL
#define MIB (1024ULL * KIB)

/* Byte offsets in the information structure (spec 3.3). */
#define MBI_FLAGS	0
#define MBI_MEM_LOWER	4
#define MBI_MEM_UPPER	8
#define MBI_CMDLINE	16
#define MBI_MODS_COUNT	20
#define MBI_MODS_ADDR	24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR	48
#define MBI_LOADER_NAME 64

/* One module entry: mod_start, mod_end, string, reserved (spec 3.3). */
#define MBI_MODULE_SIZE 16

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

int multiboot_info_write(const struct guest_mem *mem, uint64_t info_addr,
			 const struct multiboot_boot *b)
{
	uint8_t info[MULTIBOOT_INFO_SIZE];
	uint32_t flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_MMAP;

	if ((uint64_t)b->e820_entries * MULTIBOOT_MMAP_ENTRY >
	    MULTIBOOT_INFO_SIZE - MULTIBOOT_INFO_MMAP_AT)
		return -E2BIG;
	/* Every address is a 32-bit field: the structure itself must be below 4 GiB too. */
	if (info_addr + MULTIBOOT_INFO_SIZE > 1ULL << 32 ||
	    (b->mod_size && b->mod_addr + b->mod_size > 1ULL << 32))
		return -EFAULT;
	memset(info, 0, sizeof(info));

	/*
	 * mem_lower: KiB of RAM from 0, up to the EBDA; mem_upper: KiB from
	 * 1 MiB to the first hole (spec 3.3). QEMU computes them the same way
	 * (hw/i386/multiboot.c), and kvm-unit-tests takes mem_upper * 1 KiB as
	 * the end of the memory it may allocate (lib/x86/setup.c).
	 */
	put32(info + MBI_MEM_LOWER, (uint32_t)(LINUX_RESERVED_LOW / KIB));
	put32(info + MBI_MEM_UPPER,
	      mem->low_size > MIB ? (uint32_t)((mem->low_size - MIB) / KIB) : 0);

	if (b->cmdline_addr) {
		flags |= MULTIBOOT_INFO_CMDLINE;
		put32(info + MBI_CMDLINE, (uint32_t)b->cmdline_addr);
	}
	if (b->mod_size) {
		uint8_t *m = info + MULTIBOOT_INFO_MODS_AT;
		flags |= MULTIBOOT_INFO_MODS;
		put32(info + MBI_MODS_COUNT, 1);
		put32(info + MBI_MODS_ADDR, (uint32_t)(info_addr + MULTIBOOT_INFO_MODS_AT));
		put32(m, (uint32_t)b->mod_addr);
		put32(m + 4, (uint32_t)(b->mod_addr + b->mod_size)); /* mod_end: exclusive */
		put32(m + 8, (uint32_t)b->mod_cmdline_addr);
	}
	if (b->loader_name_addr) {
		flags |= MULTIBOOT_INFO_LOADER;
		put32(info + MBI_LOADER_NAME, (uint32_t)b->loader_name_addr);
	}

	/*
	 * The memory map: each entry's size field counts the bytes after it
	 * (20), so that a reader steps by size + 4 (spec 3.3, mmap_*).
	 */
	for (unsigned int i = 0; i < b->e820_entries; i++) {
		uint8_t *e = info + MULTIBOOT_INFO_MMAP_AT + i * MULTIBOOT_MMAP_ENTRY;
		put32(e, MULTIBOOT_MMAP_ENTRY - 4);
		put64(e + 4, b->e820[i].addr);
		put64(e + 12, b->e820[i].size);
		put32(e + 20, b->e820[i].type);
	}
	put32(info + MBI_MMAP_LENGTH, b->e820_entries * MULTIBOOT_MMAP_ENTRY);
	put32(info + MBI_MMAP_ADDR, (uint32_t)(info_addr + MULTIBOOT_INFO_MMAP_AT));
	put32(info + MBI_FLAGS, flags);
	return guest_mem_write(mem, info_addr, info, sizeof(info));
}
