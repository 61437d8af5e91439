// SPDX-License-Identifier: MIT
/*
 * Reading a bzImage's setup header and writing the zero page. Section names
 * refer to Documentation/x86/boot.rst in the Linux 6.1 sources: "THE REAL-MODE
 * KERNEL HEADER" (offsets and fields), "DETAILS OF HEADER FIELDS", "LOADING
 * THE REST OF THE KERNEL" and "64-bit BOOT PROTOCOL".
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "boot/bzimage.h"
#include "errbuf.h"

#define HDR_OFFSET	   0x1f1  /* the setup header inside the image and the zero page */
#define HDR_MAGIC_OFFSET   0x202  /* "HdrS" */
#define HDR_JUMP_END	   0x201  /* byte: header length beyond 0x202 */
#define MIN_VERSION	   0x020c /* 2.12: xloadflags, needed for the 64-bit entry */
#define DEFAULT_SETUP_SECT 4	  /* "If this field is 0, the real value is 4." */
#define SECTOR		   512
/* heap_end_ptr: end of the real-mode heap, relative to the setup code (typical 0x9800 - 0x200). */
#define HEAP_END 0xfe00
/* vid_mode: 0xffff is "normal" (boot.rst, "vid_mode"). */
#define VID_MODE_NORMAL 0xffff
/* type_of_loader: 0xff means "undefined / no assigned ID" (boot.rst). */
#define LOADER_UNDEFINED 0xff

/* Every refusal of the parser is "not a bzImage kvmini can boot". */
#define fail(err, errlen, ...) errbuf_set(err, errlen, -ENOEXEC, __VA_ARGS__)

bool bzimage_has_magic(const uint8_t *head, size_t head_len)
{
	return head_len >= HDR_MAGIC_OFFSET + 4 && memcmp(head + HDR_MAGIC_OFFSET, "HdrS", 4) == 0;
}

/* The header as it sits in the file (packed, little-endian like the guest). */
static struct setup_header read_header(const uint8_t *head)
{
	struct setup_header hdr;
	memcpy(&hdr, head + HDR_OFFSET, sizeof(hdr));
	return hdr;
}

int bzimage_parse(const uint8_t *head, size_t head_len, uint64_t file_size,
		  struct bzimage_info *info, char *err, size_t errlen)
{
	memset(info, 0, sizeof(*info));
	if (head_len < HDR_OFFSET + sizeof(struct setup_header) ||
	    file_size < HDR_OFFSET + sizeof(struct setup_header))
		return fail(err, errlen,
			    "truncated: %llu bytes cannot hold a Linux boot protocol header",
			    (unsigned long long)file_size);

	struct setup_header hdr = read_header(head);
	if (!bzimage_has_magic(head, head_len))
		return fail(err, errlen, "not a Linux bzImage (no \"HdrS\" at offset 0x202)");
	if (hdr.version < MIN_VERSION)
		return fail(err, errlen,
			    "Linux boot protocol %u.%02u is too old: kvmini needs 2.12 or later "
			    "(64-bit entry point)",
			    hdr.version >> 8, hdr.version & 0xff);
	if (!(hdr.loadflags & LOADED_HIGH))
		return fail(err, errlen, "a zImage (LOADED_HIGH clear), not a bzImage");
	if (!(hdr.xloadflags & XLF_KERNEL_64))
		return fail(err, errlen,
			    "not a 64-bit kernel (xloadflags has no XLF_KERNEL_64): "
			    "kvmini starts kernels in long mode");

