// SPDX-License-Identifier: MIT
/*
 * Multiboot v1 (boot/multiboot.h): find and check the header, lay out the
 * image (a.out kludge fields or ELF32 program headers), load it, and write
 * the information structure. The file is input: every field is checked
 * before it is used, and nothing reaches guest RAM until all of it passed.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "boot/multiboot.h"

#define FOUR_GIB (1ULL << 32)

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

long multiboot_find_header(const uint8_t *buf, size_t len)
{
	size_t end = len < MULTIBOOT_SEARCH ? len : MULTIBOOT_SEARCH;

	/* Spec 3.1.1: the whole header must lie within the first 8192 bytes. */
	for (size_t off = 0; off + MULTIBOOT_HEADER_MIN <= end; off += 4) {
		uint32_t magic = le32(buf + off), flags = le32(buf + off + 4);
		if (magic == MULTIBOOT_HEADER_MAGIC && magic + flags + le32(buf + off + 8) == 0)
			return (long)off;
	}
	return -1;
}

/* Add one segment, refusing what wraps, lies above 4 GiB or overflows the table. */
static int add_segment(struct multiboot_image *img, uint64_t offset, uint64_t filesz,
		       uint64_t paddr, uint64_t memsz, char *err, size_t errlen)
{
	if (memsz == 0)
		return 0;
	if (img->nsegs == MULTIBOOT_MAX_SEGMENTS)
		return fail(-ENOEXEC, err, errlen, "more than %d loadable segments",
			    MULTIBOOT_MAX_SEGMENTS);
	/* A 32-bit kernel entered with paging off sees nothing at or above 4 GiB. */
	if (paddr >= FOUR_GIB || memsz > FOUR_GIB - paddr)
		return fail(-ENOEXEC, err, errlen,
			    "segment at %#llx of %#llx bytes does not end below 4 GiB",
			    (unsigned long long)paddr, (unsigned long long)memsz);
	img->seg[img->nsegs++] = (struct multiboot_segment){offset, filesz, paddr, memsz};
	if (img->nsegs == 1 || paddr < img->load_low)
		img->load_low = paddr;
	if (paddr + memsz > img->load_high)
		img->load_high = paddr + memsz;
	return 0;
}

/*
 * Flag 16 (spec 3.1.3): the header's own address fields say which part of
 * the file loads where. The header sits at header_addr in memory, so the
 * file bytes at load_addr start header_addr - load_addr before it.
 */
static int layout_aout(const uint8_t *buf, size_t len, long hoff, struct multiboot_image *img,
		       char *err, size_t errlen)
{
	if ((size_t)hoff + MULTIBOOT_HEADER_AOUT > len ||
	    hoff + MULTIBOOT_HEADER_AOUT > MULTIBOOT_SEARCH)
		return fail(-ENOEXEC, err, errlen,
			    "multiboot header at offset %ld is cut short: flag 16 needs %d bytes",
			    hoff, MULTIBOOT_HEADER_AOUT);
	const uint8_t *h = buf + hoff;
	uint32_t header_addr = le32(h + 12), load_addr = le32(h + 16);
	uint32_t load_end = le32(h + 20), bss_end = le32(h + 24);

	img->entry = le32(h + 28);
	if (load_addr > header_addr || header_addr - load_addr > (uint32_t)hoff)
		return fail(-ENOEXEC, err, errlen,
			    "multiboot load_addr %#x and header_addr %#x put the image before the "
			    "start of the file",
			    load_addr, header_addr);
	uint64_t offset = (uint64_t)hoff - (header_addr - load_addr);
	/* load_end_addr 0: the text and data run to the end of the file. */
	uint64_t filesz = load_end ? (uint64_t)load_end - load_addr : len - offset;
	if (load_end && load_end < load_addr)
		return fail(-ENOEXEC, err, errlen,
			    "multiboot load_end_addr %#x is below load_addr %#x", load_end,
			    load_addr);
	if (filesz > len - offset)
		return fail(-ENOEXEC, err, errlen,
			    "multiboot load range [%#x, %#x) runs past the end of the file",
			    load_addr, load_end);
	/* bss_end_addr 0: no .bss. */
	uint64_t memsz = bss_end ? (uint64_t)bss_end - load_addr : filesz;
	if (bss_end && memsz < filesz)
		return fail(-ENOEXEC, err, errlen,
			    "multiboot bss_end_addr %#x is below the loaded data", bss_end);
	return add_segment(img, offset, filesz, load_addr, memsz, err, errlen);
}

