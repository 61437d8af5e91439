// SPDX-License-Identifier: MIT
/*
 * A Linux kernel's build configuration, as far as kvmini's board depends on
 * it (see kconfig.h). Every input here is a file the user named, or one
 * found beside it: it is read with a size limit, parsed with explicit
 * lengths, and a configuration that cannot be read is simply not judged.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "boot/kconfig.h"
#include "kvmini/log.h"

/* A .config is about 250 KiB (Linux 6.1, x86_64 defconfig plus modules). */
#define KCONFIG_MAX (4u << 20)

static const struct {
	const char *name;
	size_t offset;
} options[] = {
	{"CONFIG_VIRTIO_MMIO", offsetof(struct kconfig, virtio_mmio)},
	{"CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES", offsetof(struct kconfig, virtio_mmio_cmdline)},
	{"CONFIG_VIRTIO_BLK", offsetof(struct kconfig, virtio_blk)},
	{"CONFIG_SERIAL_8250_CONSOLE", offsetof(struct kconfig, serial_console)},
	{"CONFIG_PVH", offsetof(struct kconfig, pvh)},
	{"CONFIG_VIRTIO_FS", offsetof(struct kconfig, virtio_fs)},
};

/* The option named exactly name[0, len), or NULL if kvmini does not care about it. */
static enum kconfig_value *option(struct kconfig *kc, const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strlen(options[i].name) == len && memcmp(options[i].name, name, len) == 0)
			return (enum kconfig_value *)((char *)kc + options[i].offset);
	return NULL;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* One line, without its '\n'. */
static void parse_line(struct kconfig *kc, const char *line, size_t len)
{
	static const char not_set[] = " is not set";

	if (starts_with(line, len, "# CONFIG_")) {
		/* "# CONFIG_X is not set" */
		const char *name = line + 2;
		const char *end = memchr(name, ' ', len - 2);
		if (!end || (size_t)(line + len - end) != sizeof(not_set) - 1 ||
		    memcmp(end, not_set, sizeof(not_set) - 1) != 0)
			return;
		enum kconfig_value *v = option(kc, name, (size_t)(end - name));
		if (v)
			*v = KCONFIG_NO;
		return;
	}
	if (!starts_with(line, len, "CONFIG_"))
		return;
	/* "CONFIG_X=y" or "CONFIG_X=m" (other values are not tristates). */
	const char *eq = memchr(line, '=', len);
	if (!eq || (size_t)(line + len - eq) != 2)
		return;
	enum kconfig_value *v = option(kc, line, (size_t)(eq - line));
	if (v && (eq[1] == 'y' || eq[1] == 'm'))
		*v = eq[1] == 'y' ? KCONFIG_YES : KCONFIG_MODULE;
}

void kconfig_parse(struct kconfig *kc, const char *text, size_t len)
{
	memset(kc, 0, sizeof(*kc)); /* KCONFIG_NO: absent from a .config */
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		size_t line_len = n && text[n - 1] == '\r' ? n - 1 : n;
		parse_line(kc, text, line_len);
		if (!nl)
			break;
		text += n + 1;
		len -= n + 1;
	}
}

int kconfig_from_ikconfig(const uint8_t *image, size_t len, size_t max_out, char **text,
			  size_t *text_len)
{
	/* kernel/configs.c: the marker, then the gzip stream (RFC 1952: 1f 8b, deflate 08). */
	static const char marker[] = "IKCFG_ST\x1f\x8b\x08";
	const size_t marker_len = 8; /* the gzip magic is part of the stream */

	const uint8_t *start = memmem(image, len, marker, sizeof(marker) - 1);
	if (!start)
		return -ENOENT;
	start += marker_len;

	if (max_out > UINT_MAX)
		max_out = UINT_MAX; /* what one inflate() call can fill */
	char *out = malloc(max_out + 1);
	if (!out)
		return -ENOMEM;
	z_stream zs = {0};
	/* 16 + MAX_WBITS: a gzip header and trailer (zlib.h, inflateInit2). */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		free(out);
		return -ENOMEM;
	}
	size_t in_left = len - (size_t)(start - image);
	zs.next_in = (Bytef *)start;
	zs.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)max_out;
	int ret = inflate(&zs, Z_FINISH);
	size_t produced = zs.total_out;
	inflateEnd(&zs);
	if (ret != Z_STREAM_END) {
		free(out);
		/* Output full but the stream goes on: too big; anything else: broken. */
		return ret == Z_BUF_ERROR && produced == max_out ? -EFBIG : -EINVAL;
	}
	out[produced] = '\0';
	*text = out;
	*text_len = produced;
	return 0;
}

