/* SPDX-License-Identifier: MIT */
/*
 * Booting a multiboot v1 kernel (boot/multiboot.h), such as a kvm-unit-tests
 * x86 test: its image where the file says, the information structure and
 * the command line in low memory, the initrd as its one module after the
 * image, and vCPU 0 in 32-bit protected mode with paging off,
 * EAX = 0x2BADB002 and EBX = the information structure (Multiboot
 * Specification 0.6.96, 3.2 "Machine state"). The other vCPUs wait for a
 * startup IPI, as on a PC.
 *
 * Guest-physical layout (include/abi/memory_map.h):
 *   0x1000              the GDT (cpu_setup.c)
 *   0x90000..0x9f000    information structure, module list, memory map,
 *                       then the command line and the loader's name
 *   0x2000 .. top       the kernel's image: anywhere else in low RAM
 *   after the image     the initrd, page aligned (as QEMU places modules)
 */
#ifndef KVMINI_BOOT_MULTIBOOT_H
#define KVMINI_BOOT_MULTIBOOT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vm_config;

/* Does the file at path carry a valid multiboot header in its first 8 KiB? */
bool boot_multiboot_detect(const char *path);

/*
 * Step 0's check of a multiboot kernel, before KVM: the file fits in mem_size
 * bytes of RAM, its header and image are sound (multiboot_parse()) and the
 * image avoids kvmini's boot area. Logs "cannot boot kernel 'PATH'
 * (--kernel): why". 0 or -errno.
 */
int boot_multiboot_check(const char *path, uint64_t mem_size);

/*
 * Load cfg->kernel_path and cfg->initrd_path (optional), write the command
 * line "PATH CMDLINE" (the kernel's name first, as GRUB and QEMU pass it)
 * and the information structure, and set up vCPU 0. Logs the reason on
 * failure. 0 or -errno.
 */
int boot_multiboot(struct vm *vm, const struct vm_config *cfg);

#endif /* KVMINI_BOOT_MULTIBOOT_H */
