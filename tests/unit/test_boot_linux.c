// SPDX-License-Identifier: MIT
/*
 * The Linux boot protocol pieces without KVM: the bzImage setup-header
 * parser on synthetic images, the zero page, the e820 map and the PVH start
 * info (vmm/boot/bzimage.c, vmm/board/e820.c, vmm/boot/pvh.c).
 */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "boot/bzimage.h"
#include "board/e820.h"
#include "boot/pvh.h"
#include "unit_run.h"

#define IMAGE_SIZE  (64 * 1024)
#define SETUP_SECTS 3 /* setup code = (3 + 1) * 512 bytes */

static uint8_t image[IMAGE_SIZE];
static char err[256];

/* A bzImage as Linux 6.1's arch/x86/boot/header.S lays it out, minus the code. */
static void make_image(void)
{
	struct setup_header hdr;

	memset(image, 0, sizeof(image));
	memset(&hdr, 0, sizeof(hdr));
	hdr.setup_sects = SETUP_SECTS;
	hdr.syssize = (IMAGE_SIZE - (SETUP_SECTS + 1) * 512) / 16;
	hdr.boot_flag = 0xaa55;
	hdr.jump = 0x66eb; /* short jump over the header: 0x202 + 0x66 = 0x268 */
	memcpy(&hdr.header, "HdrS", 4);
	hdr.version = 0x020f;
	hdr.loadflags = LOADED_HIGH;
	hdr.code32_start = 0x100000;
	hdr.initrd_addr_max = 0x7fffffff;
	hdr.kernel_alignment = 0x200000;
	hdr.relocatable_kernel = 0;
	hdr.min_alignment = 21;
	hdr.xloadflags = XLF_KERNEL_64;
	hdr.cmdline_size = 2047;
	hdr.pref_address = 0x1000000;
	hdr.init_size = 0x800000;
	memcpy(image + 0x1f1, &hdr, sizeof(hdr));
	image[0x201] = 0x6a; /* header end 0x26c, as in 6.1 */
	/* Recognisable bytes: the last one of the setup code, the first of the kernel. */
	image[(SETUP_SECTS + 1) * 512 - 1] = 0x5e;
	image[(SETUP_SECTS + 1) * 512] = 0xc3;
}

static struct setup_header *hdr(void)
{
	return (struct setup_header *)(image + 0x1f1);
}

static int parse(struct bzimage_info *info, uint64_t file_size)
{
	return bzimage_parse(image, BZIMAGE_HEAD, file_size, info, err, sizeof(err));
}

START_TEST(test_parse_good)
{
	struct bzimage_info info;

	make_image();
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), 0);
	ck_assert_uint_eq(info.version, 0x020f);
	ck_assert_uint_eq(info.setup_size, 2048);
	ck_assert_uint_eq(info.kernel_size, IMAGE_SIZE - 2048);
	ck_assert_uint_eq(info.header_end, 0x26c);
	ck_assert_uint_eq(info.cmdline_size, 2047);
	ck_assert_uint_eq(info.initrd_addr_max, 0x7fffffff);
	ck_assert_uint_eq(info.pref_address, 0x1000000);
	ck_assert_uint_eq(info.init_size, 0x800000);
	ck_assert(!info.relocatable);
}
END_TEST

/* The one "HdrS" check: boot.c's detection and the parser both use it. */
START_TEST(test_has_magic)
{
	make_image();
	ck_assert(bzimage_has_magic(image, BZIMAGE_MAGIC_END));
	ck_assert(bzimage_has_magic(image, BZIMAGE_HEAD));
	ck_assert(!bzimage_has_magic(image, BZIMAGE_MAGIC_END - 1)); /* a file too short */
	image[0x205] = 's';
	ck_assert(!bzimage_has_magic(image, BZIMAGE_MAGIC_END));
	struct bzimage_info info;
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), -ENOEXEC);
	ck_assert_str_eq(err, "not a Linux bzImage (no \"HdrS\" at offset 0x202)");
}
END_TEST

START_TEST(test_parse_zero_setup_sects_means_four)
{
	struct bzimage_info info;

	make_image();
	hdr()->setup_sects = 0;
	hdr()->syssize = (IMAGE_SIZE - 5 * 512) / 16;
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), 0);
	ck_assert_uint_eq(info.setup_size, 5 * 512);
}
END_TEST

/* Each way a file can fail to be a bootable bzImage, and a word of the reason. */
START_TEST(test_parse_refuses)
{
	struct bzimage_info info;

	make_image();
	memcpy(image + 0x202, "HdrX", 4);
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "HdrS"));

	make_image();
	hdr()->version = 0x020b;
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "2.11"));

	make_image();
	hdr()->xloadflags = 0;
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "64-bit"));

	make_image();
	hdr()->loadflags = 0;
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "zImage"));

	make_image();
	hdr()->syssize = 0;
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "syssize"));

	make_image();
	image[0x201] = 0x10; /* header would end before the fields we read */
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "0x201"));
}
END_TEST

