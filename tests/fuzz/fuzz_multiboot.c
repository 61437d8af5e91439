// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the multiboot v1 parser and loader
 * (vmm/boot/multiboot.c). Input: the kernel file's bytes. A file
 * multiboot_parse() accepts must describe segments inside the file and
 * below 4 GiB and an entry inside the image; it is then loaded into 8 MiB
 * of guest RAM (or refused there), as boot_multiboot.c does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/multiboot.h"

#define RAM_SIZE (8u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct multiboot_image img;
	struct guest_mem mem;
	char err[256];

	if (!ram && !(ram = malloc(RAM_SIZE)))
		abort();
	if (multiboot_parse(data, size, &img, err, sizeof(err)) != 0)
		return 0;
	if (img.nsegs == 0 || img.nsegs > MULTIBOOT_MAX_SEGMENTS || img.entry < img.load_low ||
	    img.entry >= img.load_high || img.load_high > 1ULL << 32)
		abort();
	for (unsigned int i = 0; i < img.nsegs; i++) {
		const struct multiboot_segment *s = &img.seg[i];
		if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
			abort(); /* accepted a segment that is not in the file */
	}
	guest_mem_layout(&mem, ram, RAM_SIZE);
	multiboot_load(&mem, data, &img, 0x2000, err, sizeof(err));
	return 0;
}
