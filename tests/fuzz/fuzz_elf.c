// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the ELF loader (vmm/boot/elf.c): the fuzzer's bytes
 * are a kernel file. elf_load() takes a path, so the bytes go into a memfd
 * and the loader opens /proc/self/fd/N, reading it exactly as it reads a
 * file on disk. Whatever the headers say, the loader must not crash, read
 * or write outside the file and the 4 MiB of guest RAM (ASan), or overflow
 * (UBSan); and a refused image must leave guest RAM untouched.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/elf.h"

#define MEM_SIZE (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram, *zero;
	static struct guest_mem mem;
	static int fd = -1;
	char path[64], err[256];
	struct elf_image img;

	if (!ram) {
		ram = calloc(1, MEM_SIZE);
		zero = calloc(1, MEM_SIZE);
		guest_mem_layout(&mem, ram, MEM_SIZE);
		fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
		if (!ram || !zero || fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	elf_check_file(path, &img, err, sizeof(err));
	elf_has_pvh_entry(path);
	if (elf_load(&mem, path, 0x100000, &img, err, sizeof(err)) != 0) {
		/* memcmp, not a loop: the sanitizers check it without slowing it down. */
		if (memcmp(ram, zero, MEM_SIZE) != 0)
			abort(); /* a refused image was partly loaded */
	} else {
		if (img.load_low < 0x100000 || img.load_high > MEM_SIZE ||
		    img.load_low > img.load_high)
			abort();
		memset(ram + img.load_low, 0, img.load_high - img.load_low);
	}
	return 0;
}
