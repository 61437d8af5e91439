// SPDX-License-Identifier: MIT
/*
 * Booting the tiny test kernel: load its ELF at or above 1 MiB, put the
 * device tree at KVMINI_BOOT_FDT, and start vCPU 0 in long mode at the ELF
 * entry with RDI = FDT, RSI = KVMINI_BOOT_MAGIC (include/abi/kvmini_abi.h).
 */
#include <errno.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "kvmini/log.h"
#include "board/fdt_build.h"
#include "boot/boot.h"
#include "boot/boot_tiny.h"
#include "boot/elf.h"
#include "config.h"
#include "kvm/cpu_setup.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

int boot_tiny_guest(struct vm *vm, const struct vm_config *cfg, const struct elf_image *img)
{
	int ret;

	if (img->entry < img->load_low || img->entry >= img->load_high) {
		log_error("cannot load kernel '%s': entry point %#llx is outside its segments",
			  cfg->kernel_path, (unsigned long long)img->entry);
		return -ENOEXEC;
	}

	void *fdt = guest_mem_ptr(&vm->mem, KVMINI_BOOT_FDT, KVMINI_BOOT_FDT_MAX);
	if (!fdt)
		return -ENOMEM;
	ret = fdt_build(vm, cfg->cmdline, fdt, KVMINI_BOOT_FDT_MAX);
	if (ret) {
		log_error("the device tree does not fit in %llu KiB (command line too long?)",
			  (unsigned long long)(KVMINI_BOOT_FDT_MAX >> 10));
		return ret;
	}

	struct cpu_entry entry = {
		.rip = img->entry,
		.rsp = KVMINI_BOOT_STACK_TOP,
		.rdi = KVMINI_BOOT_FDT,
		.rsi = KVMINI_BOOT_MAGIC,
	};
	return cpu_setup_long_mode(&vm->vcpus[0], &entry);
}
