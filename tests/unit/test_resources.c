// SPDX-License-Identifier: MIT
/*
 * The board's device manager (vmm/board/resources.c) and the board that uses
 * it (vmm/board/board.c), without KVM: virtio slots come out at today's fixed
 * addresses and GSIs, the window runs out with an error, overlapping claims
 * are refused, and the irqchip cannot be created after a line was wired.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/resources.h"
#include "config.h"
#include "kvm/vm.h"
#include "unit_run.h"

static struct resources res;

static void setup(void)
{
	resources_init(&res);
}

/* Device n at BASE + n * STRIDE, GSI FIRST_GSI + n: the FDT and Linux's command line rely on it. */
START_TEST(test_virtio_order)
{
	for (unsigned int n = 0; n < KVMINI_VIRTIO_MMIO_MAX; n++) {
		struct virtio_slot slot;
		ck_assert_int_eq(resources_alloc_virtio(&res, KVMINI_VIRTIO_MMIO_SIZE, "v", &slot),
				 0);
		ck_assert_uint_eq(slot.base,
				  KVMINI_VIRTIO_MMIO_BASE + n * KVMINI_VIRTIO_MMIO_STRIDE);
		ck_assert_uint_eq(slot.size, KVMINI_VIRTIO_MMIO_SIZE);
		ck_assert_int_eq(slot.gsi, KVMINI_VIRTIO_MMIO_FIRST_GSI + (int)n);
		ck_assert_uint_eq(res.nvirtio, n + 1);
		ck_assert_uint_eq(res.virtio[n].base, slot.base);
		ck_assert_int_eq(res.virtio[n].gsi, slot.gsi);
	}
	ck_assert_uint_eq(KVMINI_VIRTIO_MMIO_BASE, 0xd0000000);
	ck_assert_int_eq(res.virtio[0].gsi, 5);
	ck_assert_uint_eq(res.virtio[1].base, 0xd0001000);
}
END_TEST

START_TEST(test_virtio_exhausted)
{
	struct virtio_slot slot;

	for (unsigned int n = 0; n < KVMINI_VIRTIO_MMIO_MAX; n++)
		ck_assert_int_eq(resources_alloc_virtio(&res, 0x200, "v", &slot), 0);
	ck_assert_int_eq(resources_alloc_virtio(&res, 0x200, "one too many", &slot), -ENOSPC);
	ck_assert_uint_eq(res.nvirtio, KVMINI_VIRTIO_MMIO_MAX);
	/* The GSI after the window is still free for someone else. */
	int next = KVMINI_VIRTIO_MMIO_FIRST_GSI + KVMINI_VIRTIO_MMIO_MAX;
	ck_assert_int_eq(resources_claim_gsi(&res, next, "other"), 0);
}
END_TEST

START_TEST(test_virtio_bad_size)
{
	struct virtio_slot slot;

	ck_assert_int_eq(resources_alloc_virtio(&res, 0, "v", &slot), -EINVAL);
	ck_assert_int_eq(resources_alloc_virtio(&res, KVMINI_VIRTIO_MMIO_STRIDE + 1, "v", &slot),
			 -EINVAL);
	ck_assert_uint_eq(res.nvirtio, 0);
	ck_assert_int_eq(resources_alloc_virtio(&res, KVMINI_VIRTIO_MMIO_STRIDE, "v", &slot), 0);
}
END_TEST

/* A fixed device sitting in slot 1 stops the allocator there, and nothing is half-claimed. */
START_TEST(test_virtio_slot_taken)
{
	struct virtio_slot slot;
	uint64_t slot1 = KVMINI_VIRTIO_MMIO_BASE + KVMINI_VIRTIO_MMIO_STRIDE;

	ck_assert_int_eq(resources_alloc_virtio(&res, 0x200, "v0", &slot), 0);
	ck_assert_int_eq(resources_claim_mmio(&res, slot1 + 0x800, 4, "squatter"), 0);
	ck_assert_int_eq(resources_alloc_virtio(&res, 0x200, "v1", &slot), -EEXIST);
	ck_assert_uint_eq(res.nvirtio, 1);
	ck_assert_ptr_null(res.gsi_owner[KVMINI_VIRTIO_MMIO_FIRST_GSI + 1]);

	/* Same with its GSI: the MMIO range is then left unclaimed. */
	resources_init(&res);
	ck_assert_int_eq(resources_claim_gsi(&res, KVMINI_VIRTIO_MMIO_FIRST_GSI, "squatter"), 0);
	ck_assert_int_eq(resources_alloc_virtio(&res, 0x200, "v0", &slot), -EEXIST);
	ck_assert_uint_eq(res.nvirtio, 0);
	ck_assert_int_eq(resources_claim_mmio(&res, KVMINI_VIRTIO_MMIO_BASE, 0x1000, "x"), 0);
}
END_TEST

