/* SPDX-License-Identifier: MIT */
/*
 * Booting Linux: a bzImage through the Linux x86 boot protocol
 * (Documentation/arch/x86/boot.rst), or a vmlinux through its PVH entry.
 */
#ifndef KVMINI_BOOT_LINUX_H
#define KVMINI_BOOT_LINUX_H

#include "boot/elf.h"

struct vm;
struct vm_config;

/* Linux: a bzImage at path, or a vmlinux already loaded as img. */
int boot_linux_bzimage(struct vm *vm, const struct vm_config *cfg);
int boot_linux_pvh(struct vm *vm, const struct vm_config *cfg, const struct elf_image *img);

#endif /* KVMINI_BOOT_LINUX_H */
