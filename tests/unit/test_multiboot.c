// SPDX-License-Identifier: MIT
/*
 * Multiboot v1 (vmm/boot/multiboot.c, multiboot_info.c) against plain
 * buffers: the header is found and checked, an ELF32 image (the shape of
 * kvm-unit-tests' .flat files) and an a.out-kludge image lay out and load,
 * every crafted header is refused before guest RAM is touched, and the
 * information structure says what the spec (0.6.96, 3.3) says it must.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/e820.h"
#include "boot/multiboot.h"
#include "test_ram.h"
#include "unit_run.h"

#define MEM_SIZE (8u << 20)
#define LOAD	 0x400000u /* where kvm-unit-tests links its tests */
#define MB_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* RAM stays all zero until an image loads: a refused one must not be partly loaded. */
static struct test_ram guest;
static char err[256];

/* An ELF32 i386 executable: one text segment with the header, one .bss-only data segment. */
struct elf_image {
	Elf32_Ehdr eh;
	Elf32_Phdr ph[2];
	uint32_t mbh[3];
	uint8_t code[20];
};

static uint32_t checksum(uint32_t flags)
{
	return 0u - (MULTIBOOT_HEADER_MAGIC + flags);
}

static struct elf_image good_elf(void)
{
	struct elf_image im;

	memset(&im, 0, sizeof(im));
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_ident[EI_VERSION] = EV_CURRENT;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_386;
	im.eh.e_version = EV_CURRENT;
	im.eh.e_phoff = offsetof(struct elf_image, ph);
	im.eh.e_phentsize = sizeof(Elf32_Phdr);
	im.eh.e_phnum = 2;
	/* The whole file loads at LOAD; the entry is the code after the header. */
	im.ph[0].p_type = PT_LOAD;
	im.ph[0].p_offset = 0;
	im.ph[0].p_vaddr = im.ph[0].p_paddr = LOAD;
	im.ph[0].p_filesz = im.ph[0].p_memsz = sizeof(im);
	im.ph[1].p_type = PT_LOAD;
	im.ph[1].p_offset = sizeof(im);
	im.ph[1].p_vaddr = im.ph[1].p_paddr = LOAD + 0x1000;
	im.ph[1].p_memsz = 0x3000; /* .bss only */
	im.eh.e_entry = LOAD + offsetof(struct elf_image, code);
	im.mbh[0] = MULTIBOOT_HEADER_MAGIC;
	im.mbh[1] = MB_FLAGS;
	im.mbh[2] = checksum(MB_FLAGS);
	for (unsigned int i = 0; i < sizeof(im.code); i++)
		im.code[i] = (uint8_t)(0x90 + i);
	return im;
}

/* An a.out-kludge kernel: 64 bytes of text before the header, the header, then text. */
struct aout_image {
	uint8_t pre[64];
	uint32_t mbh[8];
	uint8_t post[32];
};

static struct aout_image good_aout(void)
{
	struct aout_image im;
	uint32_t flags = MB_FLAGS | MULTIBOOT_AOUT_KLUDGE;

	memset(&im, 0xab, sizeof(im));
	im.mbh[0] = MULTIBOOT_HEADER_MAGIC;
	im.mbh[1] = flags;
	im.mbh[2] = checksum(flags);
	im.mbh[3] = 0x200000 + 64;	       /* header_addr */
	im.mbh[4] = 0x200000;		       /* load_addr */
	im.mbh[5] = 0x200000 + sizeof(im);     /* load_end_addr */
	im.mbh[6] = 0x200000 + 0x2000;	       /* bss_end_addr */
	im.mbh[7] = 0x200000 + sizeof(im) - 8; /* entry_addr */
	return im;
}

static void setup(void)
{
	test_ram_init(&guest, MEM_SIZE);
}

static void teardown(void)
{
	test_ram_free(&guest);
}

static int parse(const void *buf, size_t len, struct multiboot_image *img)
{
	err[0] = '\0';
	return multiboot_parse(buf, len, img, err, sizeof(err));
}

