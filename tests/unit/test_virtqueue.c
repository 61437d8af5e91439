// SPDX-License-Identifier: MIT
/*
 * Split virtqueue walking (devices/virtio/virtqueue.c) on rings in a plain buffer:
 * good chains, and every kind of broken ring or chain a hostile guest can
 * build, each of which must be refused with the right reason.
 */
#include <check.h>
#include <stdint.h>
#include <sys/mman.h>

#include "abi/kvmini_abi.h"
#include "kvmini/virtqueue.h"
#include "virtio_test.h"
#include "unit_run.h"

#define NUM 8

static struct guest_mem mem;
static struct vt_ring ring;
static struct virtq vq;
static struct virtq_chain chain;

static void setup(void)
{
	vt_mem_init(&mem);
	vt_ring_init(&ring, &mem, NUM, VT_RING_GPA);
	virtq_reset(&vq);
	vq.num = NUM;
	vq.desc_gpa = ring.desc;
	vq.avail_gpa = ring.avail;
	vq.used_gpa = ring.used;
	vq.indirect = true;
	ck_assert_int_eq(virtq_activate(&vq, &mem, 256), VIRTQ_OK);
}

static void teardown(void)
{
	vt_mem_free(&mem);
}

/* Pop and expect failure with reason want. */
static void expect_error(enum virtq_error want)
{
	enum virtq_error err = VIRTQ_OK;
	ck_assert_int_eq(virtq_pop(&vq, &chain, &err), -1);
	ck_assert_msg(err == want, "got error %d (%s), want %d (%s)", err, virtq_error_str(err),
		      want, virtq_error_str(want));
}

static int pop(void)
{
	enum virtq_error err = VIRTQ_OK;
	int r = virtq_pop(&vq, &chain, &err);
	ck_assert_msg(r >= 0, "unexpected error %s", virtq_error_str(err));
	return r;
}

START_TEST(test_empty_ring)
{
	ck_assert_int_eq(pop(), 0);
}
END_TEST

