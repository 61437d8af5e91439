// SPDX-License-Identifier: MIT
/* Which kind of kernel is this? Dispatch to the loader that knows it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "kvmini/log.h"
#include "kvmini/net_backend.h"
#include "boot/boot.h"
#include "boot/boot_linux.h"
#include "boot/boot_multiboot.h"
#include "boot/boot_tiny.h"
#include "boot/bzimage.h"
#include "boot/elf.h"
#include "boot/kconfig.h"
#include "boot/linux_cmdline.h"
#include "cli.h"
#include "config.h"
#include "kvm/vm.h"

/* Kinds of file an input option accepts (a bit mask). */
enum {
	ACCEPT_REGULAR = 1 << 0,
	ACCEPT_BLOCK = 1 << 1, /* --disk: a block device is a fine disk */
	ACCEPT_FIFO = 1 << 2,  /* --console file: a FIFO with a reader */
};

/* What st is, for a message: "is a FIFO", "is a directory". */
static const char *kind_of(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO (named pipe)";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "an unusual file";
	}
}

static bool accepted(const struct stat *st, unsigned int accept)
{
	return (S_ISREG(st->st_mode) && (accept & ACCEPT_REGULAR)) ||
	       (S_ISBLK(st->st_mode) && (accept & ACCEPT_BLOCK)) ||
	       (S_ISFIFO(st->st_mode) && (accept & ACCEPT_FIFO));
}

/*
 * Log "ACTION 'PATH' (OPTION): CAUSE", e.g. "cannot open disk image '/tmp/x'
 * (--disk): is a FIFO (named pipe), not a regular file", and return ret.
 */
static int refuse(int ret, const char *action, const char *option, const char *path,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int refuse(int ret, const char *action, const char *option, const char *path,
		  const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_error("%s '%s' (%s): %s", action, path, option, why);
	return ret;
}

/*
 * Check one input file: its kind from stat() before anything opens it (a
 * FIFO or a device could block the open, or never end a read), then an
 * open with O_NONBLOCK and the given access, which proves the permission
 * and cannot hang, then its size: an empty regular file is refused, and so
 * is one larger than max_size (0: no limit). noun names the file in
 * messages ("cannot open disk image ..."). 0 or -errno, message logged.
 */
static int check_input(const char *option, const char *path, const char *noun, unsigned int accept,
		       int access, uint64_t max_size)
{
	char open_it[64], load_it[64];
	const char *want =
		accept & ACCEPT_BLOCK ? "a regular file or a block device" : "a regular file";
	struct stat st;
	int ret = 0;

	snprintf(open_it, sizeof(open_it), "cannot open %s", noun);
	snprintf(load_it, sizeof(load_it), "cannot load %s", noun);
	if (stat(path, &st) < 0)
		return refuse(-errno, open_it, option, path, "%s", strerror(errno));
	if (!accepted(&st, accept))
		return refuse(S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL, open_it, option, path,
			      "is %s, not %s", kind_of(&st), want);
	int fd = open(path, access | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return refuse(-errno, open_it, option, path, "%s", strerror(errno));
	/* The path may have changed since stat(): judge what was opened. */
	if (fstat(fd, &st) < 0) {
		ret = refuse(-errno, open_it, option, path, "%s", strerror(errno));
	} else if (!accepted(&st, accept)) {
		ret = refuse(-EINVAL, open_it, option, path, "is %s, not %s", kind_of(&st), want);
	} else if (S_ISREG(st.st_mode) && st.st_size == 0) {
		ret = refuse(-EINVAL, open_it, option, path, "the file is empty");
	} else if (S_ISREG(st.st_mode) && max_size && (uint64_t)st.st_size > max_size) {
		ret = refuse(-EFBIG, load_it, option, path,
			     "%llu MiB does not fit in guest RAM of %llu MiB (--mem)",
			     (unsigned long long)(st.st_size >> 20),
			     (unsigned long long)(max_size >> 20));
	}
	close(fd);
	return ret;
}

/*
 * --console file:PATH is written by the I/O thread, which must never block:
 * a regular file (created if missing), or a FIFO that a reader already has
 * open. O_NONBLOCK on a FIFO's write end fails with ENXIO when no one reads
 * (fifo(7)); without it the open would wait for a reader forever.
 */
#define CONSOLE_FILE_OPEN "cannot open console file"
#define CONSOLE_OPTION	  "--console"

static int check_console_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && !accepted(&st, ACCEPT_REGULAR | ACCEPT_FIFO))
		return refuse(S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL, CONSOLE_FILE_OPEN,
			      CONSOLE_OPTION, path,
			      "is %s; console output goes to a regular file or a FIFO "
			      "(use --console stdio for a terminal)",
			      kind_of(&st));
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENXIO)
		return refuse(-ENXIO, CONSOLE_FILE_OPEN, CONSOLE_OPTION, path,
			      "is a FIFO that no one reads: start its reader first");
	if (fd < 0)
		return refuse(-errno, CONSOLE_FILE_OPEN, CONSOLE_OPTION, path, "%s",
			      strerror(errno));
	int ret = 0;
	if (fstat(fd, &st) < 0 || !accepted(&st, ACCEPT_REGULAR | ACCEPT_FIFO))
		ret = refuse(-EINVAL, CONSOLE_FILE_OPEN, CONSOLE_OPTION, path,
			     "is not a regular file or a FIFO");
	close(fd);
	return ret;
}

