// SPDX-License-Identifier: MIT
/*
 * The board's devices' state in one buffer (vmm/board/board_state.c,
 * board_virtio_state_save/load), without KVM: a board built by board_setup() on
 * plain memory (no irqchip, no ioeventfds) is changed through its buses,
 * saved, and loaded into a second board of the same configuration, which
 * must then save the same bytes and answer the same register reads. A board
 * of another configuration, and one with a NIC, are refused.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board_state.h"
#include "board/board_virtio.h"
#include "kvm/vm.h"
#include "kvmini/device.h"
#include "kvmini/virtio_spec.h"
#include "unit_run.h"

#define RAM (1u << 20)

struct machine {
	struct vm vm;
	struct board board;
	uint8_t *ram;
};

static char dir[64], disk[96], disk_b[96];
static struct vm_config cfg, cfg_b; /* the same machine; b has its own copy of the disk */

static void setup(void)
{
	strcpy(dir, "/tmp/kvmini-board-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(disk, sizeof(disk), "%s/d.img", dir);
	snprintf(disk_b, sizeof(disk_b), "%s/d-b.img", dir);
	for (int i = 0; i < 2; i++) {
		int fd = open(i ? disk_b : disk, O_CREAT | O_RDWR, 0600);
		ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
		close(fd);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.disks[0] = (struct disk_config){.path = disk};
	cfg.ndisks = 1;
	cfg.rng = true;
	/* A disk image is locked by the board that has it open (a second one is refused). */
	cfg_b = cfg;
	cfg_b.disks[0].path = disk_b;
}

static void teardown(void)
{
	unlink(disk);
	unlink(disk_b);
	rmdir(dir);
}

static void machine_up(struct machine *m, const struct vm_config *c)
{
	memset(m, 0, sizeof(*m));
	m->vm.kvm_fd = m->vm.vm_fd = -1;
	m->ram = calloc(1, RAM);
	guest_mem_layout(&m->vm.mem, m->ram, RAM);
	ck_assert_int_eq(event_loop_init(&m->vm.loop), 0);
	ck_assert_int_eq(board_setup(&m->board, &m->vm, c), 0);
}

static void machine_down(struct machine *m)
{
	board_shutdown(&m->board);
	event_loop_destroy(&m->vm.loop);
	free(m->ram);
}

static uint64_t rd(struct bus *bus, uint64_t addr, uint32_t len)
{
	uint8_t b[8] = {0};
	ck_assert(bus_read(bus, addr, b, len));
	return device_load_le(b, len);
}

static void wr(struct bus *bus, uint64_t addr, uint64_t v, uint32_t len)
{
	uint8_t b[8];
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	ck_assert(bus_write(bus, addr, b, len));
}

static void save(struct machine *m, struct state_writer *w)
{
	state_writer_init(w, NULL, 0);
	ck_assert_int_eq(board_state_save(&m->board, w), 0);
}

START_TEST(round_trip_into_a_second_board)
{
	static struct machine a, b;
	struct state_writer wa, wb;
	struct state_reader r;
	const uint64_t blk = KVMINI_VIRTIO_MMIO_BASE, rng = blk + KVMINI_VIRTIO_MMIO_STRIDE;

	machine_up(&a, &cfg);
	/* Guest-visible changes: UART scratch, test device scratch, virtio status. */
	wr(&a.vm.pio, KVMINI_COM1_PORT + 7, 0x5a, 1);
	wr(&a.vm.pio, KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_SCRATCH, 0xdeadbeef, 4);
	wr(&a.vm.mmio, blk + VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 4);
	wr(&a.vm.mmio, rng + VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER,
	   4);
	save(&a, &wa);

	machine_up(&b, &cfg_b);
	state_reader_init(&r, wa.buf, wa.len);
	ck_assert_int_eq(board_state_load(&b.board, &r), 0);
	ck_assert_uint_eq(rd(&b.vm.pio, KVMINI_COM1_PORT + 7, 1), 0x5a);
	ck_assert_uint_eq(rd(&b.vm.pio, KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_SCRATCH, 4),
			  0xdeadbeef);
	ck_assert_uint_eq(rd(&b.vm.mmio, blk + VIRTIO_MMIO_STATUS, 4), VIRTIO_STATUS_ACKNOWLEDGE);
	ck_assert_uint_eq(rd(&b.vm.mmio, rng + VIRTIO_MMIO_STATUS, 4),
			  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	save(&b, &wb);
	ck_assert_uint_eq(wa.len, wb.len);
	ck_assert_mem_eq(wa.buf, wb.buf, wa.len);

	/* Nothing may follow the last device; a cut buffer is refused. */
	uint8_t *longer = calloc(1, wa.len + 1);
	memcpy(longer, wa.buf, wa.len);
	state_reader_init(&r, longer, wa.len + 1);
	ck_assert_int_eq(board_state_load(&b.board, &r), -EPROTO);
	state_reader_init(&r, wa.buf, wa.len - 1);
	ck_assert_int_ne(board_state_load(&b.board, &r), 0);
	free(longer);
	state_writer_release(&wa);
	state_writer_release(&wb);
	machine_down(&a);
	machine_down(&b);
}
END_TEST

START_TEST(another_configuration_is_refused)
{
	static struct machine a, b;
	struct state_writer wa;
	struct state_reader r;
	struct vm_config no_rng = cfg_b;

	no_rng.rng = false;
	machine_up(&a, &cfg);
	save(&a, &wa);
	machine_up(&b, &no_rng); /* the rng's blobs are left over */
	state_reader_init(&r, wa.buf, wa.len);
	ck_assert_int_eq(board_state_load(&b.board, &r), -EPROTO);
	state_writer_release(&wa);
	machine_down(&a);
	machine_down(&b);
}
END_TEST

START_TEST(a_nic_cannot_be_saved)
{
	static struct machine a;
	struct state_writer w;
	struct vm_config with_nic = cfg;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	with_nic.nics[0] = (struct net_config){.kind = NET_SOCKET, .fd = sv[0]};
	with_nic.nnics = 1;
	machine_up(&a, &with_nic);
	state_writer_init(&w, NULL, 0);
	ck_assert_int_eq(board_state_save(&a.board, &w), -ENOTSUP);
	state_writer_release(&w);
	machine_down(&a);
	close(sv[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("board_state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip_into_a_second_board);
	tcase_add_test(tc, another_configuration_is_refused);
	tcase_add_test(tc, a_nic_cannot_be_saved);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