START_TEST(test_overlaps_refused)
{
	ck_assert_int_eq(resources_claim_pio(&res, KVMINI_COM1_PORT, 8, "COM1"), 0);
	ck_assert_int_eq(resources_claim_pio(&res, KVMINI_COM1_PORT + 7, 1, "late"), -EEXIST);
	ck_assert_int_eq(resources_claim_pio(&res, KVMINI_COM1_PORT - 4, 8, "early"), -EEXIST);
	ck_assert_int_eq(resources_claim_pio(&res, KVMINI_COM1_PORT + 8, 8, "next"), 0);
	ck_assert_int_eq(resources_claim_pio(&res, KVMINI_COM1_PORT - 8, 8, "prev"), 0);
	/* Port space and MMIO are separate address spaces. */
	ck_assert_int_eq(resources_claim_mmio(&res, KVMINI_COM1_PORT, 8, "mmio"), 0);
	ck_assert_uint_eq(res.npio, 3);

	/* The in-kernel IOAPIC and LAPIC pages are taken from the start. */
	ck_assert_int_eq(resources_claim_mmio(&res, KVMINI_IOAPIC_BASE + 0x10, 4, "x"), -EEXIST);
	ck_assert_int_eq(resources_claim_mmio(&res, KVMINI_LAPIC_BASE, 0x1000, "x"), -EEXIST);

	/* The last page of the address space, and ranges that are not ranges. */
	ck_assert_int_eq(resources_claim_mmio(&res, UINT64_MAX - 0xfff, 0x1000, "top"), 0);
	ck_assert_int_eq(resources_claim_mmio(&res, UINT64_MAX, 1, "x"), -EEXIST);
	ck_assert_int_eq(resources_claim_mmio(&res, UINT64_MAX, 2, "x"), -EINVAL);
	ck_assert_int_eq(resources_claim_mmio(&res, 0x1000, 0, "x"), -EINVAL);
}
END_TEST

START_TEST(test_gsi)
{
	ck_assert_int_eq(resources_claim_gsi(&res, KVMINI_COM1_GSI, "COM1"), 0);
	ck_assert_int_eq(resources_claim_gsi(&res, KVMINI_COM1_GSI, "again"), -EEXIST);
	ck_assert_str_eq(res.gsi_owner[KVMINI_COM1_GSI], "COM1");
	ck_assert_int_eq(resources_claim_gsi(&res, -1, "x"), -EINVAL);
	ck_assert_int_eq(resources_claim_gsi(&res, RESOURCES_MAX_GSI, "x"), -EINVAL);
	ck_assert_int_eq(resources_claim_gsi(&res, RESOURCES_MAX_GSI - 1, "x"), 0);
}
END_TEST

START_TEST(test_table_full)
{
	unsigned int free_slots = RESOURCES_MAX_RANGES - res.npio;

	for (unsigned int i = 0; i < free_slots; i++)
		ck_assert_int_eq(resources_claim_pio(&res, 0x1000 + i * 0x10, 0x10, "p"), 0);
	ck_assert_int_eq(resources_claim_pio(&res, 0x8000, 1, "p"), -ENOSPC);
}
END_TEST

/* The whole board on a VM without KVM: what it claims, and the irqchip-order rule. */
START_TEST(test_board_claims)
{
	static struct vm vm;
	static struct board board;
	struct vm_config cfg;

	memset(&vm, 0, sizeof(vm));
	memset(&cfg, 0, sizeof(cfg));
	vm.kvm_fd = vm.vm_fd = -1;
	uint8_t *ram = calloc(1, 1 << 20);
	guest_mem_layout(&vm.mem, ram, 1 << 20);
	ck_assert_int_eq(event_loop_init(&vm.loop), 0);

	ck_assert_int_eq(board_setup(&board, &vm, &cfg), 0);
	ck_assert_ptr_eq(vm.board, &board);
	ck_assert_ptr_eq(bus_find(&vm.pio, KVMINI_COM1_PORT, 1), &board.com1.dev);
	ck_assert_str_eq(board.res.gsi_owner[KVMINI_COM1_GSI], "COM1");
	ck_assert_uint_eq(board.res.nvirtio, 0);

	/* A second device on COM1's ports or the test device's MMIO page is refused. */
	struct serial other;
	serial_init(&other, NULL, NULL);
	ck_assert_int_eq(board_place_pio(&board, &other.dev, KVMINI_COM1_PORT + 4), -EEXIST);
	ck_assert_int_eq(board_place_mmio(&board, &other.dev, KVMINI_TESTDEV_MMIO_BASE), -EEXIST);
	ck_assert_int_eq(board_place_pio(&board, &other.dev, 0x2f8), 0); /* COM2's place is free */

	/*
	 * There was no irqchip, so COM1's line was left unwired; creating the
	 * irqchip now would leave it dead for the whole run, and is refused
	 * before KVM is even asked (kvmini-lab used to do exactly this).
	 */
	ck_assert_ptr_null(board.com1_irq.set_level);
	ck_assert_uint_eq(vm.unwired_lines, 1);
	ck_assert_int_eq(vm_create_irqchip(&vm, false), -EBUSY);

	board_shutdown(&board);
	event_loop_destroy(&vm.loop);
	free(ram);
}
END_TEST

/* Without a wired line, vm_create_irqchip() goes on to KVM (here: a bad fd). */
START_TEST(test_irqchip_first_is_allowed)
{
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1;
	ck_assert_int_eq(vm_create_irqchip(&vm, false), -EBADF);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resources");
	TCase *tc = tcase_create("resources");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_virtio_order);
	tcase_add_test(tc, test_virtio_exhausted);
	tcase_add_test(tc, test_virtio_bad_size);
	tcase_add_test(tc, test_virtio_slot_taken);
	tcase_add_test(tc, test_overlaps_refused);
	tcase_add_test(tc, test_gsi);
	tcase_add_test(tc, test_table_full);
	tcase_add_test(tc, test_board_claims);
	tcase_add_test(tc, test_irqchip_first_is_allowed);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