/*
 * The kernel's own headers, read before KVM: a bzImage's setup header
 * (bzimage_parse) or an ELF's headers and segments (elf_check_file).
 */
static int check_kernel_image(const char *path, enum kernel_kind kind, uint64_t mem_size)
{
	char err[256];
	int ret;

	if (kind == KERNEL_MULTIBOOT)
		return boot_multiboot_check(path, mem_size);

	if (kind == KERNEL_LINUX_BZIMAGE) {
		uint8_t head[BZIMAGE_HEAD];
		struct bzimage_info info;
		struct stat st;
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return refuse(-errno, "cannot open kernel", "--kernel", path, "%s",
				      strerror(errno));
		ssize_t n = fstat(fd, &st) < 0 ? -1 : pread(fd, head, sizeof(head), 0);
		ret = n < 0 ? -errno
			    : bzimage_parse(head, (size_t)n, (uint64_t)st.st_size, &info, err,
					    sizeof(err));
		close(fd);
		if (ret)
			return refuse(ret, "cannot boot kernel", "--kernel", path, "%s",
				      n < 0 ? strerror(-ret) : err);
		/* Guest RAM is not there yet, but all of it is an upper bound. */
		uint64_t run, end;
		if (bzimage_footprint(&info, LINUX_BZIMAGE_LOAD, &run, &end))
			return refuse(-ENOEXEC, "cannot boot kernel", "--kernel", path,
				      "corrupt setup header: pref_address %#llx + init_size %#x "
				      "wraps past 2^64",
				      (unsigned long long)info.pref_address, info.init_size);
		if (end > mem_size)
			return refuse(-ENOMEM, "cannot boot kernel", "--kernel", path,
				      "needs %llu MiB of guest RAM (it runs at %#llx and needs "
				      "%u MiB there); --mem gives %llu MiB",
				      (unsigned long long)((end + (1 << 20) - 1) >> 20),
				      (unsigned long long)run, info.init_size >> 20,
				      (unsigned long long)(mem_size >> 20));
		return 0;
	}
	struct elf_image img;
	ret = elf_check_file(path, &img, err, sizeof(err));
	if (ret)
		return refuse(ret, "cannot load kernel", "--kernel", path, "%s", err);
	/*
	 * Segments below the boot structures, or above the top of the RAM
	 * --mem will give, can never load; elf_load() checks each segment
	 * against the real layout later, this only catches the sure cases.
	 */
	struct guest_mem layout;
	guest_mem_layout(&layout, NULL, mem_size);
	if (img.load_low < KVMINI_BOOT_LOW_END || img.load_high > guest_mem_top(&layout))
		return refuse(-ERANGE, "cannot load kernel", "--kernel", path,
			      "its segments [%#llx, %#llx) lie outside guest RAM [%#llx, %#llx) "
			      "(too little --mem, or not linked for kvmini?)",
			      (unsigned long long)img.load_low, (unsigned long long)img.load_high,
			      (unsigned long long)KVMINI_BOOT_LOW_END,
			      (unsigned long long)guest_mem_top(&layout));
	return 0;
}

/*
 * One --net, as far as it can be judged without opening it: a socket fd of
 * the right type (the CLI checked it already; again for a vm_config built
 * without the CLI), a TAP device node we may open (whether TUNSETIFF is
 * allowed, CAP_NET_ADMIN or a persistent tap of ours, only the open tells:
 * the board reports that), a build with libslirp for --net user.
 */
static int check_net(const struct net_config *n)
{
	char why[256];
	int ret;

	switch (n->kind) {
	case NET_SOCKET:
		if ((ret = cli_check_net_fd(n->fd, why, sizeof(why))))
			log_error("%s", why);
		return ret;
	case NET_TAP:
		if (access("/dev/net/tun", R_OK | W_OK) == 0)
			return 0;
		ret = -errno;
		if (errno == ENOENT)
			log_error("cannot use --net tap: /dev/net/tun is missing (load the tun "
				  "module: modprobe tun)");
		else
			log_error("cannot use --net tap: /dev/net/tun: %s (needs root or "
				  "CAP_NET_ADMIN)",
				  strerror(errno));
		return ret;
	case NET_USER:
		if (net_slirp_available())
			return 0;
		log_error("cannot use --net user: this kvmini was built without libslirp");
		return -ENOTSUP;
	}
	return -EINVAL;
}

