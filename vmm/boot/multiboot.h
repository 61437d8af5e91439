/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 kernels (Multiboot Specification 0.6.96): the header that
 * marks one, how its image is laid out in memory, and the information
 * structure the boot loader hands it. kvm-unit-tests' x86 tests are such
 * kernels: 32-bit ELF files (x86/NAME.flat) whose header asks for nothing
 * but the basics, and which take their environment as the first module.
 *
 * Everything here works on bytes in memory (the kernel file read whole, a
 * guest_mem), so the unit tests and the fuzzer drive it without KVM;
 * boot_multiboot.c reads the file and starts the vCPU.
 */
#ifndef KVMINI_MULTIBOOT_H
#define KVMINI_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/e820.h"
#include "kvmini/guest_mem.h"

/* Spec 3.1.1: the header lies 32-bit aligned in the first 8192 bytes. */
#define MULTIBOOT_HEADER_MAGIC 0x1BADB002u
#define MULTIBOOT_SEARCH       8192
#define MULTIBOOT_HEADER_MIN   12 /* magic, flags, checksum */
#define MULTIBOOT_HEADER_AOUT  32 /* ... and the five address fields of flag 16 */
/* Spec 3.2: EAX at entry. */
#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u

/* Header flags (spec 3.1.2). Bits 0-15 are requirements; 16-31 optional. */
#define MULTIBOOT_PAGE_ALIGN	 (1u << 0)  /* modules on 4 KiB boundaries */
#define MULTIBOOT_MEMORY_INFO	 (1u << 1)  /* mem_* fields (and the map) wanted */
#define MULTIBOOT_VIDEO_MODE	 (1u << 2)  /* a video mode table wanted: not offered */
#define MULTIBOOT_AOUT_KLUDGE	 (1u << 16) /* load addresses in the header, not ELF */
#define MULTIBOOT_KNOWN_REQUIRED (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* Information structure flags (spec 3.3). */
#define MULTIBOOT_INFO_MEMORY  (1u << 0)
#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MODS    (1u << 3)
#define MULTIBOOT_INFO_MMAP    (1u << 6)
#define MULTIBOOT_INFO_LOADER  (1u << 9)

#define MULTIBOOT_MAX_SEGMENTS 16

/* One piece of the file to copy into guest RAM, and the zeros after it. */
struct multiboot_segment {
	uint64_t offset; /* in the file */
	uint64_t filesz; /* bytes copied from the file */
	uint64_t paddr;	 /* guest-physical destination */
	uint64_t memsz;	 /* bytes in RAM: filesz, then zeros */
};

/* What multiboot_parse() found: where the kernel goes and where it starts. */
struct multiboot_image {
	uint32_t header_offset; /* where the header is in the file */
	uint32_t flags;		/* the header's flags */
	uint32_t entry;		/* guest-physical 32-bit entry point */
	uint64_t load_low;	/* lowest byte loaded */
	uint64_t load_high;	/* one past the highest byte, .bss included */
	unsigned int nsegs;
	struct multiboot_segment seg[MULTIBOOT_MAX_SEGMENTS];
};

/*
 * Offset of a valid multiboot header (magic, and flags + checksum summing
 * with it to 0) in the first MULTIBOOT_SEARCH bytes of buf[0..len), or -1.
 */
long multiboot_find_header(const uint8_t *buf, size_t len);

/*
 * Read the kernel file buf[0..len) (all of it): its header, and the image
 * it describes, through the header's address fields (flag 16) or else its
 * ELF32 program headers. Checks every offset and size against the file,
 * refuses a header that requires what kvmini does not offer (a video mode,
 * unknown bits 0-15), segments that wrap or lie at or above 4 GiB, and an
 * entry point outside the loaded image. Fills img and returns 0, or
 * returns -ENOEXEC (not multiboot, or corrupt) or -ENOTSUP with a one-line
 * reason in err (which never names the file: the caller does).
 */
int multiboot_parse(const uint8_t *buf, size_t len, struct multiboot_image *img, char *err,
		    size_t errlen);

/*
 * Copy img's segments from buf (the file multiboot_parse() read) into mem
 * and zero their .bss. Every segment must lie in RAM at or above min_addr,
 * checked before anything is written. 0, or -ERANGE with a reason in err.
 */
int multiboot_load(const struct guest_mem *mem, const uint8_t *buf,
		   const struct multiboot_image *img, uint64_t min_addr, char *err, size_t errlen);

/* What the information structure points at; addresses are guest-physical. */
struct multiboot_boot {
	uint64_t cmdline_addr;	       /* the kernel's NUL-terminated command line, or 0 */
	uint64_t mod_addr, mod_size;   /* the one module (the initrd); mod_size 0: none */
	uint64_t mod_cmdline_addr;     /* the module's string, or 0 */
	uint64_t loader_name_addr;     /* the boot loader's name, or 0 */
	const struct e820_entry *e820; /* the memory map */
	unsigned int e820_entries;
};

/* Bytes at info_addr that multiboot_info_write() uses: the structure, module list, map. */
#define MULTIBOOT_INFO_SIZE    0x400
#define MULTIBOOT_INFO_MODS_AT 0x100 /* module list, from info_addr */
#define MULTIBOOT_INFO_MMAP_AT 0x200 /* memory map, from info_addr */
#define MULTIBOOT_INFO_STRUCT  88    /* spec 3.3: flags .. vbe_interface_len */
#define MULTIBOOT_MMAP_ENTRY   24    /* u32 size (20), u64 base, u64 length, u32 type */

/*
 * Write the information structure (spec 3.3) at info_addr in mem, with the
 * module list and memory map after it (MULTIBOOT_INFO_*_AT). mem_lower and
 * mem_upper are derived from mem like QEMU does (640 KiB, and the RAM from
 * 1 MiB to the first hole), flags say which fields are valid. 0, -E2BIG
 * (the map does not fit) or -EFAULT (info_addr is not RAM).
 */
int multiboot_info_write(const struct guest_mem *mem, uint64_t info_addr,
			 const struct multiboot_boot *b);

#endif /* KVMINI_MULTIBOOT_H */
