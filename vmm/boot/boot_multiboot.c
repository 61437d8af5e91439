// SPDX-License-Identifier: MIT
/*
 * Booting a multiboot v1 kernel (boot/boot_multiboot.h): read the file,
 * let multiboot.c judge and load it, place the command line, the initrd
 * and the information structure, and enter in 32-bit protected mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/memory_map.h"
#include "board/e820.h"
#include "boot/boot_multiboot.h"
#include "boot/multiboot.h"
#include "config.h"
#include "kvm/cpu_setup.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"
#include "kvmini/log.h"

#define PAGE 4096ULL

/* The boot area: information structure at its start, then the strings. */
#define MB_AREA_START  0x90000ULL
#define MB_AREA_END    0x9f000ULL /* below the EBDA that e820 reserves */
#define MB_CMDLINE     (MB_AREA_START + MULTIBOOT_INFO_SIZE)
#define MB_LOADER_NAME (MB_AREA_END - 16)
#define MB_CMDLINE_MAX (MB_LOADER_NAME - MB_CMDLINE) /* bytes, with the NUL */
/* Below this is the GDT's page (and the real-mode IVT): no image may load there. */
#define MB_MIN_LOAD (KVMINI_BOOT_GDT + PAGE)

/*
 * Read the whole file at path, which must not be larger than max bytes
 * (a kernel larger than guest RAM cannot load). *buf is malloc()ed. 0 or
 * -errno with the reason in err.
 */
static int read_kernel(const char *path, uint64_t max, uint8_t **buf, size_t *len, char *err,
		       size_t errlen)
{
	struct stat st;
	int ret = 0;

	*buf = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || (uint64_t)st.st_size > max) {
		ret = S_ISREG(st.st_mode) && st.st_size ? -EFBIG : -EINVAL;
		snprintf(err, errlen, "%s",
			 ret == -EFBIG ? "the file is larger than guest RAM (--mem)"
				       : "not a non-empty regular file");
		goto out;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len);
	if (!*buf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "no memory to read it");
		goto out;
	}
	for (size_t done = 0; done < *len;) {
		ssize_t n = pread(fd, *buf + done, *len - done, (off_t)done);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s", n < 0 ? strerror(errno) : "the file shrank");
			goto out;
		}
		done += (size_t)n;
	}
out:
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * Read and parse the kernel; the image must keep clear of the boot area and
 * fit in the low RAM that mem_size bytes give (a 32-bit kernel entered with
 * paging off sees nothing above 4 GiB).
 */