START_TEST(test_parse_truncated)
{
	struct bzimage_info info;

	make_image();
	/* The protected-mode part is one byte short. */
	ck_assert_int_eq(parse(&info, IMAGE_SIZE - 1), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	ck_assert_ptr_nonnull(strstr(err, "protected-mode"));

	/* setup_sects says more setup code than the file holds. */
	make_image();
	hdr()->setup_sects = 200;
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "setup code"));

	/* Too short for even the header. */
	make_image();
	ck_assert_int_eq(bzimage_parse(image, 0x200, 0x200, &info, err, sizeof(err)), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
}
END_TEST

START_TEST(test_runtime_start)
{
	struct bzimage_info info;

	make_image();
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), 0);
	/* Not relocatable: always pref_address. */
	ck_assert_uint_eq(bzimage_runtime_start(&info, 0x100000), 0x1000000);
	/* Relocatable: load address aligned up, but never below pref_address. */
	info.relocatable = true;
	ck_assert_uint_eq(bzimage_runtime_start(&info, 0x100000), 0x1000000);
	ck_assert_uint_eq(bzimage_runtime_start(&info, 0x2100000), 0x2200000);
}
END_TEST

START_TEST(test_boot_params_fill)
{
	struct bzimage_info info;
	struct boot_params bp;
	struct e820_entry e820[2] = {
		{.addr = 0, .size = 0x9fc00, .type = E820_RAM},
		{.addr = 0x100000, .size = 0x7f00000, .type = E820_RAM},
	};
	struct linux_boot_args args = {
		.kernel_addr = 0x100000,
		.cmdline_addr = 0x8000,
		.initrd_addr = 0x1234567000ULL, /* above 4 GiB: split into two halves */
		.initrd_size = 0x100000002ULL,
		.e820 = e820,
		.e820_entries = 2,
	};

	make_image();
	hdr()->loadflags |= QUIET_FLAG;
	ck_assert_int_eq(parse(&info, IMAGE_SIZE), 0);
	memset(&bp, 0xa5, sizeof(bp)); /* must come back zeroed outside what is set */
	ck_assert_int_eq(bzimage_fill_boot_params(&bp, image, &info, &args), 0);

	/* The header was copied: fields the loader only reads are intact. */
	ck_assert_mem_eq(&bp.hdr.header, "HdrS", 4);
	ck_assert_uint_eq(bp.hdr.version, 0x020f);
	ck_assert_uint_eq(bp.hdr.init_size, 0x800000);
	ck_assert_uint_eq(bp.hdr.setup_sects, SETUP_SECTS);
	/* The loader's fields. */
	ck_assert_uint_eq(bp.hdr.type_of_loader, 0xff);
	ck_assert_uint_eq(bp.hdr.loadflags, LOADED_HIGH | CAN_USE_HEAP);
	ck_assert_uint_ne(bp.hdr.heap_end_ptr, 0);
	ck_assert_uint_eq(bp.hdr.vid_mode, 0xffff);
	ck_assert_uint_eq(bp.hdr.code32_start, 0x100000);
	ck_assert_uint_eq(bp.hdr.cmd_line_ptr, 0x8000);
	ck_assert_uint_eq(bp.ext_cmd_line_ptr, 0);
	ck_assert_uint_eq(bp.hdr.ramdisk_image, 0x34567000);
	ck_assert_uint_eq(bp.ext_ramdisk_image, 0x12);
	ck_assert_uint_eq(bp.hdr.ramdisk_size, 2);
	ck_assert_uint_eq(bp.ext_ramdisk_size, 1);
	ck_assert_uint_eq(bp.e820_entries, 2);
	ck_assert_uint_eq(bp.e820_table[1].addr, 0x100000);
	ck_assert_uint_eq(bp.e820_table[1].size, 0x7f00000);
	ck_assert_uint_eq(bp.e820_table[1].type, E820_RAM);
	/* Zeroed: the sentinel (0x1ef) and the rest of the page. */
	ck_assert_uint_eq(bp.sentinel, 0);
	ck_assert_uint_eq(bp.screen_info.orig_video_isVGA, 0);
	ck_assert_uint_eq(bp.e820_table[2].size, 0);

	args.e820_entries = E820_MAX_ENTRIES_ZEROPAGE + 1;
	ck_assert_int_eq(bzimage_fill_boot_params(&bp, image, &info, &args), -E2BIG);
}
END_TEST

static struct guest_mem mem_of(uint64_t size)
{
	struct guest_mem mem;
	guest_mem_layout(&mem, NULL, size); /* only the layout is used */
	return mem;
}