/*
 * --vsock CID,PATH: the backend will bind a Unix socket at PATH (and remove
 * a stale one there first), so PATH's directory must exist and be writable,
 * and whatever already is at PATH must be a socket: a user's regular file
 * is never deleted to make room.
 */
static int check_vsock(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	struct stat st;

	/* The CLI bounded the length to fit sun_path. */
	if (!slash)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (access(dir, W_OK | X_OK) < 0) {
		int ret = -errno;
		log_error("cannot use --vsock: the directory '%s' of its socket '%s': %s", dir,
			  path, strerror(errno));
		return ret;
	}
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		log_error("cannot use --vsock: '%s' exists and is not a socket (kvmini will not "
			  "replace it; choose another PATH)",
			  path);
		return -EEXIST;
	}
	return 0;
}

int boot_check_inputs(const struct vm_config *cfg)
{
	int ret;

	/*
	 * An initrd is loaded whole, so it cannot be larger than guest RAM.
	 * A kernel file can: a vmlinux with debug information is hundreds of
	 * MiB, of which only the segments load; check_kernel_image() judges
	 * what the kernel really needs.
	 */
	if ((ret = check_input("--kernel", cfg->kernel_path, "kernel", ACCEPT_REGULAR, O_RDONLY,
			       0)) ||
	    (cfg->initrd_path && (ret = check_input("--initrd", cfg->initrd_path, "initrd",
						    ACCEPT_REGULAR, O_RDONLY, cfg->mem_size))))
		return ret;
	enum kernel_kind kind = boot_detect(cfg->kernel_path);
	/* Warnings only: can this Linux see kvmini's devices (boot/kconfig.h)? */
	struct kconfig_needs needs = {
		.disk = cfg->ndisks > 0,
		.com1_console = !linux_cmdline_has_param(cfg->cmdline, "console"),
		.pvh = kind != KERNEL_LINUX_BZIMAGE,
		.share = cfg->nshares > 0,
	};
	if (kind != KERNEL_MULTIBOOT)
		kconfig_warn(cfg->kernel_path, kind != KERNEL_LINUX_BZIMAGE, &needs);
	if ((ret = check_kernel_image(cfg->kernel_path, kind, cfg->mem_size)))
		return ret;
	/* The tiny guest has no initrd loader: say so rather than drop the file. */
	if (cfg->initrd_path && kind == KERNEL_ELF)
		return refuse(-EINVAL, "cannot use initrd", "--initrd", cfg->initrd_path,
			      "the kernel '%s' is not Linux (no bzImage header, no PVH note) "
			      "nor multiboot; only those guests take an initrd",
			      cfg->kernel_path);
	for (unsigned int i = 0; i < cfg->ndisks; i++) {
		const struct disk_config *d = &cfg->disks[i];
		if ((ret = check_input("--disk", d->path, "disk image",
				       ACCEPT_REGULAR | ACCEPT_BLOCK,
				       d->read_only ? O_RDONLY : O_RDWR, 0)))
			return ret;
	}
	if (cfg->console == CONSOLE_FILE && (ret = check_console_file(cfg->console_path)))
		return ret;
	for (unsigned int i = 0; i < cfg->nnics && !ret; i++)
		ret = check_net(&cfg->nics[i]);
	if (!ret && cfg->vsock_path)
		ret = check_vsock(cfg->vsock_path);
	if (ret)
		return ret;
	/* --symbols: symbols_load() makes the same checks, and reads the file. */
	return 0;
}

/* Does the file start like a bzImage? The bzImage parser owns the magic. */
static bool is_bzimage(const char *path)
{
	uint8_t head[BZIMAGE_MAGIC_END];
	/* O_NONBLOCK: boot_check_inputs() refused FIFOs, but the path may have changed since. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
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
	if (boot_multiboot_detect(path))
		return KERNEL_MULTIBOOT;
	return KERNEL_ELF; /* or not a kernel at all: elf_load() will say why */
}

int boot_guest(struct vm *vm, const struct vm_config *cfg, enum kernel_kind kind)
{
	struct elf_image img;
	char err[256];
	int ret;

	if (kind == KERNEL_LINUX_BZIMAGE)
		return boot_linux_bzimage(vm, cfg);
	if (kind == KERNEL_MULTIBOOT)
		return boot_multiboot(vm, cfg);

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
