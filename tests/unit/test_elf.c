// SPDX-License-Identifier: MIT
/* The ELF loader: a good image loads; every kind of bad image is refused untouched. */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/elf.h"
#include "test_ram.h"
#include "unit_run.h"

#define MEM_SIZE (4u << 20)
/* RAM stays all zero until an image loads: a refused one must not be partly loaded. */
static struct test_ram guest;
static char dir[] = "/tmp/kvmini-test-elf-XXXXXX";

/* A minimal ELF64 executable: header, one program header, then the segment bytes. */
struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint8_t code[16];
};

static struct image good_image(void)
{
	struct image im;
	memset(&im, 0, sizeof(im));
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS64;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_ident[EI_VERSION] = EV_CURRENT;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_X86_64;
	im.eh.e_version = EV_CURRENT;
	im.eh.e_entry = 0x100000;
	im.eh.e_phoff = offsetof(struct image, ph);
	im.eh.e_ehsize = sizeof(Elf64_Ehdr);
	im.eh.e_phentsize = sizeof(Elf64_Phdr);
	im.eh.e_phnum = 1;
	im.ph.p_type = PT_LOAD;
	im.ph.p_offset = offsetof(struct image, code);
	im.ph.p_vaddr = im.ph.p_paddr = 0x100000;
	im.ph.p_filesz = sizeof(im.code);
	im.ph.p_memsz = 0x1000; /* the rest is .bss */
	im.ph.p_flags = PF_R | PF_X;
	for (unsigned i = 0; i < sizeof(im.code); i++)
		im.code[i] = (uint8_t)(0xa0 + i);
	return im;
}

static char *write_file(const char *name, const void *data, size_t len)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

static void setup(void)
{
	test_ram_init(&guest, MEM_SIZE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/kvmini-test-elf-XXXXXX");
	test_ram_free(&guest);
}

static int load(const char *path, char *err)
{
	struct elf_image img;
	return elf_load(&guest.mem, path, 0x100000, &img, err, 256);
}

START_TEST(good_elf_loads)
{
	struct image im = good_image();
	struct elf_image img;
	char err[256];
	memset(guest.bytes + 0x100000, 0x55, 0x1000); /* stale bytes where .bss goes */
	ck_assert_int_eq(elf_load(&guest.mem, write_file("good", &im, sizeof(im)), 0x100000, &img,
				  err, sizeof(err)),
			 0);
	ck_assert_uint_eq(img.entry, 0x100000);
	ck_assert_uint_eq(img.load_low, 0x100000);
	ck_assert_uint_eq(img.load_high, 0x101000);
	ck_assert(!img.has_pvh_entry);
	ck_assert_mem_eq(guest.bytes + 0x100000, im.code, sizeof(im.code));
	for (size_t i = sizeof(im.code); i < 0x1000; i++)
		ck_assert_uint_eq(guest.bytes[0x100000 + i], 0); /* .bss zeroed */
}
END_TEST

START_TEST(not_an_elf)
{
	char err[256];
	ck_assert_int_eq(load(write_file("text", "hello, world\n", 13), err), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "not an ELF"));
	ck_assert_int_eq(load(write_file("empty", "", 0), err), -ENOEXEC);
	test_ram_assert_untouched(&guest);
}
END_TEST

START_TEST(wrong_machine_and_class)
{
	char err[256];
	struct image im = good_image();
	im.eh.e_machine = EM_AARCH64;
	ck_assert_int_eq(load(write_file("arm", &im, sizeof(im)), err), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "not x86-64"));

	/* An ELF32 header: class byte says 32-bit. */
	Elf32_Ehdr eh32;
	memset(&eh32, 0, sizeof(eh32));
	memcpy(eh32.e_ident, ELFMAG, SELFMAG);
	eh32.e_ident[EI_CLASS] = ELFCLASS32;
	eh32.e_ident[EI_DATA] = ELFDATA2LSB;
	eh32.e_ident[EI_VERSION] = EV_CURRENT;
	eh32.e_type = ET_EXEC;
	eh32.e_machine = EM_386;
	eh32.e_version = EV_CURRENT;
	eh32.e_ehsize = sizeof(eh32);
	ck_assert_int_eq(load(write_file("elf32", &eh32, sizeof(eh32)), err), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "32-bit"));

	im = good_image();
	im.eh.e_type = ET_DYN;
	ck_assert_int_eq(load(write_file("dyn", &im, sizeof(im)), err), -ENOEXEC);
	test_ram_assert_untouched(&guest);
}
END_TEST

