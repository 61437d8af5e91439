// SPDX-License-Identifier: MIT
/* Which kind of kernel is this? Dispatch to the loader that knows it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "kvmini/log.h"
#include "boot/boot.h"
#include "boot/boot_linux.h"
#include "boot/boot_tiny.h"
#include "boot/bzimage.h"
#include "boot/elf.h"
#include "config.h"
#include "kvm/vm.h"

int boot_check_file(const char *path, const char *what)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int err = errno;
		log_error("cannot open %s '%s': %s", what, path, strerror(err));
		return -err;
	}
	if (S_ISDIR(st.st_mode)) {
		log_error("cannot open %s '%s': is a directory", what, path);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("cannot open %s '%s': not a regular file", what, path);
		return -EINVAL;
	}
	if (access(path, R_OK) < 0) {
		int err = errno;
		log_error("cannot open %s '%s': %s", what, path, strerror(err));
		return -err;
	}
	return 0;
}

/* Does the file start like a bzImage? The bzImage parser owns the magic. */
static bool is_bzimage(const char *path)
{
	uint8_t head[BZIMAGE_MAGIC_END];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	return n > 0 && bzimage_has_magic(head, (size_t)n);
}

enum kernel_kind boot_detect(const char *path)
{
	if (is_bzimage(path))
		return KERNEL_LINUX_BZIMAGE;
	if (elf_has_pvh_entry(path))
		return KERNEL_LINUX_PVH;
	return KERNEL_ELF; /* or not a kernel at all: elf_load() will say why */
}

int boot_guest(struct vm *vm, const struct vm_config *cfg, enum kernel_kind kind)
{
	struct elf_image img;
	char err[256];
	int ret;

	if (kind == KERNEL_LINUX_BZIMAGE)
		return boot_linux_bzimage(vm, cfg);

	/*
	 * An ELF: the tiny guest must load above the boot structures in the
	 * first MiB; so must Linux's vmlinux (it links at 16 MiB).
	 */
	ret = elf_load(&vm->mem, cfg->kernel_path, KVMINI_BOOT_LOW_END, &img, err, sizeof(err));
	if (ret) {
		log_error("cannot load kernel '%s': %s", cfg->kernel_path, err);
		return ret;
	}
	/* boot_detect() decided; elf_load() found where the PVH entry is. */
	if (kind == KERNEL_LINUX_PVH)
		return boot_linux_pvh(vm, cfg, &img);
	return boot_tiny_guest(vm, cfg, &img);
}