START_TEST(header_search)
{
	uint8_t buf[MULTIBOOT_SEARCH + 64];
	uint32_t h[3] = {MULTIBOOT_HEADER_MAGIC, 0, checksum(0)};

	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(multiboot_find_header(buf, sizeof(buf)), -1);
	memcpy(buf + 100, h, sizeof(h));
	ck_assert_int_eq(multiboot_find_header(buf, sizeof(buf)), 100);
	/* Only 32-bit aligned offsets count (spec 3.1.1). */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 102, h, sizeof(h));
	ck_assert_int_eq(multiboot_find_header(buf, sizeof(buf)), -1);
	/* The whole header must be inside the first 8192 bytes. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + MULTIBOOT_SEARCH - 12, h, sizeof(h));
	ck_assert_int_eq(multiboot_find_header(buf, sizeof(buf)), MULTIBOOT_SEARCH - 12);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + MULTIBOOT_SEARCH - 8, h, sizeof(h));
	ck_assert_int_eq(multiboot_find_header(buf, sizeof(buf)), -1);
	/* A wrong checksum is no header; a file cut inside the header is none either. */
	h[2]++;
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 8, h, sizeof(h));
	ck_assert_int_eq(multiboot_find_header(buf, sizeof(buf)), -1);
	h[2]--;
	memcpy(buf + 8, h, sizeof(h));
	ck_assert_int_eq(multiboot_find_header(buf, 19), -1);
	ck_assert_int_eq(multiboot_find_header(buf, 20), 8);
}
END_TEST

START_TEST(elf32_loads)
{
	struct elf_image im = good_elf();
	struct multiboot_image img;

	ck_assert_int_eq(parse(&im, sizeof(im), &img), 0);
	ck_assert_uint_eq(img.header_offset, offsetof(struct elf_image, mbh));
	ck_assert_uint_eq(img.flags, MB_FLAGS);
	ck_assert_uint_eq(img.entry, LOAD + offsetof(struct elf_image, code));
	ck_assert_uint_eq(img.nsegs, 2);
	ck_assert_uint_eq(img.load_low, LOAD);
	ck_assert_uint_eq(img.load_high, LOAD + 0x4000);

	memset(guest.bytes + LOAD + 0x1000, 0x55, 0x3000); /* stale bytes where .bss goes */
	ck_assert_int_eq(
		multiboot_load(&guest.mem, (const uint8_t *)&im, &img, 0x2000, err, sizeof(err)),
		0);
	ck_assert_int_eq(memcmp(guest.bytes + LOAD, &im, sizeof(im)), 0);
	for (unsigned int i = 0; i < 0x3000; i++)
		ck_assert_uint_eq(guest.bytes[LOAD + 0x1000 + i], 0);

	/* e_entry is virtual: a segment linked elsewhere than it loads moves the entry too. */
	im.ph[0].p_paddr = LOAD + 0x100000;
	ck_assert_int_eq(parse(&im, sizeof(im), &img), 0);
	ck_assert_uint_eq(img.entry, LOAD + 0x100000 + offsetof(struct elf_image, code));
}
END_TEST

START_TEST(aout_kludge_loads)
{
	struct aout_image im = good_aout();
	struct multiboot_image img;

	ck_assert_int_eq(parse(&im, sizeof(im), &img), 0);
	ck_assert_uint_eq(img.nsegs, 1);
	ck_assert_uint_eq(img.seg[0].offset, 0);
	ck_assert_uint_eq(img.seg[0].filesz, sizeof(im));
	ck_assert_uint_eq(img.load_low, 0x200000);
	ck_assert_uint_eq(img.load_high, 0x202000);
	ck_assert_uint_eq(img.entry, 0x200000 + sizeof(im) - 8);
	ck_assert_int_eq(
		multiboot_load(&guest.mem, (const uint8_t *)&im, &img, 0x2000, err, sizeof(err)),
		0);
	ck_assert_int_eq(memcmp(guest.bytes + 0x200000, &im, sizeof(im)), 0);
	ck_assert_uint_eq(guest.bytes[0x200000 + sizeof(im)], 0);

	/* load_end_addr 0: to the end of the file; bss_end_addr 0: no .bss. */
	im.mbh[5] = 0;
	im.mbh[6] = 0;
	ck_assert_int_eq(parse(&im, sizeof(im), &img), 0);
	ck_assert_uint_eq(img.seg[0].filesz, sizeof(im));
	ck_assert_uint_eq(img.load_high, 0x200000 + sizeof(im));
}
END_TEST

