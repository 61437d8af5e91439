/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM for the loaders' unit tests (test_elf.c, test_multiboot.c): a
 * zeroed buffer laid out as a guest's memory (guest_mem_layout()), and the
 * check that a refused image left it all zero, so that no loader writes
 * part of an image before it has checked all of it.
 */
#ifndef KVMINI_TEST_RAM_H
#define KVMINI_TEST_RAM_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "kvmini/guest_mem.h"

struct test_ram {
	uint8_t *bytes;
	size_t size;
	struct guest_mem mem;
};

/* size bytes of zeroed guest RAM from guest-physical 0 (a failed allocation fails the test). */
static inline void test_ram_init(struct test_ram *r, size_t size)
{
	r->bytes = calloc(1, size);
	ck_assert_ptr_nonnull(r->bytes);
	r->size = size;
	guest_mem_layout(&r->mem, r->bytes, size);
}

static inline void test_ram_free(struct test_ram *r)
{
	free(r->bytes);
	r->bytes = NULL;
}

/* Fails the test, naming the first written byte, unless r is still all zero. */
static inline void test_ram_assert_untouched(const struct test_ram *r)
{
	for (size_t i = 0; i < r->size; i++)
		if (r->bytes[i])
			ck_abort_msg("guest RAM byte %#zx was written", i);
}

#endif /* KVMINI_TEST_RAM_H */
