/* SPDX-License-Identifier: MIT */
/*
 * Loading a guest into RAM. boot_elf.c loads ELF files (the tiny guest, and
 * Linux's vmlinux with its PVH entry note); boot_linux.c loads bzImages.
 */
#ifndef KVMINI_BOOT_H
#define KVMINI_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvmini/guest_mem.h"

struct elf_image {
	uint64_t entry;	    /* e_entry: where a 64-bit ELF guest starts */
	uint64_t load_low;  /* lowest guest-physical byte loaded */
	uint64_t load_high; /* one past the highest byte (incl. .bss) */
	bool has_pvh_entry; /* a XEN_ELFNOTE_PHYS32_ENTRY note was found */
	uint32_t pvh_entry; /* its 32-bit physical entry point */
};

/*
 * Load the PT_LOAD segments of the ELF file at path into guest RAM at their
 * physical addresses (p_paddr), after checking the whole file first: an
 * x86-64 ELF64 executable, every segment inside the file and inside guest
 * RAM at or above min_addr. Nothing is written unless every check passes.
 * On failure returns -errno and puts a one-line reason into err (which
 * never repeats the path: the caller names the file).
 */
int elf_load(const struct guest_mem *mem, const char *path, uint64_t min_addr,
	     struct elf_image *img, char *err, size_t errlen);

/*
 * Does the ELF file at path carry a XEN_ELFNOTE_PHYS32_ENTRY note (Linux's
 * vmlinux with CONFIG_PVH)? Reads only headers and notes; false for anything
 * that is not a readable ELF.
 */
bool elf_has_pvh_entry(const char *path);

struct vm;
struct vm_config;

enum kernel_kind {
	KERNEL_ELF,	      /* the tiny guest (or anything else: elf_load judges) */
	KERNEL_LINUX_BZIMAGE, /* Linux boot protocol image ("HdrS" at 0x202) */
	KERNEL_LINUX_PVH,     /* an ELF with a XEN_ELFNOTE_PHYS32_ENTRY note: vmlinux */
};

/*
 * Fail early, before any KVM work, on a file that cannot be a kernel or an
 * initrd: missing, a directory, unreadable. Logs "cannot open <what> '<path>':
 * <reason>". 0 or -errno.
 */
int boot_check_file(const char *path, const char *what);

/* What kind of kernel the file at path is, from its first bytes and notes. */
enum kernel_kind boot_detect(const char *path);

/*
 * Load cfg->kernel_path, of the kind boot_detect() found, and set up the
 * boot vCPU (boot.c):
 *   a bzImage (Linux boot protocol "HdrS" header)  -> boot_linux_bzimage()
 *   an ELF with a PVH entry note (Linux vmlinux)     -> boot_linux_pvh()
 *   any other x86-64 ELF (the tiny guest)            -> boot_tiny_guest()
 * Logs the reason on failure. 0 or -errno.
 */
int boot_guest(struct vm *vm, const struct vm_config *cfg, enum kernel_kind kind);

/* The tiny guest, already loaded as img: device tree and long mode (boot_tiny.c). */
int boot_tiny_guest(struct vm *vm, const struct vm_config *cfg, const struct elf_image *img);

/* Linux (boot_linux.c): bzImage at path, or a vmlinux already loaded as img. */
int boot_linux_bzimage(struct vm *vm, const struct vm_config *cfg);
int boot_linux_pvh(struct vm *vm, const struct vm_config *cfg, const struct elf_image *img);

#endif /* KVMINI_BOOT_H */
