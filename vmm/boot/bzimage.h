/* SPDX-License-Identifier: MIT */
/*
 * The Linux x86 boot protocol, as a boot loader sees it
 * (Documentation/x86/boot.rst in the Linux 6.1 sources): the setup header a
 * bzImage carries at offset 0x1f1, and the "zero page" (struct boot_params)
 * the loader hands the kernel. Pure functions on buffers: unit-tested.
 */
#ifndef KVMINI_BZIMAGE_H
#define KVMINI_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h> /* struct boot_params, struct setup_header (Linux UAPI) */

#include "board/e820.h"

/* What a loader needs to know about a bzImage, read from its setup header. */
struct bzimage_info {
	uint16_t version;	  /* boot protocol, e.g. 0x020f for 2.15 */
	uint32_t setup_size;	  /* boot sector + real-mode setup: (setup_sects + 1) * 512 */
	uint64_t kernel_size;	  /* protected-mode kernel: syssize * 16 bytes after the setup */
	uint32_t header_end;	  /* file offset just past the setup header */
	uint32_t initrd_addr_max; /* highest address the initrd may occupy */
	uint32_t cmdline_size;	  /* longest command line, without the NUL */
	uint32_t kernel_alignment;
	bool relocatable;
	uint64_t pref_address; /* where the kernel runs (decompressed) */
	uint32_t init_size;    /* bytes it needs there before it reads the memory map */
};

/* Bytes of a bzImage bzimage_parse() wants to see: the boot sector and the header. */
#define BZIMAGE_HEAD 1024

/* Bytes bzimage_has_magic() needs: up to the end of the "HdrS" magic at 0x202. */
#define BZIMAGE_MAGIC_END 0x206

/*
 * Does the start of a file (head: its first head_len bytes) carry the Linux
 * boot protocol's "HdrS" magic at offset 0x202 (boot.rst, "header")? This is
 * how kvmini tells a bzImage from an ELF; bzimage_parse() checks the rest.
 */
bool bzimage_has_magic(const uint8_t *head, size_t head_len);

/*
 * Check the start of a bzImage (head: its first head_len bytes, at least
 * BZIMAGE_HEAD unless the file is shorter; file_size: the whole file) and
 * fill info. Refuses, with a one-line reason in err (never naming the file):
 * no "HdrS" magic; protocol older than 2.12 (no xloadflags, hence no 64-bit
 * entry); not a bzImage (LOADED_HIGH clear); not a 64-bit kernel
 * (XLF_KERNEL_64 clear); a setup or protected-mode part that runs past the
 * end of the file. 0 or -ENOEXEC.
 */
int bzimage_parse(const uint8_t *head, size_t head_len, uint64_t file_size,
		  struct bzimage_info *info, char *err, size_t errlen);

/*
 * Where the kernel will run and how much memory it needs there before it
 * looks at the e820 map (boot.rst, "init_size"), for a protected-mode kernel
 * loaded at load_addr: [start, start + init_size).
 */
uint64_t bzimage_runtime_start(const struct bzimage_info *info, uint64_t load_addr);

/* Where the loader put things, for bzimage_fill_boot_params(). */
struct linux_boot_args {
	uint64_t kernel_addr; /* protected-mode kernel (code32_start) */
	uint64_t cmdline_addr;
	uint64_t initrd_addr, initrd_size; /* size 0: no initrd */
	const struct e820_entry *e820;
	unsigned int e820_entries;
};

/*
 * Fill the zero page bp for the 64-bit boot protocol (boot.rst, "64-bit
 * BOOT PROTOCOL"): all zero, the setup header copied from the image (head,
 * as given to bzimage_parse), then the loader's fields: type_of_loader
 * 0xff, loadflags, heap_end_ptr, cmd_line_ptr, the initrd (split into the
 * low and ext_ 32-bit halves) and the e820 table. Returns 0, or -E2BIG
 * when the e820 table does not fit.
 */
int bzimage_fill_boot_params(struct boot_params *bp, const uint8_t *head,
			     const struct bzimage_info *info, const struct linux_boot_args *args);

#endif /* KVMINI_BZIMAGE_H */
