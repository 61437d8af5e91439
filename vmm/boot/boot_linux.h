/* SPDX-License-Identifier: MIT */
/*
 * Booting Linux: a bzImage through the Linux x86 boot protocol
 * (Documentation/arch/x86/boot.rst), or a vmlinux through its PVH entry.
 */
#ifndef KVMINI_BOOT_LINUX_H
#define KVMINI_BOOT_LINUX_H

#include "boot/elf.h"

struct board;
struct vm;
struct vm_config;

/* Linux: a bzImage at path, or a vmlinux already loaded as img. */
int boot_linux_bzimage(struct vm *vm, const struct vm_config *cfg);
int boot_linux_pvh(struct vm *vm, const struct vm_config *cfg, const struct elf_image *img);

/*
 * Watch COM1 for Linux's panic and halt lines (boot/linux_events.h) and
 * count a triple fault as a reboot once Linux has booted. Both loaders call
 * it; so does a restore of a Linux snapshot (vmm/host/restore.c).
 */
void boot_linux_watch_console(struct board *b);

#endif /* KVMINI_BOOT_LINUX_H */
