// SPDX-License-Identifier: MIT
/*
 * ELF loading with libelf (elfutils). An ELF guest is a list of PT_LOAD
 * segments: copy p_filesz bytes from the file to guest-physical p_paddr;
 * the rest up to p_memsz is .bss, already zero in fresh guest RAM (System V
 * ABI, "Program Header"). PT_NOTE segments may carry the Xen PVH entry
 * point that Linux's vmlinux advertises (XEN_ELFNOTE_PHYS32_ENTRY).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/elf.h"
#include "errbuf.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18 /* xen/include/public/elfnote.h */

/* Look for the PVH entry note in one PT_NOTE segment. */
static void find_pvh_note(Elf *elf, const GElf_Phdr *ph, struct elf_image *img)
{
	Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!data)
		return;
	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;
		if (nh.n_type != XEN_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != 4 ||
		    memcmp(name, "Xen", 4) != 0 || nh.n_descsz < 4)
			continue;
		uint32_t entry;
		memcpy(&entry, (const char *)data->d_buf + desc_off, sizeof(entry));
		img->has_pvh_entry = true;
		img->pvh_entry = entry;
	}
}

/* Look at every PT_NOTE segment that lies inside the file for the PVH entry. */
static void find_pvh_notes(Elf *elf, size_t phnum, uint64_t file_size, struct elf_image *img)
{
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_NOTE &&
		    ph.p_offset <= file_size && ph.p_filesz <= file_size - ph.p_offset)
			find_pvh_note(elf, &ph, img);
	}
}

bool elf_has_pvh_entry(const char *path)
{
	struct elf_image img = {0};
	struct stat st;
	size_t phnum;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && fstat(fd, &st) == 0 &&
	    elf_getphdrnum(elf, &phnum) == 0)
		find_pvh_notes(elf, phnum, (uint64_t)st.st_size, &img);
	if (elf)
		elf_end(elf);
	close(fd);
	return img.has_pvh_entry;
}

/* Check every program header before copying anything. */
static int check_segments(Elf *elf, size_t phnum, uint64_t file_size, const struct guest_mem *mem,
			  uint64_t min_addr, struct elf_image *img, char *err, size_t errlen)
{
	unsigned int loads = 0;

	img->load_low = UINT64_MAX;
	img->load_high = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			return errbuf_set(err, errlen, -ENOEXEC,
					  "unreadable program header %zu: %s", i, elf_errmsg(-1));
		if (ph.p_type != PT_LOAD)
			continue;
		loads++;
		if (ph.p_filesz > ph.p_memsz)
			return errbuf_set(err, errlen, -ENOEXEC,
					  "segment %zu has more file bytes than memory bytes", i);
		if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
			return errbuf_set(
				err, errlen, -ENOEXEC,
				"truncated: segment %zu needs file bytes up to %#llx but the "
				"file has %#llx",
				i, (unsigned long long)(ph.p_offset + ph.p_filesz),
				(unsigned long long)file_size);
		if (ph.p_paddr < min_addr || !guest_mem_ptr(mem, ph.p_paddr, ph.p_memsz))
			return errbuf_set(
				err, errlen, -ERANGE,
				"segment %zu [%#llx, %#llx) lies outside guest RAM [%#llx, "
				"%#llx) (too little --mem, or not linked for kvmini?)",
				i, (unsigned long long)ph.p_paddr,
				(unsigned long long)(ph.p_paddr + ph.p_memsz),
				(unsigned long long)min_addr,
				(unsigned long long)guest_mem_top(mem));
		if (ph.p_paddr < img->load_low)
			img->load_low = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > img->load_high)
			img->load_high = ph.p_paddr + ph.p_memsz;
	}
	if (loads == 0)
		return errbuf_set(err, errlen, -ENOEXEC, "no loadable (PT_LOAD) segment");
	find_pvh_notes(elf, phnum, file_size, img);
	return 0;
}

static int copy_segments(Elf *elf, size_t phnum, int fd, const struct guest_mem *mem, char *err,
			 size_t errlen)
{
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		uint8_t *dst = guest_mem_ptr(mem, ph.p_paddr, ph.p_memsz); /* checked above */
		ssize_t n = pread(fd, dst, ph.p_filesz, (off_t)ph.p_offset);
		if (n < 0 || (uint64_t)n != ph.p_filesz)
			return errbuf_set(err, errlen, n < 0 ? -errno : -EIO,
					  "read of segment %zu failed", i);
		/* Zero .bss explicitly: the image may be loaded over used RAM. */
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}

int elf_load(const struct guest_mem *mem, const char *path, uint64_t min_addr,
	     struct elf_image *img, char *err, size_t errlen)
{
	struct stat st;
	Elf *elf = NULL;
	int ret;

	memset(img, 0, sizeof(*img));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errbuf_set(err, errlen, -errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = errbuf_set(err, errlen, -errno, "%s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = errbuf_set(err, errlen, -EISDIR, "is a directory, not a kernel image");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = errbuf_set(err, errlen, -EINVAL, "not a regular file");
		goto out;
	}

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = errbuf_set(err, errlen, -ENOEXEC, "not an ELF file");
		goto out;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh)) {
		ret = errbuf_set(err, errlen, -ENOEXEC, "truncated or corrupt ELF header: %s",
				 elf_errmsg(-1));
		goto out;
	}
	if (gelf_getclass(elf) != ELFCLASS64) {
		ret = errbuf_set(err, errlen, -ENOEXEC,
				 "32-bit ELF; kvmini loads 64-bit (ELFCLASS64) "
				 "x86-64 kernels");
		goto out;
	}
	if (eh.e_machine != EM_X86_64) {
		ret = errbuf_set(err, errlen, -ENOEXEC, "ELF for machine %u, not x86-64 (%u)",
				 eh.e_machine, EM_X86_64);
		goto out;
	}
	if (eh.e_type != ET_EXEC) {
		ret = errbuf_set(err, errlen, -ENOEXEC,
				 "ELF type %u is not an executable (ET_EXEC)", eh.e_type);
		goto out;
	}
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0) {
		ret = errbuf_set(err, errlen, -ENOEXEC, "truncated or corrupt program headers: %s",
				 elf_errmsg(-1));
		goto out;
	}
	/*
	 * libelf quietly reports fewer program headers when the table runs
	 * past the end of the file; check the header's own numbers instead.
	 */
	if (eh.e_phoff > (uint64_t)st.st_size ||
	    (uint64_t)eh.e_phnum * eh.e_phentsize > (uint64_t)st.st_size - eh.e_phoff) {
		ret = errbuf_set(err, errlen, -ENOEXEC,
				 "truncated: the program headers end past the file's %lld bytes",
				 (long long)st.st_size);
		goto out;
	}
	ret = check_segments(elf, phnum, (uint64_t)st.st_size, mem, min_addr, img, err, errlen);
	if (ret)
		goto out;
	ret = copy_segments(elf, phnum, fd, mem, err, errlen);
	img->entry = eh.e_entry;
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}
