/* SPDX-License-Identifier: MIT */
/*
 * ELF64 files: the tiny guest, and Linux's vmlinux with its PVH entry note.
 */
#ifndef KVMINI_ELF_H
#define KVMINI_ELF_H

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
 * Every check elf_load() makes that needs no guest RAM, for refusing a bad
 * kernel before KVM is opened: fills img (load range, entry, PVH note) and
 * returns 0, or -errno with a one-line reason in err.
 */
int elf_check_file(const char *path, struct elf_image *img, char *err, size_t errlen);

/*
 * Does the ELF file at path carry a XEN_ELFNOTE_PHYS32_ENTRY note (Linux's
 * vmlinux with CONFIG_PVH)? Reads only headers and notes; false for anything
 * that is not a readable ELF.
 */
bool elf_has_pvh_entry(const char *path);

#endif /* KVMINI_ELF_H */
