/* SPDX-License-Identifier: MIT */
/*
 * Can this Linux kernel see kvmini's devices? Read from the kernel's build
 * configuration (vmm/boot/kconfig.c), before KVM is touched. kvmini tells
 * Linux where its virtio-mmio devices are only on the command line
 * ("virtio_mmio.device=..."), which a kernel understands only with
 * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y. Debian's stock cloud kernel, for
 * one, has CONFIG_VIRTIO_MMIO=m without it, and boots to a root disk it
 * never finds. A warning before boot says why.
 *
 * Where the configuration comes from, first found wins:
 *   - a vmlinux's embedded IKCONFIG (CONFIG_IKCONFIG): "IKCFG_ST" followed
 *     by a gzip stream of the .config text (kernel/configs.c); a bzImage's
 *     copy is inside its compressed payload, out of reach;
 *   - the distribution's file beside the kernel: /boot/config-VERSION for
 *     /boot/vmlinuz-VERSION (or vmlinux-VERSION);
 *   - ".config" beside a file named "vmlinux" (a kernel build tree).
 * No configuration found: nothing is said.
 */
#ifndef KVMINI_KCONFIG_H
#define KVMINI_KCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a .config sets an option. Absent from a full .config means "no". */
enum kconfig_value {
	KCONFIG_NO,	/* "# CONFIG_X is not set", or absent */
	KCONFIG_MODULE, /* CONFIG_X=m */
	KCONFIG_YES,	/* CONFIG_X=y */
};

/* The few options that decide whether kvmini's board is usable. */
struct kconfig {
	enum kconfig_value virtio_mmio;		/* CONFIG_VIRTIO_MMIO */
	enum kconfig_value virtio_mmio_cmdline; /* CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES */
	enum kconfig_value virtio_blk;		/* CONFIG_VIRTIO_BLK */
	enum kconfig_value serial_console;	/* CONFIG_SERIAL_8250_CONSOLE */
	enum kconfig_value pvh;			/* CONFIG_PVH */
	enum kconfig_value virtio_fs;		/* CONFIG_VIRTIO_FS */
};

/*
 * Read the options above from .config text[0, len) (need not end in NUL).
 * Lines "CONFIG_X=y", "CONFIG_X=m" and "# CONFIG_X is not set"; anything
 * else is skipped. Never reads past len.
 */
void kconfig_parse(struct kconfig *kc, const char *text, size_t len);

/*
 * Find a kernel's embedded configuration in image[0, len) (a vmlinux) and
 * inflate it, at most max_out bytes. On success *text is a malloc'ed copy
 * (NUL-terminated, free() it) of *text_len bytes and 0 is returned;
 * -ENOENT: no "IKCFG_ST" gzip stream; -EINVAL: a broken stream; -EFBIG: it
 * inflates to more than max_out.
 */
int kconfig_from_ikconfig(const uint8_t *image, size_t len, size_t max_out, char **text,
			  size_t *text_len);

/* What this run needs of the kernel. */
struct kconfig_needs {
	bool disk;	   /* --disk: virtio-blk */
	bool com1_console; /* the console is COM1 (ttyS0, kvmini's default) */
	bool pvh;	   /* the kernel is a vmlinux, booted at its PVH entry */
	bool share;	   /* --share: virtio-fs */
};

/*
 * The problems of configuration kc for a run that needs needs: up to max
 * one-line explanations (static strings, each naming the option to set)
 * into why[]. Returns how many there are (possibly more than max).
 */
unsigned int kconfig_problems(const struct kconfig *kc, const struct kconfig_needs *needs,
			      const char **why, unsigned int max);

/*
 * Find the configuration of the kernel at kernel_path (is_vmlinux: an ELF,
 * whose IKCONFIG is tried first) and log a warning for each problem. Never
 * fails a run: a kernel without a findable configuration is not judged.
 */
void kconfig_warn(const char *kernel_path, bool is_vmlinux, const struct kconfig_needs *needs);

#endif /* KVMINI_KCONFIG_H */