START_TEST(test_e820_small)
{
	struct guest_mem mem = mem_of(128ULL << 20);
	struct e820_entry e[E820_MAX_ENTRIES];

	ck_assert_int_eq(e820_build(&mem, e, E820_MAX_ENTRIES), 3);
	ck_assert_uint_eq(e[0].addr, 0);
	ck_assert_uint_eq(e[0].size, 0x9fc00);
	ck_assert_uint_eq(e[0].type, E820_RAM);
	ck_assert_uint_eq(e[1].addr, 0x9fc00);
	ck_assert_uint_eq(e[1].addr + e[1].size, 0x100000);
	ck_assert_uint_eq(e[1].type, E820_RESERVED);
	ck_assert_uint_eq(e[2].addr, 0x100000);
	ck_assert_uint_eq(e[2].addr + e[2].size, 128ULL << 20);
	ck_assert_uint_eq(e[2].type, E820_RAM);
}
END_TEST

/* More than 3 GiB: RAM up to the MMIO hole, the rest at 4 GiB, the hole in no entry. */
START_TEST(test_e820_high)
{
	struct guest_mem mem = mem_of(5ULL << 30);
	struct e820_entry e[E820_MAX_ENTRIES];

	ck_assert_int_eq(e820_build(&mem, e, E820_MAX_ENTRIES), 4);
	ck_assert_uint_eq(e[2].addr + e[2].size, KVMINI_MMIO_HOLE_START);
	ck_assert_uint_eq(e[3].addr, KVMINI_HIGH_RAM_START);
	ck_assert_uint_eq(e[3].size, (5ULL << 30) - KVMINI_MMIO_HOLE_START);
	ck_assert_uint_eq(e[3].type, E820_RAM);
	uint64_t ram = 0;
	for (int i = 0; i < 4; i++) {
		ck_assert(e[i].addr >= KVMINI_MMIO_HOLE_END ||
			  e[i].addr + e[i].size <= KVMINI_MMIO_HOLE_START);
		if (e[i].type == E820_RAM)
			ram += e[i].size;
	}
	/* Every byte of RAM is listed except the reserved low range. */
	ck_assert_uint_eq(ram, (5ULL << 30) - (0x100000 - 0x9fc00));
	ck_assert_int_eq(e820_build(&mem, e, 3), -ENOSPC);
}
END_TEST

START_TEST(test_pvh_start_info)
{
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry map[E820_MAX_ENTRIES];
	struct guest_mem mem = mem_of(256ULL << 20);
	struct e820_entry e[E820_MAX_ENTRIES];
	const struct pvh_layout layout = {
		.start_info = 0x3000, .modlist = 0x3040, .memmap = 0x3080};
	int n = e820_build(&mem, e, E820_MAX_ENTRIES);

	ck_assert_int_eq(n, 3);
	pvh_start_info_fill(&si, &mod, map, &layout, 0x8000, 0xf000000, 12345, e, (unsigned)n);
	ck_assert_uint_eq(si.magic, 0x336ec578);
	ck_assert_uint_eq(si.version, 1);
	ck_assert_uint_eq(si.cmdline_paddr, 0x8000);
	ck_assert_uint_eq(si.nr_modules, 1);
	ck_assert_uint_eq(si.modlist_paddr, 0x3040);
	ck_assert_uint_eq(mod.paddr, 0xf000000);
	ck_assert_uint_eq(mod.size, 12345);
	ck_assert_uint_eq(si.rsdp_paddr, 0);
	ck_assert_uint_eq(si.memmap_paddr, 0x3080);
	ck_assert_uint_eq(si.memmap_entries, 3);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(map[i].addr, e[i].addr);
		ck_assert_uint_eq(map[i].size, e[i].size);
		ck_assert_uint_eq(map[i].type, e[i].type);
		ck_assert_uint_eq(map[i].reserved, 0);
	}

	/* No initrd: no module at all (Linux takes module 0 as the initrd). */
	pvh_start_info_fill(&si, &mod, map, &layout, 0x8000, 0, 0, e, (unsigned)n);
	ck_assert_uint_eq(si.nr_modules, 0);
	ck_assert_uint_eq(si.modlist_paddr, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("boot_linux");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_has_magic);
	tcase_add_test(tc, test_parse_zero_setup_sects_means_four);
	tcase_add_test(tc, test_parse_refuses);
	tcase_add_test(tc, test_parse_truncated);
	tcase_add_test(tc, test_runtime_start);
	tcase_add_test(tc, test_boot_params_fill);
	tcase_add_test(tc, test_e820_small);
	tcase_add_test(tc, test_e820_high);
	tcase_add_test(tc, test_pvh_start_info);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