/* Refused with ret, and a reason containing why. */
static void refused(const void *buf, size_t len, int ret, const char *why)
{
	struct multiboot_image img;

	ck_assert_int_eq(parse(buf, len, &img), ret);
	ck_assert_msg(strstr(err, why), "reason '%s' does not say '%s'", err, why);
}

START_TEST(header_requirements)
{
	struct elf_image im = good_elf();

	refused(&im, offsetof(struct elf_image, mbh), -ENOEXEC, "no multiboot header");
	im.mbh[1] |= MULTIBOOT_VIDEO_MODE;
	im.mbh[2] = checksum(im.mbh[1]);
	refused(&im, sizeof(im), -ENOTSUP, "video mode");
	im.mbh[1] = MB_FLAGS | (1u << 5);
	im.mbh[2] = checksum(im.mbh[1]);
	refused(&im, sizeof(im), -ENOTSUP, "0x20");
	/* Optional bits 17-31 are not requirements. */
	im.mbh[1] = MB_FLAGS | (1u << 20);
	im.mbh[2] = checksum(im.mbh[1]);
	struct multiboot_image img;
	ck_assert_int_eq(parse(&im, sizeof(im), &img), 0);
	test_ram_assert_untouched(&guest);
}
END_TEST

START_TEST(crafted_elf)
{
	struct elf_image im;

	im = good_elf();
	im.eh.e_ident[EI_CLASS] = ELFCLASS64;
	refused(&im, sizeof(im), -ENOEXEC, "32-bit");
	im = good_elf();
	im.eh.e_machine = EM_X86_64;
	refused(&im, sizeof(im), -ENOEXEC, "i386");
	im = good_elf();
	memset(im.eh.e_ident, 0, SELFMAG);
	refused(&im, sizeof(im), -ENOEXEC, "not an ELF");
	im = good_elf();
	im.eh.e_phoff = 0xfffffff0;
	refused(&im, sizeof(im), -ENOEXEC, "program headers");
	im = good_elf();
	im.eh.e_phnum = 0x7fff;
	refused(&im, sizeof(im), -ENOEXEC, "program headers");
	im = good_elf();
	im.eh.e_phentsize = 8;
	refused(&im, sizeof(im), -ENOEXEC, "program headers");
	im = good_elf();
	im.ph[0].p_filesz = sizeof(im) + 1;
	im.ph[0].p_memsz = sizeof(im) + 1;
	refused(&im, sizeof(im), -ENOEXEC, "not inside the file");
	im = good_elf();
	im.ph[0].p_offset = 0xffffff00;
	refused(&im, sizeof(im), -ENOEXEC, "not inside the file");
	im = good_elf();
	im.ph[0].p_memsz = 4;
	refused(&im, sizeof(im), -ENOEXEC, "more bytes in the file");
	im = good_elf();
	im.ph[1].p_paddr = 0xffffff00; /* wraps past 4 GiB */
	refused(&im, sizeof(im), -ENOEXEC, "4 GiB");
	im = good_elf();
	im.eh.e_entry = LOAD + 0x10000;
	refused(&im, sizeof(im), -ENOEXEC, "entry point");
	im = good_elf();
	im.ph[0].p_type = PT_NOTE;
	im.ph[1].p_type = PT_NOTE;
	refused(&im, sizeof(im), -ENOEXEC, "no loadable segment");
	test_ram_assert_untouched(&guest);
}
END_TEST

