/* SPDX-License-Identifier: MIT */
/*
 * Booting the tiny test kernel (guest/): a device tree, identity page tables
 * and long mode, per the entry contract in abi/kvmini_abi.h.
 */
#ifndef KVMINI_BOOT_TINY_H
#define KVMINI_BOOT_TINY_H

#include "boot/elf.h"

struct vm;
struct vm_config;

/* The tiny guest, already loaded as img: device tree and long mode. */
int boot_tiny_guest(struct vm *vm, const struct vm_config *cfg, const struct elf_image *img);

#endif /* KVMINI_BOOT_TINY_H */
