/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM and the one checked accessor through which the monitor and the
 * device models touch it.
 *
 * RAM is one host mapping, shown to the guest as up to two regions so that
 * the MMIO hole below 4 GiB stays free (see include/abi/kvmini_abi.h):
 *   low:  guest [0, low_size)                  -> host[0, low_size)
 *   high: guest [4 GiB, 4 GiB + high_size)     -> host[low_size, size)
 * A guest is hostile: every guest-physical address and length a device model
 * uses comes through guest_mem_ptr(), which refuses anything not entirely in
 * one region, including ranges whose end overflows.
 */
#ifndef KVMINI_GUEST_MEM_H
#define KVMINI_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

struct guest_mem {
	uint8_t *host;	    /* start of the host mapping */
	uint64_t size;	    /* bytes of RAM in all */
	uint64_t low_size;  /* bytes mapped at guest-physical 0 */
	uint64_t high_size; /* bytes mapped at KVMINI_HIGH_RAM_START */
	int fd;		    /* memfd behind a shared mapping (guest_mem_map_shared), else -1 */
};

/*
 * Split size bytes into low and high regions (no mapping is made). Used by
 * guest_mem_map() and by tests that build a guest_mem on plain buffers.
 */
void guest_mem_layout(struct guest_mem *mem, uint8_t *host, uint64_t size);

/* mmap size bytes of anonymous memory and lay it out. 0 or -errno. */
int guest_mem_map(struct guest_mem *mem, uint64_t size);

/*
 * Map size bytes of the file fd (a snapshot's memory) copy-on-write and lay
 * them out: pages are read on first touch, guest writes stay private. The
 * caller may close fd afterwards (mem->fd stays -1). 0 or -errno.
 */
int guest_mem_map_file(struct guest_mem *mem, uint64_t size, int fd);

/*
 * Like guest_mem_map(), but the RAM is a memfd mapped MAP_SHARED, kept open
 * in mem->fd, so that another process (a vhost-user backend such as
 * virtiofsd) can map the same pages. Call before any seccomp filter
 * (memfd_create). 0 or -errno.
 */
int guest_mem_map_shared(struct guest_mem *mem, uint64_t size);

/* Undo any guest_mem_map*() (closes mem->fd if it is open). */
void guest_mem_unmap(struct guest_mem *mem);

/*
 * Host pointer to guest-physical [gpa, gpa+len), or NULL unless the whole
 * range lies inside one RAM region. len 0 is valid when gpa is inside RAM
 * (or exactly at a region's end).
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copy out of / into guest memory. 0, or -EFAULT if the range is not RAM. */
int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *buf, uint64_t len);
int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *buf, uint64_t len);

/* Top of guest-physical RAM (exclusive): where the last region ends. */
uint64_t guest_mem_top(const struct guest_mem *mem);

#endif /* KVMINI_GUEST_MEM_H */
