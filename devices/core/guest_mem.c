// SPDX-License-Identifier: MIT
/*
 * Guest RAM: one anonymous mapping, split around the MMIO hole below 4 GiB,
 * and the checked accessor every guest-physical access goes through.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "kvmini/guest_mem.h"

void guest_mem_layout(struct guest_mem *mem, uint8_t *host, uint64_t size)
{
	mem->host = host;
	mem->size = size;
	mem->low_size = size < KVMINI_MMIO_HOLE_START ? size : KVMINI_MMIO_HOLE_START;
	mem->high_size = size - mem->low_size;
	mem->fd = -1;
}

int guest_mem_map(struct guest_mem *mem, uint64_t size)
{
	/*
	 * MAP_NORESERVE: the guest touches what it uses; a 4 GiB guest that
	 * uses 20 MiB costs 20 MiB. Pages come zero-filled, which the ELF
	 * loader relies on for .bss.
	 */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	guest_mem_layout(mem, p, size);
	return 0;
}

int guest_mem_map_file(struct guest_mem *mem, uint64_t size, int fd)
{
	/*
	 * MAP_PRIVATE: a page is read from the file when the guest first
	 * touches it, and a guest write copies it; the file never changes,
	 * so any number of VMs can map the same snapshot at once.
	 */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	guest_mem_layout(mem, p, size);
	return 0;
}

int guest_mem_map_shared(struct guest_mem *mem, uint64_t size)
{
	/*
	 * A memfd rather than anonymous memory: a vhost-user backend gets the
	 * fd (SET_MEM_TABLE) and maps the same pages. ftruncate() allocates
	 * nothing, so only the pages the guest touches cost memory, and they
	 * come zero-filled as anonymous ones do.
	 */
	int fd = memfd_create("kvmini-guest-ram", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED) {
		int err = -errno;
		close(fd);
		return err;
	}
	guest_mem_layout(mem, p, size);
	mem->fd = fd;
	return 0;
}

void guest_mem_unmap(struct guest_mem *mem)
{
	/* Only a mapped guest_mem owns its fd: a zeroed struct's fd 0 is not ours. */
	if (!mem->host)
		return;
	munmap(mem->host, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	mem->host = NULL;
	mem->fd = -1;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	/* Written as "len <= size - offset" so that gpa + len can never overflow. */
	if (gpa < mem->low_size) {
		if (len > mem->low_size - gpa)
			return NULL;
		return mem->host + gpa;
	}
	if (gpa >= KVMINI_HIGH_RAM_START && gpa - KVMINI_HIGH_RAM_START <= mem->high_size) {
		uint64_t off = gpa - KVMINI_HIGH_RAM_START;
		if (len > mem->high_size - off || (mem->high_size == 0))
			return NULL;
		return mem->host + mem->low_size + off;
	}
	if (gpa == mem->low_size && len == 0)
		return mem->host + gpa;
	return NULL;
}

int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *buf, uint64_t len)
{
	const void *src = guest_mem_ptr(mem, gpa, len);
	if (!src)
		return -EFAULT;
	memcpy(buf, src, len);
	return 0;
}

int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *buf, uint64_t len)
{
	void *dst = guest_mem_ptr(mem, gpa, len);
	if (!dst)
		return -EFAULT;
	memcpy(dst, buf, len);
	return 0;
}

uint64_t guest_mem_top(const struct guest_mem *mem)
{
	return mem->high_size ? KVMINI_HIGH_RAM_START + mem->high_size : mem->low_size;
}
