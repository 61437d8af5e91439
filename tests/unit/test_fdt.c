// SPDX-License-Identifier: MIT
/* The device tree the tiny guest gets: memory, command line, CPUs, devices. */
#include <check.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/fdt_build.h"
#include "kvm/vm.h"
#include "unit_run.h"

/* Property values are only 4-byte aligned: copy before reading 64 bits. */
static uint64_t reg_cell(const fdt64_t *reg, int i)
{
	fdt64_t v;
	memcpy(&v, &reg[i], sizeof(v));
	return fdt64_to_cpu(v);
}

/* A vm with only what fdt_build() reads, and an empty board; no KVM needed. */
static struct board board;

static void fake_vm(struct vm *vm, uint64_t mem_size, unsigned int cpus)
{
	memset(vm, 0, sizeof(*vm));
	guest_mem_layout(&vm->mem, NULL, mem_size);
	vm->ncpus = cpus;
	board_init(&board, vm);
}

START_TEST(small_guest)
{
	static char buf[16384];
	struct vm vm;
	int len;
	fake_vm(&vm, 64ull << 20, 2);
	struct virtio_slot slot;
	ck_assert_int_eq(resources_alloc_virtio(&board.res, 0x200, "virtio", &slot), 0);

	ck_assert_int_eq(fdt_build(&vm, "console=ttyS0 kvmini-test-arg=42", buf, sizeof(buf)), 0);
	ck_assert_int_eq(fdt_check_header(buf), 0);

	int chosen = fdt_path_offset(buf, "/chosen");
	ck_assert_int_ge(chosen, 0);
	ck_assert_str_eq(fdt_getprop(buf, chosen, "bootargs", NULL),
			 "console=ttyS0 kvmini-test-arg=42");

	int memory = fdt_path_offset(buf, "/memory@0");
	ck_assert_int_ge(memory, 0);
	const fdt64_t *reg = fdt_getprop(buf, memory, "reg", &len);
	ck_assert_int_eq(len, 16); /* one (address, size) pair */
	ck_assert_uint_eq(reg_cell(reg, 0), 0);
	ck_assert_uint_eq(reg_cell(reg, 1), 64ull << 20);

	int cpus = fdt_path_offset(buf, "/cpus"), n = 0, node;
	fdt_for_each_subnode(node, buf, cpus) n++;
	ck_assert_int_eq(n, 2);

	int virtio = fdt_node_offset_by_compatible(buf, -1, "virtio,mmio");
	ck_assert_int_ge(virtio, 0);
	reg = fdt_getprop(buf, virtio, "reg", &len);
	ck_assert_uint_eq(reg_cell(reg, 0), KVMINI_VIRTIO_MMIO_BASE);
	const fdt32_t *irq = fdt_getprop(buf, virtio, "interrupts", &len);
	ck_assert_int_eq(len, 4);
	ck_assert_uint_eq(fdt32_to_cpu(*irq), 5);

	int testdev = fdt_node_offset_by_compatible(buf, -1, "kvmini,testdev");
	ck_assert_int_ge(testdev, 0);
	reg = fdt_getprop(buf, testdev, "reg", &len);
	ck_assert_uint_eq(reg_cell(reg, 0), KVMINI_TESTDEV_MMIO_BASE);
	ck_assert_int_ge(fdt_node_offset_by_compatible(buf, -1, "ns16550a"), 0);
}
END_TEST

/* Above 3 GiB, RAM continues at 4 GiB: two ranges, nothing in the MMIO hole. */
START_TEST(large_guest_has_two_ranges)
{
	static char buf[16384];
	struct vm vm;
	int len;
	fake_vm(&vm, 5ull << 30, 1);

	ck_assert_int_eq(fdt_build(&vm, NULL, buf, sizeof(buf)), 0);
	const fdt64_t *reg = fdt_getprop(buf, fdt_path_offset(buf, "/memory@0"), "reg", &len);
	ck_assert_int_eq(len, 32);
	ck_assert_uint_eq(reg_cell(reg, 0), 0);
	ck_assert_uint_eq(reg_cell(reg, 1), KVMINI_MMIO_HOLE_START);
	ck_assert_uint_eq(reg_cell(reg, 2), KVMINI_HIGH_RAM_START);
	ck_assert_uint_eq(reg_cell(reg, 3), (5ull << 30) - KVMINI_MMIO_HOLE_START);
	ck_assert_str_eq(fdt_getprop(buf, fdt_path_offset(buf, "/chosen"), "bootargs", NULL), "");
}
END_TEST

START_TEST(too_small_buffer)
{
	static char buf[256];
	struct vm vm;
	fake_vm(&vm, 64ull << 20, 1);
	ck_assert_int_ne(fdt_build(&vm, "x", buf, sizeof(buf)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdt");
	TCase *tc = tcase_create("build");
	tcase_add_test(tc, small_guest);
	tcase_add_test(tc, large_guest_has_two_ranges);
	tcase_add_test(tc, too_small_buffer);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