START_TEST(crafted_aout)
{
	struct aout_image im;

	im = good_aout();
	im.mbh[4] = im.mbh[3] + 4; /* load_addr above header_addr */
	refused(&im, sizeof(im), -ENOEXEC, "before the start");
	im = good_aout();
	im.mbh[4] = im.mbh[3] - 65; /* the image would start before the file */
	refused(&im, sizeof(im), -ENOEXEC, "before the start");
	im = good_aout();
	im.mbh[5] = im.mbh[4] - 1;
	refused(&im, sizeof(im), -ENOEXEC, "below load_addr");
	im = good_aout();
	im.mbh[5] = im.mbh[4] + sizeof(im) + 1;
	refused(&im, sizeof(im), -ENOEXEC, "past the end");
	im = good_aout();
	im.mbh[6] = im.mbh[4] + 4;
	refused(&im, sizeof(im), -ENOEXEC, "bss_end_addr");
	im = good_aout();
	im.mbh[7] = 0x100000;
	refused(&im, sizeof(im), -ENOEXEC, "entry point");
	im = good_aout();
	im.mbh[4] = 0xfffff000;
	im.mbh[3] = 0xfffff000 + 64;
	im.mbh[5] = 0;
	im.mbh[6] = 0xffffffff; /* .bss to the top of 4 GiB is fine ... */
	im.mbh[7] = 0xfffff000;
	struct multiboot_image img;
	ck_assert_int_eq(parse(&im, sizeof(im), &img), 0);
	/* ... but not in this RAM. */
	ck_assert_int_eq(
		multiboot_load(&guest.mem, (const uint8_t *)&im, &img, 0x2000, err, sizeof(err)),
		-ERANGE);
	/* The header cut short: flag 16 needs 32 bytes. */
	im = good_aout();
	refused(&im, offsetof(struct aout_image, mbh) + 20, -ENOEXEC, "cut short");
	test_ram_assert_untouched(&guest);
}
END_TEST

START_TEST(load_refusals)
{
	struct elf_image im = good_elf();
	struct multiboot_image img;

	ck_assert_int_eq(parse(&im, sizeof(im), &img), 0);
	/* Below min_addr, and beyond RAM: nothing written, not even the good segment. */
	ck_assert_int_eq(multiboot_load(&guest.mem, (const uint8_t *)&im, &img, LOAD + 0x800, err,
					sizeof(err)),
			 -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "not inside guest RAM"));
	img.seg[1].paddr = MEM_SIZE - 0x1000;
	ck_assert_int_eq(
		multiboot_load(&guest.mem, (const uint8_t *)&im, &img, 0x2000, err, sizeof(err)),
		-ERANGE);
	test_ram_assert_untouched(&guest);
}
END_TEST

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;
	ck_assert_int_eq(guest_mem_read(&guest.mem, gpa, &v, 4), 0);
	return v;
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v;
	ck_assert_int_eq(guest_mem_read(&guest.mem, gpa, &v, 8), 0);
	return v;
}