unsigned int kconfig_problems(const struct kconfig *kc, const struct kconfig_needs *needs,
			      const char **why, unsigned int max)
{
	unsigned int n = 0;
#define PROBLEM(text)                                                                              \
	do {                                                                                       \
		if (n < max)                                                                       \
			why[n] = (text);                                                           \
		n++;                                                                               \
	} while (0)

	if (kc->virtio_mmio == KCONFIG_NO)
		PROBLEM("CONFIG_VIRTIO_MMIO is not set: the kernel has no virtio-mmio driver, "
			"so it sees none of kvmini's devices (disks, console, rng, network)");
	else if (kc->virtio_mmio_cmdline != KCONFIG_YES)
		PROBLEM("CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set: the kernel cannot take "
			"kvmini's device list from the command line (virtio_mmio.device=), so "
			"it sees none of kvmini's devices");
	else if (kc->virtio_mmio == KCONFIG_MODULE)
		PROBLEM("CONFIG_VIRTIO_MMIO=m: kvmini's devices appear only once the initrd "
			"loads the virtio_mmio module (=y needs no initrd)");
	if (needs->disk && kc->virtio_blk == KCONFIG_NO)
		PROBLEM("CONFIG_VIRTIO_BLK is not set: the kernel cannot use --disk");
	else if (needs->disk && kc->virtio_blk == KCONFIG_MODULE)
		PROBLEM("CONFIG_VIRTIO_BLK=m: --disk appears only once the initrd loads the "
			"virtio_blk module (=y needs no initrd)");
	if (needs->share && kc->virtio_fs == KCONFIG_NO)
		PROBLEM("CONFIG_VIRTIO_FS is not set: the guest cannot mount --share "
			"(mount -t virtiofs TAG DIR; it also needs CONFIG_FUSE_FS)");
	else if (needs->share && kc->virtio_fs == KCONFIG_MODULE)
		PROBLEM("CONFIG_VIRTIO_FS=m: mount -t virtiofs works only once the virtiofs "
			"module is loaded (=y needs no initrd)");
	if (needs->com1_console && kc->serial_console != KCONFIG_YES)
		PROBLEM("CONFIG_SERIAL_8250_CONSOLE is not set: the kernel cannot print on "
			"COM1 (console=ttyS0), kvmini's console, so the run stays silent");
	if (needs->pvh && kc->pvh != KCONFIG_YES)
		PROBLEM("CONFIG_PVH is not set: this vmlinux has no PVH entry point, the only "
			"way kvmini boots a vmlinux (use the bzImage, or set CONFIG_PVH=y)");
#undef PROBLEM
	return n;
}

/*
 * Open path if it is a non-empty regular file: its fd, size in *size; else -1.
 * O_NONBLOCK: a FIFO put where a kernel or config file is expected must not
 * hang us before the fstat() refuses it.
 */
static int open_regular(const char *path, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		*size = (size_t)st.st_size;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The regular file at path, if at most KCONFIG_MAX bytes, malloc'ed; NULL if none. */
static char *read_config_file(const char *path, size_t *len)
{
	size_t size;
	char *text = NULL;
	int fd = open_regular(path, &size);

	if (fd < 0)
		return NULL;
	if (size <= KCONFIG_MAX && (text = malloc(size))) {
		ssize_t n = pread(fd, text, size, 0);
		if (n <= 0) {
			free(text);
			text = NULL;
		} else {
			*len = (size_t)n;
		}
	}
	close(fd);
	return text;
}

/* The IKCONFIG text of the vmlinux at path, malloc'ed; NULL if it has none. */
static char *read_ikconfig(const char *path, size_t *len)
{
	size_t size;
	char *text = NULL;
	int fd = open_regular(path, &size);

	if (fd < 0)
		return NULL;
	void *image = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (image != MAP_FAILED) {
		if (kconfig_from_ikconfig(image, size, KCONFIG_MAX, &text, len))
			text = NULL;
		munmap(image, size);
	}
	close(fd);
	return text;
}

/*
 * The configuration file beside kernel_path, by distribution and build-tree
 * naming (kconfig.h), into path[size]. False if there is no such name.
 */
static bool config_beside(const char *kernel_path, char *path, size_t size)
{
	const char *slash = strrchr(kernel_path, '/');
	const char *base = slash ? slash + 1 : kernel_path;
	int dir_len = slash ? (int)(slash - kernel_path + 1) : 0;
	int n;

	if (strncmp(base, "vmlinuz-", 8) == 0 || strncmp(base, "vmlinux-", 8) == 0)
		n = snprintf(path, size, "%.*sconfig-%s", dir_len, kernel_path, base + 8);
	else if (strcmp(base, "vmlinux") == 0)
		n = snprintf(path, size, "%.*s.config", dir_len, kernel_path);
	else
		return false;
	return n > 0 && (size_t)n < size;
}

void kconfig_warn(const char *kernel_path, bool is_vmlinux, const struct kconfig_needs *needs)
{
	char path[PATH_MAX];
	const char *source = "its embedded IKCONFIG";
	size_t len = 0;
	char *text = is_vmlinux ? read_ikconfig(kernel_path, &len) : NULL;

	if (!text && config_beside(kernel_path, path, sizeof(path))) {
		text = read_config_file(path, &len);
		source = path;
	}
	if (!text)
		return;

	struct kconfig kc;
	const char *why[8];
	kconfig_parse(&kc, text, len);
	free(text);
	unsigned int n = kconfig_problems(&kc, needs, why, 8);
	for (unsigned int i = 0; i < n && i < 8; i++)
		log_warn("kernel '%s' (configuration read from %s): %s", kernel_path, source,
			 why[i]);
}
