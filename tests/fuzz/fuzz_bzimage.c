// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the bzImage setup-header parser and the zero page
 * (vmm/boot/bzimage.c). Input: 8 bytes of claimed file size (little-endian;
 * lets the fuzzer claim sizes up to 2^64 without providing them), then the
 * image's first bytes. A header bzimage_parse() accepts is then put through
 * bzimage_footprint() and bzimage_fill_boot_params(), as the loader does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bzimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t head[BZIMAGE_HEAD] = {0};
	uint64_t file_size = 0, run, end;
	struct bzimage_info info;
	struct boot_params bp;
	char err[256];

	if (size < sizeof(file_size))
		return 0;
	memcpy(&file_size, data, sizeof(file_size));
	data += sizeof(file_size);
	size -= sizeof(file_size);
	size_t head_len = size < sizeof(head) ? size : sizeof(head);
	memcpy(head, data, head_len);
	/* A file is at least as long as the bytes we have of it. */
	if (file_size < size)
		file_size = size;

	if (bzimage_parse(head, head_len, file_size, &info, err, sizeof(err)) != 0)
		return 0;
	if (info.setup_size >= file_size || info.kernel_size > file_size - info.setup_size ||
	    info.header_end > head_len)
		abort(); /* accepted a header that does not fit the file */
	if (bzimage_footprint(&info, 0x100000, &run, &end) == 0 && end < run)
		abort();
	struct e820_entry e820[2] = {{0, 0x9fc00, 1}, {0x100000, 0x7f00000, 1}};
	struct linux_boot_args args = {
		.kernel_addr = 0x100000,
		.cmdline_addr = 0x20000,
		.e820 = e820,
		.e820_entries = 2,
	};
	if (bzimage_fill_boot_params(&bp, head, &info, &args) != 0)
		abort();
	return 0;
}