START_TEST(info_layout)
{
	struct e820_entry e820[E820_MAX_ENTRIES];
	int n = e820_build(&guest.mem, e820, E820_MAX_ENTRIES);
	const uint64_t at = 0x90000;

	ck_assert_int_eq(n, 3);
	struct multiboot_boot b = {
		.cmdline_addr = 0x90400,
		.mod_addr = 0x500000,
		.mod_size = 123,
		.loader_name_addr = 0x9eff0,
		.e820 = e820,
		.e820_entries = (unsigned int)n,
	};
	ck_assert_int_eq(multiboot_info_write(&guest.mem, at, &b), 0);
	ck_assert_uint_eq(rd32(at + 0), MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
						MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MMAP |
						MULTIBOOT_INFO_LOADER);
	ck_assert_uint_eq(rd32(at + 4), 639);			  /* mem_lower, KiB */
	ck_assert_uint_eq(rd32(at + 8), (MEM_SIZE >> 10) - 1024); /* mem_upper: from 1 MiB */
	ck_assert_uint_eq(rd32(at + 16), 0x90400);		  /* cmdline */
	ck_assert_uint_eq(rd32(at + 20), 1);			  /* mods_count */
	uint32_t mods = rd32(at + 24);
	ck_assert_uint_eq(mods, at + MULTIBOOT_INFO_MODS_AT);
	ck_assert_uint_eq(rd32(mods), 0x500000);	   /* mod_start */
	ck_assert_uint_eq(rd32(mods + 4), 0x500000 + 123); /* mod_end, exclusive */
	ck_assert_uint_eq(rd32(mods + 8), 0);		   /* no module string */
	ck_assert_uint_eq(rd32(at + 44), 3 * 24);	   /* mmap_length */
	uint32_t mmap = rd32(at + 48);
	ck_assert_uint_eq(mmap, at + MULTIBOOT_INFO_MMAP_AT);
	ck_assert_uint_eq(rd32(at + 64), 0x9eff0); /* boot_loader_name */
	/* Walk the map the way a kernel must: step by size + 4. */
	uint64_t p = mmap;
	for (int i = 0; i < n; i++) {
		uint32_t size = rd32(p);
		ck_assert_uint_eq(size, 20);
		ck_assert_uint_eq(rd64(p + 4), e820[i].addr);
		ck_assert_uint_eq(rd64(p + 12), e820[i].size);
		ck_assert_uint_eq(rd32(p + 20), e820[i].type);
		p += size + 4;
	}
	ck_assert_uint_eq(p, mmap + rd32(at + 44));
	ck_assert_uint_eq(rd64(mmap + 4 + 2 * 24), 0x100000); /* RAM from 1 MiB ... */
	ck_assert_uint_eq(rd64(mmap + 12 + 2 * 24), MEM_SIZE - 0x100000);
}
END_TEST

START_TEST(info_minimal_and_refusals)
{
	struct e820_entry e820[E820_MAX_ENTRIES] = {{0, 0x9fc00, E820_RAM}};
	struct multiboot_boot b = {.e820 = e820, .e820_entries = 1};

	/* No command line, module or name: their flags stay clear, the fields 0. */
	ck_assert_int_eq(multiboot_info_write(&guest.mem, 0x90000, &b), 0);
	ck_assert_uint_eq(rd32(0x90000), MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_MMAP);
	ck_assert_uint_eq(rd32(0x90000 + 20), 0);
	/* More map than the area holds; a structure not in RAM; one above 4 GiB. */
	b.e820_entries = 1000;
	ck_assert_int_eq(multiboot_info_write(&guest.mem, 0x90000, &b), -E2BIG);
	b.e820_entries = 1;
	ck_assert_int_eq(multiboot_info_write(&guest.mem, MEM_SIZE - 0x100, &b), -EFAULT);
	ck_assert_int_eq(multiboot_info_write(&guest.mem, 0xfffffff0, &b), -EFAULT);
	b.mod_addr = 0xfffff000;
	b.mod_size = 0x2000;
	ck_assert_int_eq(multiboot_info_write(&guest.mem, 0x80000, &b), -EFAULT);
	ck_assert_uint_eq(rd32(0x80000), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("multiboot");
	TCase *tc = tcase_create("multiboot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, header_search);
	tcase_add_test(tc, elf32_loads);
	tcase_add_test(tc, aout_kludge_loads);
	tcase_add_test(tc, header_requirements);
	tcase_add_test(tc, crafted_elf);
	tcase_add_test(tc, crafted_aout);
	tcase_add_test(tc, load_refusals);
	tcase_add_test(tc, info_layout);
	tcase_add_test(tc, info_minimal_and_refusals);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
