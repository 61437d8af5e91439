// SPDX-License-Identifier: MIT
/* Linux guests: not wired yet in this commit (issue: boot a minimal Linux guest). */
#include <errno.h>

#include "kvmini/boot.h"
#include "kvmini/config.h"
#include "kvmini/log.h"

int boot_linux_bzimage(struct vm *vm, const struct vm_config *cfg)
{
	(void)vm;
	log_error("cannot boot '%s': Linux bzImage support is not built yet", cfg->kernel_path);
	return -ENOTSUP;
}

int boot_linux_pvh(struct vm *vm, const struct vm_config *cfg, const struct elf_image *img)
{
	(void)vm;
	(void)img;
	log_error("cannot boot '%s': Linux PVH support is not built yet", cfg->kernel_path);
	return -ENOTSUP;
}