	unsigned int sects = hdr.setup_sects ? hdr.setup_sects : DEFAULT_SETUP_SECT;
	info->version = hdr.version;
	info->setup_size = (sects + 1) * SECTOR;
	info->kernel_size = (uint64_t)hdr.syssize * 16;
	info->header_end = HDR_MAGIC_OFFSET + head[HDR_JUMP_END];
	if (info->setup_size >= file_size)
		return fail(err, errlen,
			    "truncated: the setup code ends at byte %u but the file has only %llu",
			    info->setup_size, (unsigned long long)file_size);
	if (info->kernel_size == 0)
		return fail(err, errlen, "corrupt setup header: syssize is 0");
	if (info->kernel_size > file_size - info->setup_size)
		return fail(err, errlen,
			    "truncated: the protected-mode kernel needs %llu bytes after the "
			    "setup code, the file has %llu",
			    (unsigned long long)info->kernel_size,
			    (unsigned long long)(file_size - info->setup_size));
	/* Protocol 2.12 headers reach at least to init_size, which we read. */
	if (info->header_end > head_len ||
	    info->header_end < HDR_OFFSET + offsetof(struct setup_header, handover_offset))
		return fail(err, errlen, "corrupt setup header: length byte at 0x201 is %#x",
			    head[HDR_JUMP_END]);

	info->initrd_addr_max = hdr.initrd_addr_max;
	info->cmdline_size = hdr.cmdline_size;
	info->kernel_alignment = hdr.kernel_alignment;
	info->relocatable = hdr.relocatable_kernel != 0;
	info->pref_address = hdr.pref_address;
	info->init_size = hdr.init_size;
	return 0;
}

uint64_t bzimage_runtime_start(const struct bzimage_info *info, uint64_t load_addr)
{
	/*
	 * boot.rst, "init_size": a relocatable kernel runs at load_addr
	 * aligned up to kernel_alignment, any other at pref_address. The
	 * decompressor (arch/x86/boot/compressed/head_64.S) never goes below
	 * LOAD_PHYSICAL_ADDR, which is what pref_address holds: take the
	 * higher of the two so the size check errs on the safe side.
	 */
	if (!info->relocatable)
		return info->pref_address;
	uint64_t align = info->kernel_alignment ? info->kernel_alignment : 1;
	uint64_t start = (load_addr + align - 1) / align * align;
	return start > info->pref_address ? start : info->pref_address;
}

int bzimage_fill_boot_params(struct boot_params *bp, const uint8_t *head,
			     const struct bzimage_info *info, const struct linux_boot_args *args)
{
	if (args->e820_entries > E820_MAX_ENTRIES_ZEROPAGE)
		return -E2BIG;

	/*
	 * 64-bit BOOT PROTOCOL: "The memory for struct boot_params ... [is]
	 * initialized to all zero. Then, the setup header at offset 0x01f1 of
	 * kernel image on should be loaded into struct boot_params".
	 */
	memset(bp, 0, sizeof(*bp));
	memcpy((uint8_t *)bp + HDR_OFFSET, head + HDR_OFFSET, info->header_end - HDR_OFFSET);

	struct setup_header *hdr = &bp->hdr;
	hdr->vid_mode = VID_MODE_NORMAL;
	hdr->type_of_loader = LOADER_UNDEFINED;
	/* We did not use the real-mode code, but say where its heap would end. */
	hdr->loadflags |= CAN_USE_HEAP;
	hdr->loadflags &= (uint8_t) ~(QUIET_FLAG | KEEP_SEGMENTS);
	hdr->heap_end_ptr = HEAP_END;
	hdr->code32_start = (uint32_t)args->kernel_addr;
	hdr->cmd_line_ptr = (uint32_t)args->cmdline_addr;
	bp->ext_cmd_line_ptr = (uint32_t)(args->cmdline_addr >> 32);
	hdr->ramdisk_image = (uint32_t)args->initrd_addr;
	hdr->ramdisk_size = (uint32_t)args->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(args->initrd_addr >> 32);
	bp->ext_ramdisk_size = (uint32_t)(args->initrd_size >> 32);

	/* Documentation/x86/zero-page.rst: e820_entries at 0x1e8, e820_table at 0x2d0. */
	bp->e820_entries = (uint8_t)args->e820_entries;
	for (unsigned int i = 0; i < args->e820_entries; i++) {
		bp->e820_table[i].addr = args->e820[i].addr;
		bp->e820_table[i].size = args->e820[i].size;
		bp->e820_table[i].type = args->e820[i].type;
	}
	return 0;
}
