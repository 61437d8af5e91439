/* SPDX-License-Identifier: MIT */
/*
 * Choosing how to boot the kernel file: the tiny guest (boot_tiny.h), or Linux
 * as a bzImage or a PVH vmlinux (boot_linux.h). ELF files are read by elf.h.
 */
#ifndef KVMINI_BOOT_H
#define KVMINI_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/elf.h"

struct vm;
struct vm_config;

enum kernel_kind {
	KERNEL_ELF,	      /* the tiny guest (or anything else: elf_load judges) */
	KERNEL_LINUX_BZIMAGE, /* Linux boot protocol image ("HdrS" at 0x202) */
	KERNEL_LINUX_PVH,     /* an ELF with a XEN_ELFNOTE_PHYS32_ENTRY note: vmlinux */
	KERNEL_MULTIBOOT,     /* a multiboot v1 header in the first 8 KiB: kvm-unit-tests */
};

/*
 * Step 0 of setup, before any KVM work: every input file on the command line
 * is of a kind its option takes, checked with stat() before it is opened and
 * then opened with O_NONBLOCK, so that nothing can hang here:
 *   --kernel, --initrd  a readable, non-empty regular file; the kernel's
 *                       headers must be sound (bzimage_parse or
 *                       elf_check_file) and what it loads must fit in
 *                       --mem; the initrd must fit whole; --initrd is
 *                       refused for a kernel that is neither Linux nor
 *                       multiboot
 *   --disk              a regular file or a block device, openable
 *                       read-write (read-only with ",ro"); not empty
 *   --console file:P    a regular file (created if missing) or a FIFO that
 *                       already has a reader
 * Logs one line "OPTION 'PATH': cause" for the first bad input. 0 or -errno.
 * --symbols is checked by symbols_load() the same way.
 */
int boot_check_inputs(const struct vm_config *cfg);

/*
 * What kind of kernel the file at path is, from its first bytes and notes:
 * a bzImage header first, then a PVH note, then a multiboot header.
 */
enum kernel_kind boot_detect(const char *path);

/*
 * Load cfg->kernel_path, of the kind boot_detect() found, and set up the
 * boot vCPU:
 *   a bzImage (Linux boot protocol "HdrS" header)  -> boot_linux_bzimage()
 *   an ELF with a PVH entry note (Linux vmlinux)     -> boot_linux_pvh()
 *   a multiboot v1 kernel (kvm-unit-tests' .flat)    -> boot_multiboot()
 *   any other x86-64 ELF (the tiny guest)            -> boot_tiny_guest()
 * Logs the reason on failure. 0 or -errno.
 */
int boot_guest(struct vm *vm, const struct vm_config *cfg, enum kernel_kind kind);

#endif /* KVMINI_BOOT_H */