START_TEST(truncated)
{
	char err[256];
	struct image im = good_image();
	/* Cut inside the segment's file bytes. */
	ck_assert_int_eq(load(write_file("cut1", &im, sizeof(im) - 4), err), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	/* Cut inside the program header table. */
	ck_assert_int_eq(load(write_file("cut2", &im, sizeof(Elf64_Ehdr) + 8), err), -ENOEXEC);
	/* Cut inside the ELF header. */
	ck_assert_int_eq(load(write_file("cut3", &im, 20), err), -ENOEXEC);
	test_ram_assert_untouched(&guest);
}
END_TEST

START_TEST(segment_outside_memory)
{
	char err[256];
	struct image im = good_image();
	im.ph.p_paddr = MEM_SIZE - 0x800; /* .bss runs past the end of RAM */
	ck_assert_int_eq(load(write_file("high", &im, sizeof(im)), err), -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "outside guest RAM"));

	im = good_image();
	im.ph.p_paddr = 0x1000; /* over the boot structures below 1 MiB */
	ck_assert_int_eq(load(write_file("low", &im, sizeof(im)), err), -ERANGE);

	im = good_image();
	im.ph.p_paddr = 0xfffffffffffff000ull; /* address + size overflows */
	ck_assert_int_eq(load(write_file("wrap", &im, sizeof(im)), err), -ERANGE);
	test_ram_assert_untouched(&guest);
}
END_TEST

START_TEST(not_a_file)
{
	char err[256];
	ck_assert_int_eq(load(dir, err), -EISDIR);
	ck_assert_ptr_nonnull(strstr(err, "directory"));
	ck_assert_int_eq(load("/nonexistent/kernel", err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
}
END_TEST

/* Crafted program headers: each number the loader adds or multiplies, at its extreme. */
START_TEST(crafted_headers)
{
	char err[256];
	struct elf_image img;
	struct image im;

	/* p_filesz > p_memsz: more file bytes than the segment holds. */
	im = good_image();
	im.ph.p_memsz = 8;
	ck_assert_int_eq(load(write_file("fz", &im, sizeof(im)), err), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "more file bytes"));

	/* p_offset + p_filesz wraps past 2^64. */
	im = good_image();
	im.ph.p_offset = UINT64_MAX - 4;
	ck_assert_int_eq(load(write_file("off", &im, sizeof(im)), err), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));

	/* p_paddr + p_memsz wraps: refused before RAM is looked at, too. */
	im = good_image();
	im.ph.p_paddr = UINT64_MAX - 0x10;
	ck_assert_int_eq(elf_check_file(write_file("wrap", &im, sizeof(im)), &img, err, 256),
			 -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "wraps"));

	/* A huge p_memsz at a low address wraps as well. */
	im = good_image();
	im.ph.p_memsz = UINT64_MAX;
	ck_assert_int_eq(load(write_file("memsz", &im, sizeof(im)), err), -ERANGE);

	/* e_phnum larger than the file can hold. */
	im = good_image();
	im.eh.e_phnum = 0xfffe;
	ck_assert_int_eq(load(write_file("phnum", &im, sizeof(im)), err), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "program headers"));

	/* PN_XNUM: the count would live in section 0; no kernel needs that. */
	im = good_image();
	im.eh.e_phnum = PN_XNUM;
	ck_assert_int_eq(load(write_file("xnum", &im, sizeof(im)), err), -ENOEXEC);

	/* e_phoff past the end, and e_phoff near 2^64. */
	im = good_image();
	im.eh.e_phoff = sizeof(im) + 1;
	ck_assert_int_eq(load(write_file("phoff", &im, sizeof(im)), err), -ENOEXEC);
	im.eh.e_phoff = UINT64_MAX - 8;
	ck_assert_int_eq(load(write_file("phoff2", &im, sizeof(im)), err), -ENOEXEC);

	/* e_phentsize that is not an Elf64_Phdr. */
	im = good_image();
	im.eh.e_phentsize = 8;
	ck_assert_int_eq(load(write_file("phent", &im, sizeof(im)), err), -ENOEXEC);
	test_ram_assert_untouched(&guest);

	/* No PT_LOAD at all. */
	im = good_image();
	im.ph.p_type = PT_NOTE;
	ck_assert_int_eq(load(write_file("noload", &im, sizeof(im)), err), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "PT_LOAD"));
	test_ram_assert_untouched(&guest);
}
END_TEST

/* elf_check_file: the checks that need no RAM, on a good file and on non-files. */
START_TEST(check_without_ram)
{
	char err[256];
	struct elf_image img;
	struct image im = good_image();
	char fifo[300];

	ck_assert_int_eq(elf_check_file(write_file("good", &im, sizeof(im)), &img, err, 256), 0);
	ck_assert_uint_eq(img.entry, 0x100000);
	ck_assert_uint_eq(img.load_high, 0x101000);
	/* Anywhere in the address space is fine without RAM to compare with. */
	im.ph.p_paddr = 0x4000000000ull;
	ck_assert_int_eq(elf_check_file(write_file("far", &im, sizeof(im)), &img, err, 256), 0);
	/* A FIFO with no writer: refused at once, not waited on. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(elf_check_file(fifo, &img, err, 256), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	ck_assert_int_eq(elf_check_file("/dev/zero", &img, err, 256), -EINVAL);
	test_ram_assert_untouched(&guest);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_elf_loads);
	tcase_add_test(tc, not_an_elf);
	tcase_add_test(tc, wrong_machine_and_class);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, segment_outside_memory);
	tcase_add_test(tc, not_a_file);
	tcase_add_test(tc, crafted_headers);
	tcase_add_test(tc, check_without_ram);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