static int open_image(const char *path, uint64_t mem_size, uint8_t **buf, size_t *len,
		      struct multiboot_image *img, char *err, size_t errlen)
{
	struct guest_mem layout;
	int ret = read_kernel(path, mem_size, buf, len, err, errlen);
	if (ret)
		return ret;
	guest_mem_layout(&layout, NULL, mem_size);
	ret = multiboot_parse(*buf, *len, img, err, errlen);
	if (!ret && img->load_high > layout.low_size) {
		ret = -ENOMEM;
		snprintf(err, errlen,
			 "its image [%#llx, %#llx) needs %llu MiB of guest RAM below 4 GiB; --mem "
			 "gives %llu MiB there",
			 (unsigned long long)img->load_low, (unsigned long long)img->load_high,
			 (unsigned long long)((img->load_high + (1 << 20) - 1) >> 20),
			 (unsigned long long)(layout.low_size >> 20));
	}
	for (unsigned int i = 0; !ret && i < img->nsegs; i++) {
		const struct multiboot_segment *s = &img->seg[i];
		if (s->paddr < MB_MIN_LOAD ||
		    (s->paddr < MB_AREA_END && s->paddr + s->memsz > MB_AREA_START)) {
			ret = -ERANGE;
			snprintf(err, errlen,
				 "its image [%#llx, %#llx) overlaps kvmini's boot structures "
				 "[0, %#llx) or [%#llx, %#llx)",
				 (unsigned long long)s->paddr,
				 (unsigned long long)(s->paddr + s->memsz),
				 (unsigned long long)MB_MIN_LOAD, (unsigned long long)MB_AREA_START,
				 (unsigned long long)MB_AREA_END);
		}
	}
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

bool boot_multiboot_detect(const char *path)
{
	uint8_t head[MULTIBOOT_SEARCH];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	ssize_t n = pread(fd, head, sizeof(head), 0);
	close(fd);
	return n > 0 && multiboot_find_header(head, (size_t)n) >= 0;
}

int boot_multiboot_check(const char *path, uint64_t mem_size)
{
	struct multiboot_image img;
	char err[256];
	uint8_t *buf;
	size_t len;

	int ret = open_image(path, mem_size, &buf, &len, &img, err, sizeof(err));
	if (ret) {
		log_error("cannot boot kernel '%s' (--kernel): %s", path, err);
		return ret;
	}
	free(buf);
	return 0;
}

/* The initrd, page aligned after the image (spec 3.1.2 flag 0 asks for that). */
static int load_module(struct vm *vm, const char *path, uint64_t after, uint64_t *addr,
		       uint64_t *size)
{
	char err[256];
	uint8_t *buf;
	size_t len;

	*size = 0;
	if (!path)
		return 0;
	/* Modules are 32-bit addresses, and a 32-bit kernel sees only low RAM. */
	uint64_t top = vm->mem.low_size;
	uint64_t start = (after + PAGE - 1) & ~(PAGE - 1);
	int ret = read_kernel(path, top > start ? top - start : 0, &buf, &len, err, sizeof(err));
	if (ret) {
		log_error("cannot load initrd '%s' (--initrd) after the kernel at %#llx: %s", path,
			  (unsigned long long)start, err);
		return ret;
	}
	ret = guest_mem_write(&vm->mem, start, buf, len);
	free(buf);
	if (ret) {
		log_error("cannot load initrd '%s' (--initrd): [%#llx, %#llx) is not guest RAM",
			  path, (unsigned long long)start, (unsigned long long)(start + len));
		return ret;
	}
	*addr = start;
	*size = len;
	return 0;
}

/* "PATH CMDLINE", as GRUB and QEMU pass it: kvm-unit-tests takes argv[0] from it. */
static int write_cmdline(struct vm *vm, const struct vm_config *cfg)
{
	static char cmdline[MB_CMDLINE_MAX];
	int n = snprintf(cmdline, sizeof(cmdline), "%s%s%s", cfg->kernel_path,
			 cfg->cmdline && *cfg->cmdline ? " " : "",
			 cfg->cmdline ? cfg->cmdline : "");

	if (n < 0 || (size_t)n >= sizeof(cmdline)) {
		log_error("the multiboot command line (the kernel's path and --cmdline) is longer "
			  "than %llu bytes",
			  (unsigned long long)MB_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	return guest_mem_write(&vm->mem, MB_CMDLINE, cmdline, (uint64_t)n + 1);
}

int boot_multiboot(struct vm *vm, const struct vm_config *cfg)
{
	static const char loader[] = "kvmini";
	struct e820_entry e820[E820_MAX_ENTRIES];
	struct multiboot_image img;
	char err[256];
	uint8_t *buf;
	size_t len;

	int ret = open_image(cfg->kernel_path, vm->mem.size, &buf, &len, &img, err, sizeof(err));
	if (ret) {
		log_error("cannot boot kernel '%s': %s", cfg->kernel_path, err);
		return ret;
	}
	ret = multiboot_load(&vm->mem, buf, &img, MB_MIN_LOAD, err, sizeof(err));
	free(buf);
	if (ret) {
		log_error("cannot load kernel '%s': %s", cfg->kernel_path, err);
		return ret;
	}

	struct multiboot_boot b = {
		.cmdline_addr = MB_CMDLINE,
		.loader_name_addr = MB_LOADER_NAME,
		.e820 = e820,
	};
	if ((ret = write_cmdline(vm, cfg)) ||
	    (ret = guest_mem_write(&vm->mem, MB_LOADER_NAME, loader, sizeof(loader))) ||
	    (ret = load_module(vm, cfg->initrd_path, img.load_high, &b.mod_addr, &b.mod_size)))
		return ret;
	if ((ret = e820_build(&vm->mem, e820, E820_MAX_ENTRIES)) < 0)
		return ret;
	b.e820_entries = (unsigned int)ret;
	if ((ret = multiboot_info_write(&vm->mem, MB_AREA_START, &b))) {
		log_error("cannot write the multiboot information structure: %s", strerror(-ret));
		return ret;
	}

	/* Spec 3.2: flat 32-bit segments, paging off, IF clear; ESP is the kernel's job. */
	struct cpu_entry entry = {
		.rip = img.entry,
		.rsp = MB_AREA_START,
		.rax = MULTIBOOT_LOADER_MAGIC,
		.rbx = MB_AREA_START,
	};
	return cpu_setup_protected_mode(&vm->vcpus[0], &entry);
}