/* No flag 16: the file must be an ELF32 i386 executable (spec 3.1.3, "ELF"). */
static int layout_elf32(const uint8_t *buf, size_t len, struct multiboot_image *img, char *err,
			size_t errlen)
{
	Elf32_Ehdr eh;

	if (len < sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG))
		return fail(
			-ENOEXEC, err, errlen,
			"multiboot header without flag 16 (load addresses), and not an ELF file");
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_386 || eh.e_type != ET_EXEC)
		return fail(
			-ENOEXEC, err, errlen,
			"a multiboot ELF kernel must be a 32-bit little-endian i386 executable");
	if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phnum == 0 || eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > len - eh.e_phoff)
		return fail(-ENOEXEC, err, errlen,
			    "ELF program headers (%u of %u bytes at %#x) are not inside the file",
			    eh.e_phnum, eh.e_phentsize, eh.e_phoff);

	bool entry_found = false;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;
		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			return fail(
				-ENOEXEC, err, errlen,
				"ELF segment %u (%#x bytes at offset %#x) is not inside the file",
				i, ph.p_filesz, ph.p_offset);
		if (ph.p_filesz > ph.p_memsz)
			return fail(
				-ENOEXEC, err, errlen,
				"ELF segment %u has more bytes in the file (%#x) than in memory "
				"(%#x)",
				i, ph.p_filesz, ph.p_memsz);
		int ret = add_segment(img, ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz, err,
				      errlen);
		if (ret)
			return ret;
		/* e_entry is virtual: translate it through the segment that holds it. */
		if (!entry_found && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz) {
			img->entry = eh.e_entry - ph.p_vaddr + ph.p_paddr;
			entry_found = true;
		}
	}
	if (img->nsegs == 0)
		return fail(-ENOEXEC, err, errlen, "the ELF file has no loadable segment");
	if (!entry_found)
		return fail(-ENOEXEC, err, errlen,
			    "the ELF entry point %#x is in no loadable segment", eh.e_entry);
	return 0;
}

int multiboot_parse(const uint8_t *buf, size_t len, struct multiboot_image *img, char *err,
		    size_t errlen)
{
	memset(img, 0, sizeof(*img));
	long hoff = multiboot_find_header(buf, len);
	if (hoff < 0)
		return fail(-ENOEXEC, err, errlen, "no multiboot header in the first %d bytes",
			    MULTIBOOT_SEARCH);
	img->header_offset = (uint32_t)hoff;
	img->flags = le32(buf + hoff + 4);

	/* Spec 3.1.2: a requirement the boot loader does not meet must make it fail. */
	uint32_t required = img->flags & 0xffff;
	if (required & MULTIBOOT_VIDEO_MODE)
		return fail(-ENOTSUP, err, errlen,
			    "the multiboot header asks for a video mode (flag 2): kvmini has no "
			    "display");
	if (required & ~MULTIBOOT_KNOWN_REQUIRED)
		return fail(-ENOTSUP, err, errlen,
			    "the multiboot header requires flags %#x that kvmini does not know",
			    required & ~MULTIBOOT_KNOWN_REQUIRED);

	int ret = img->flags & MULTIBOOT_AOUT_KLUDGE ? layout_aout(buf, len, hoff, img, err, errlen)
						     : layout_elf32(buf, len, img, err, errlen);
	if (ret)
		return ret;
	if (img->entry < img->load_low || img->entry >= img->load_high)
		return fail(-ENOEXEC, err, errlen,
			    "entry point %#x is outside the image [%#llx, %#llx)", img->entry,
			    (unsigned long long)img->load_low, (unsigned long long)img->load_high);
	return 0;
}

int multiboot_load(const struct guest_mem *mem, const uint8_t *buf,
		   const struct multiboot_image *img, uint64_t min_addr, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < img->nsegs; i++) {
		const struct multiboot_segment *s = &img->seg[i];
		if (s->paddr < min_addr || !guest_mem_ptr(mem, s->paddr, s->memsz))
			return fail(-ERANGE, err, errlen,
				    "its image [%#llx, %#llx) is not inside guest RAM above %#llx "
				    "(too little --mem?)",
				    (unsigned long long)s->paddr,
				    (unsigned long long)(s->paddr + s->memsz),
				    (unsigned long long)min_addr);
	}
	for (unsigned int i = 0; i < img->nsegs; i++) {
		const struct multiboot_segment *s = &img->seg[i];
		uint8_t *dst = guest_mem_ptr(mem, s->paddr, s->memsz);
		memcpy(dst, buf + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}