START_TEST(test_valid_chain_and_push)
{
	vt_desc(&ring, 3, VT_DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 5);
	vt_desc(&ring, 5, VT_DATA_GPA + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	vt_desc(&ring, 1, VT_DATA_GPA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&ring, 3);

	ck_assert_int_eq(pop(), 1);
	ck_assert_uint_eq(chain.head, 3);
	ck_assert_uint_eq(chain.nread, 1);
	ck_assert_uint_eq(chain.nwrite, 2);
	ck_assert_uint_eq(chain.read_len, 16);
	ck_assert_uint_eq(chain.write_len, 513);
	ck_assert_ptr_eq(chain.bufs[0].iov_base, mem.host + VT_DATA_GPA);
	ck_assert_ptr_eq(chain.bufs[1].iov_base, mem.host + VT_DATA_GPA + 0x100);
	ck_assert_uint_eq(chain.bufs[2].iov_len, 1);
	ck_assert_int_eq(pop(), 0); /* consumed */

	virtq_push(&vq, chain.head, 513);
	ck_assert_uint_eq(vt_used(&ring)->idx, 1);
	ck_assert_uint_eq(vt_used(&ring)->ring[0].id, 3);
	ck_assert_uint_eq(vt_used(&ring)->ring[0].len, 513);
}
END_TEST

START_TEST(test_ring_wraps)
{
	/* 3 * NUM chains: indices wrap around the ring several times. */
	for (int i = 0; i < 3 * NUM; i++) {
		uint16_t d = (uint16_t)(i % NUM);
		vt_desc(&ring, d, VT_DATA_GPA + 64 * d, 64, 0, 0);
		vt_avail_add(&ring, d);
		ck_assert_int_eq(pop(), 1);
		ck_assert_uint_eq(chain.head, d);
		virtq_push(&vq, chain.head, 0);
	}
	ck_assert_uint_eq(vt_used(&ring)->idx, 3 * NUM);
}
END_TEST

START_TEST(test_loop)
{
	vt_desc(&ring, 0, VT_DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(&ring, 1, VT_DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	vt_desc(&ring, 2, VT_DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(test_self_loop)
{
	vt_desc(&ring, 4, VT_DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 4);
	vt_avail_add(&ring, 4);
	expect_error(VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(test_full_length_chain_is_no_loop)
{
	/* A chain using every descriptor once is legal. */
	for (uint16_t i = 0; i < NUM; i++)
		vt_desc(&ring, i, VT_DATA_GPA, 8, i + 1 < NUM ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	vt_avail_add(&ring, 0);
	ck_assert_int_eq(pop(), 1);
	ck_assert_uint_eq(chain.nread, NUM);
}
END_TEST

START_TEST(test_next_out_of_table)
{
	vt_desc(&ring, 0, VT_DATA_GPA, 8, VIRTQ_DESC_F_NEXT, NUM);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_NEXT);
}
END_TEST

START_TEST(test_head_out_of_table)
{
	vt_avail_add(&ring, NUM + 3);
	expect_error(VIRTQ_ERR_HEAD);
}
END_TEST

START_TEST(test_buffer_beyond_memory)
{
	vt_desc(&ring, 0, VT_MEM_SIZE, 1, 0, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_BUFFER);
}
END_TEST

START_TEST(test_buffer_crosses_end_of_memory)
{
	vt_desc(&ring, 0, VT_MEM_SIZE - 16, 17, 0, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_BUFFER);
}
END_TEST

START_TEST(test_buffer_address_overflow)
{
	/* addr + len wraps around to a small, valid-looking address. */
	vt_desc(&ring, 0, 0xfffffffffffff000ULL, 0x2000, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_BUFFER);
}
END_TEST

START_TEST(test_buffer_in_mmio_hole)
{
	vt_desc(&ring, 0, KVMINI_VIRTIO_MMIO_BASE + 0x100, 4, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_BUFFER);
}
END_TEST

START_TEST(test_zero_length_chain)
{
	/* Legal for the ring; the device decides what an empty request means. */
	vt_desc(&ring, 0, VT_DATA_GPA, 0, 0, 0);
	vt_avail_add(&ring, 0);
	ck_assert_int_eq(pop(), 1);
	ck_assert_uint_eq(chain.read_len + chain.write_len, 0);
	ck_assert_uint_eq(chain.nread, 1);
}
END_TEST

START_TEST(test_readable_after_writable)
{
	vt_desc(&ring, 0, VT_DATA_GPA, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	vt_desc(&ring, 1, VT_DATA_GPA + 64, 16, 0, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_ORDER);
}
END_TEST

START_TEST(test_avail_idx_jump)
{
	vt_desc(&ring, 0, VT_DATA_GPA, 8, 0, 0);
	vt_avail(&ring)->idx = NUM + 1;
	expect_error(VIRTQ_ERR_AVAIL_IDX);
}
END_TEST

START_TEST(test_avail_idx_full_ring_ok)
{
	for (uint16_t i = 0; i < NUM; i++) {
		vt_desc(&ring, i, VT_DATA_GPA, 8, 0, 0);
		vt_avail_add(&ring, i);
	}
	for (uint16_t i = 0; i < NUM; i++) {
		ck_assert_int_eq(pop(), 1);
		ck_assert_uint_eq(chain.head, i);
	}
	ck_assert_int_eq(pop(), 0);
}
END_TEST

#define TABLE_GPA 0x30000

START_TEST(test_indirect_valid)
{
	vt_indirect_desc(&mem, TABLE_GPA, 0, VT_DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	vt_indirect_desc(&mem, TABLE_GPA, 2, VT_DATA_GPA + 0x200, 512,
			 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vt_indirect_desc(&mem, TABLE_GPA, 1, VT_DATA_GPA + 0x800, 1, VIRTQ_DESC_F_WRITE, 0);
	/* One direct readable descriptor before the table is allowed (section 2.7.5.3.2). */
	vt_desc(&ring, 6, VT_DATA_GPA + 0x900, 4, VIRTQ_DESC_F_NEXT, 7);
	vt_desc(&ring, 7, TABLE_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 6);
	ck_assert_int_eq(pop(), 1);
	ck_assert_uint_eq(chain.head, 6);
	ck_assert_uint_eq(chain.nread, 2);
	ck_assert_uint_eq(chain.nwrite, 2);
	ck_assert_uint_eq(chain.read_len, 20);
	ck_assert_uint_eq(chain.write_len, 513);
}
END_TEST

START_TEST(test_indirect_not_negotiated)
{
	vq.indirect = false;
	vt_indirect_desc(&mem, TABLE_GPA, 0, VT_DATA_GPA, 16, 0, 0);
	vt_desc(&ring, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_INDIRECT_FEATURE);
}
END_TEST

START_TEST(test_indirect_bad_length)
{
	vt_desc(&ring, 0, TABLE_GPA, 24, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_INDIRECT_LEN);
}
END_TEST

START_TEST(test_indirect_zero_length)
{
	vt_desc(&ring, 0, TABLE_GPA, 0, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_INDIRECT_LEN);
}
END_TEST

START_TEST(test_indirect_too_long)
{
	vt_desc(&ring, 0, TABLE_GPA, 16 * (VIRTQ_CHAIN_MAX + 1), VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_INDIRECT_LEN);
}
END_TEST

START_TEST(test_indirect_table_outside_ram)
{
	vt_desc(&ring, 0, VT_MEM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_INDIRECT_ADDR);
}
END_TEST

START_TEST(test_indirect_nested)
{
	vt_indirect_desc(&mem, TABLE_GPA, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vt_desc(&ring, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_INDIRECT_NESTED);
}
END_TEST

START_TEST(test_indirect_with_next)
{
	vt_indirect_desc(&mem, TABLE_GPA, 0, VT_DATA_GPA, 16, 0, 0);
	vt_desc(&ring, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	vt_desc(&ring, 1, VT_DATA_GPA, 16, 0, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_INDIRECT_NEXT);
}
END_TEST

START_TEST(test_indirect_loop)
{
	vt_indirect_desc(&mem, TABLE_GPA, 0, VT_DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	vt_indirect_desc(&mem, TABLE_GPA, 1, VT_DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	vt_desc(&ring, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(test_indirect_next_out_of_table)
{
	vt_indirect_desc(&mem, TABLE_GPA, 0, VT_DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	vt_desc(&ring, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_NEXT);
}
END_TEST

START_TEST(test_indirect_bad_buffer)
{
	vt_indirect_desc(&mem, TABLE_GPA, 0, 0xffffffffffffff00ULL, 0x200, VIRTQ_DESC_F_WRITE, 0);
	vt_desc(&ring, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	vt_avail_add(&ring, 0);
	expect_error(VIRTQ_ERR_BUFFER);
}
END_TEST

/* ---- ring placement, checked by virtq_activate() ------------------------- */

static enum virtq_error activate(uint16_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	virtq_reset(&vq);
	vq.num = num;
	vq.desc_gpa = desc;
	vq.avail_gpa = avail;
	vq.used_gpa = used;
	return virtq_activate(&vq, &mem, 256);
}

START_TEST(test_activate_sizes)
{
	ck_assert_int_eq(activate(0, 0x10000, 0x11000, 0x12000), VIRTQ_ERR_SIZE);
	ck_assert_int_eq(activate(6, 0x10000, 0x11000, 0x12000), VIRTQ_ERR_SIZE);
	ck_assert_int_eq(activate(512, 0x10000, 0x12000, 0x14000), VIRTQ_ERR_SIZE);
	ck_assert_int_eq(activate(256, 0x10000, 0x12000, 0x14000), VIRTQ_OK);
	ck_assert(vq.ready);
}
END_TEST

START_TEST(test_activate_alignment)
{
	ck_assert_int_eq(activate(8, 0x10008, 0x11000, 0x12000), VIRTQ_ERR_RING_ALIGN);
	ck_assert_int_eq(activate(8, 0x10000, 0x11001, 0x12000), VIRTQ_ERR_RING_ALIGN);
	ck_assert_int_eq(activate(8, 0x10000, 0x11000, 0x12002), VIRTQ_ERR_RING_ALIGN);
	ck_assert(!vq.ready);
}
END_TEST

START_TEST(test_activate_outside_ram)
{
	/* The used ring placed over the device's own MMIO config space: not RAM. */
	ck_assert_int_eq(activate(8, 0x10000, 0x11000, KVMINI_VIRTIO_MMIO_BASE + 0x100),
			 VIRTQ_ERR_RING_ADDR);
	/* Descriptor table running past the end of RAM. */
	ck_assert_int_eq(activate(8, VT_MEM_SIZE - 64, 0x11000, 0x12000), VIRTQ_ERR_RING_ADDR);
	ck_assert_int_eq(activate(8, 0x10000, 0xfffffffffffffff0ULL, 0x12000), VIRTQ_ERR_RING_ADDR);
}
END_TEST

START_TEST(test_activate_overlap)
{
	ck_assert_int_eq(activate(8, 0x10000, 0x11000, 0x10040), VIRTQ_ERR_RING_OVERLAP);
	ck_assert_int_eq(activate(8, 0x10000, 0x11000, 0x11004), VIRTQ_ERR_RING_OVERLAP);
	/* Back to back is fine. */
	ck_assert_int_eq(activate(8, 0x10000, 0x10080, 0x10098), VIRTQ_OK);
}
END_TEST

START_TEST(test_interrupt_suppression)
{
	vt_avail(&ring)->flags = 0;
	ck_assert(virtq_needs_interrupt(&vq));
	vt_avail(&ring)->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	ck_assert(!virtq_needs_interrupt(&vq));
}
END_TEST

START_TEST(test_chain_copy_helpers)
{
	uint8_t *a = mem.host + VT_DATA_GPA, *b = mem.host + VT_DATA_GPA + 0x100;
	uint8_t out[10], in[6] = {1, 2, 3, 4, 5, 6};
	struct iovec iov[4];

	memcpy(a, "abcd", 4);
	memcpy(b, "efghij", 6);
	vt_desc(&ring, 0, VT_DATA_GPA, 4, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(&ring, 1, VT_DATA_GPA + 0x100, 6, VIRTQ_DESC_F_NEXT, 2);
	vt_desc(&ring, 2, VT_DATA_GPA + 0x200, 3, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	vt_desc(&ring, 3, VT_DATA_GPA + 0x300, 3, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&ring, 0);
	ck_assert_int_eq(pop(), 1);

	/* Reads spanning two buffers, and reads cut short at the end. */
	ck_assert_uint_eq(virtq_chain_read(&chain, 2, out, 5), 5);
	ck_assert(memcmp(out, "cdefg", 5) == 0);
	ck_assert_uint_eq(virtq_chain_read(&chain, 8, out, 10), 2);
	ck_assert(memcmp(out, "ij", 2) == 0);

	ck_assert_uint_eq(virtq_chain_write(&chain, 1, in, 6), 5);
	ck_assert(memcmp(mem.host + VT_DATA_GPA + 0x201, in, 2) == 0);
	ck_assert(memcmp(mem.host + VT_DATA_GPA + 0x300, in + 2, 3) == 0);

	ck_assert_uint_eq(virtq_chain_slice(&chain, false, 3, 4, iov, 4), 2);
	ck_assert_ptr_eq(iov[0].iov_base, a + 3);
	ck_assert_uint_eq(iov[0].iov_len, 1);
	ck_assert_ptr_eq(iov[1].iov_base, b);
	ck_assert_uint_eq(iov[1].iov_len, 3);
	ck_assert_uint_eq(virtq_chain_slice(&chain, true, 0, 6, iov, 4), 2);
	ck_assert_uint_eq(iov[1].iov_len, 3);
}
END_TEST

/* A chain of 4 GiB or more cannot be described by a 32-bit used length. */
START_TEST(test_chain_too_many_bytes)
{
	const uint64_t size = 3ULL << 30;
	struct guest_mem big;
	uint8_t *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(host, MAP_FAILED);
	guest_mem_layout(&big, host, size);
	vt_ring_init(&ring, &big, NUM, VT_RING_GPA);
	vt_desc(&ring, 0, 0x100000, 0x80000000U, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(&ring, 1, 0x100000, 0x80000000U, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&ring, 0);
	virtq_reset(&vq);
	vq.num = NUM;
	vq.desc_gpa = ring.desc;
	vq.avail_gpa = ring.avail;
	vq.used_gpa = ring.used;
	ck_assert_int_eq(virtq_activate(&vq, &big, 256), VIRTQ_OK);
	expect_error(VIRTQ_ERR_CHAIN_BYTES);
	munmap(host, size);
}
END_TEST

static Suite *virtqueue_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("split");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_ring);
	tcase_add_test(tc, test_valid_chain_and_push);
	tcase_add_test(tc, test_ring_wraps);
	tcase_add_test(tc, test_loop);
	tcase_add_test(tc, test_self_loop);
	tcase_add_test(tc, test_full_length_chain_is_no_loop);
	tcase_add_test(tc, test_next_out_of_table);
	tcase_add_test(tc, test_head_out_of_table);
	tcase_add_test(tc, test_buffer_beyond_memory);
	tcase_add_test(tc, test_buffer_crosses_end_of_memory);
	tcase_add_test(tc, test_buffer_address_overflow);
	tcase_add_test(tc, test_buffer_in_mmio_hole);
	tcase_add_test(tc, test_zero_length_chain);
	tcase_add_test(tc, test_readable_after_writable);
	tcase_add_test(tc, test_avail_idx_jump);
	tcase_add_test(tc, test_avail_idx_full_ring_ok);
	tcase_add_test(tc, test_indirect_valid);
	tcase_add_test(tc, test_indirect_not_negotiated);
	tcase_add_test(tc, test_indirect_bad_length);
	tcase_add_test(tc, test_indirect_zero_length);
	tcase_add_test(tc, test_indirect_too_long);
	tcase_add_test(tc, test_indirect_table_outside_ram);
	tcase_add_test(tc, test_indirect_nested);
	tcase_add_test(tc, test_indirect_with_next);
	tcase_add_test(tc, test_indirect_loop);
	tcase_add_test(tc, test_indirect_next_out_of_table);
	tcase_add_test(tc, test_indirect_bad_buffer);
	tcase_add_test(tc, test_activate_sizes);
	tcase_add_test(tc, test_activate_alignment);
	tcase_add_test(tc, test_activate_outside_ram);
	tcase_add_test(tc, test_activate_overlap);
	tcase_add_test(tc, test_interrupt_suppression);
	tcase_add_test(tc, test_chain_copy_helpers);
	tcase_add_test(tc, test_chain_too_many_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(virtqueue_suite());
}
