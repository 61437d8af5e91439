// SPDX-License-Identifier: MIT
/* The checked guest-memory accessor: regions, the MMIO hole, overflow. */
#include <check.h>
#include <errno.h>
#include <stdint.h>

#include "abi/kvmini_abi.h"
#include "kvmini/guest_mem.h"
#include "unit_run.h"

#define GIB (1ull << 30)

START_TEST(small_layout)
{
	struct guest_mem m;
	uint8_t *host = (uint8_t *)0x10000; /* never dereferenced */
	guest_mem_layout(&m, host, 64u << 20);
	ck_assert_uint_eq(m.low_size, 64u << 20);
	ck_assert_uint_eq(m.high_size, 0);
	ck_assert_ptr_eq(guest_mem_ptr(&m, 0, 16), host);
	ck_assert_ptr_eq(guest_mem_ptr(&m, (64u << 20) - 4, 4), host + (64u << 20) - 4);
	ck_assert_ptr_null(guest_mem_ptr(&m, (64u << 20) - 4, 5));
	ck_assert_ptr_null(guest_mem_ptr(&m, 64u << 20, 1));
	ck_assert_ptr_null(guest_mem_ptr(&m, KVMINI_HIGH_RAM_START, 1));
	ck_assert_ptr_null(guest_mem_ptr(&m, UINT64_MAX, 2));	   /* wraps */
	ck_assert_ptr_null(guest_mem_ptr(&m, 16, UINT64_MAX - 8)); /* length overflow */
	ck_assert_uint_eq(guest_mem_top(&m), 64u << 20);
}
END_TEST

START_TEST(large_layout_skips_hole)
{
	struct guest_mem m;
	uint8_t *host = (uint8_t *)0x10000;
	guest_mem_layout(&m, host, 5 * GIB);
	ck_assert_uint_eq(m.low_size, KVMINI_MMIO_HOLE_START);
	ck_assert_uint_eq(m.high_size, 5 * GIB - KVMINI_MMIO_HOLE_START);
	/* The hole is not RAM. */
	ck_assert_ptr_null(guest_mem_ptr(&m, KVMINI_MMIO_HOLE_START, 1));
	ck_assert_ptr_null(guest_mem_ptr(&m, KVMINI_VIRTIO_MMIO_BASE, 4));
	/* A range may not run from low RAM into the hole. */
	ck_assert_ptr_null(guest_mem_ptr(&m, KVMINI_MMIO_HOLE_START - 4, 8));
	/* High RAM maps right after low RAM in the host mapping. */
	ck_assert_ptr_eq(guest_mem_ptr(&m, KVMINI_HIGH_RAM_START, 8), host + m.low_size);
	uint64_t last = KVMINI_HIGH_RAM_START + m.high_size - 8;
	ck_assert_ptr_eq(guest_mem_ptr(&m, last, 8), host + m.low_size + m.high_size - 8);
	ck_assert_ptr_null(guest_mem_ptr(&m, last, 9));
	ck_assert_uint_eq(guest_mem_top(&m), KVMINI_HIGH_RAM_START + m.high_size);
}
END_TEST

START_TEST(read_write_copy)
{
	static uint8_t ram[8192];
	struct guest_mem m;
	uint32_t v = 0xdeadbeef, back = 0;
	guest_mem_layout(&m, ram, sizeof(ram));
	ck_assert_int_eq(guest_mem_write(&m, 100, &v, 4), 0);
	ck_assert_int_eq(guest_mem_read(&m, 100, &back, 4), 0);
	ck_assert_uint_eq(back, v);
	ck_assert_int_eq(guest_mem_write(&m, sizeof(ram) - 2, &v, 4), -EFAULT);
	ck_assert_int_eq(guest_mem_read(&m, sizeof(ram), &back, 1), -EFAULT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *tc = tcase_create("accessor");
	tcase_add_test(tc, small_layout);
	tcase_add_test(tc, large_layout_skips_hole);
	tcase_add_test(tc, read_write_copy);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
