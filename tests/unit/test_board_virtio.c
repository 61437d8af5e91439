// SPDX-License-Identifier: MIT
/*
 * The board's virtio devices (vmm/board/board_virtio*.c) on a VM without KVM: slot
 * placement and GSIs from the device manager (board/resources.c), the Linux command-line entries,
 * the console file, and error and teardown paths. Without an irqchip or ioeventfd the board falls
 * back to unwired interrupt lines and MMIO-exit notifications, which is all
 * these checks need; a long queue then continues on the I/O thread's event
 * loop through the board's own eventfd.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board_virtio.h"
#include "kvmini/virtio_net.h"
#include "kvmini/virtio_spec.h"
#include "kvmini/virtio_vsock.h"
#include "unit_run.h"
#include "virtio_test.h"

static struct vm vm;
static struct board board;
static struct vm_config cfg;
static uint8_t *ram;
static char dir[64], disk0[96], disk1[96], console_file[96];

static void make_file(const char *path, off_t size)
{
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	close(fd);
}

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	memset(&cfg, 0, sizeof(cfg));
	vm.kvm_fd = vm.vm_fd = -1;
	ram = calloc(1, 1 << 20);
	guest_mem_layout(&vm.mem, ram, 1 << 20);
	bus_init(&vm.pio, "pio");
	bus_init(&vm.mmio, "mmio");
	ck_assert_int_eq(event_loop_init(&vm.loop), 0);
	board_init(&board, &vm);

	strcpy(dir, "/tmp/kvmini-test-board-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(disk0, sizeof(disk0), "%s/d0.img", dir);
	snprintf(disk1, sizeof(disk1), "%s/d1.img", dir);
	snprintf(console_file, sizeof(console_file), "%s/console.txt", dir);
	make_file(disk0, 1 << 20);
	make_file(disk1, 4096);
}

static void teardown(void)
{
	board_virtio_destroy(&board);
	event_loop_destroy(&vm.loop);
	unlink(disk0);
	unlink(disk1);
	unlink(console_file);
	rmdir(dir);
	free(ram);
}

static uint32_t mmio_rd(uint64_t addr)
{
	uint8_t b[4];
	ck_assert(bus_read(&vm.mmio, addr, b, 4));
	return (uint32_t)device_load_le(b, 4);
}

START_TEST(test_all_devices)
{
	cfg.disks[0] = (struct disk_config){.path = disk0};
	cfg.disks[1] = (struct disk_config){.path = disk1, .read_only = true};
	cfg.ndisks = 2;
	cfg.console = CONSOLE_FILE;
	cfg.console_path = console_file;
	cfg.rng = true;
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);

	/* Disks first, then the console, then the rng; one stride and one GSI apart. */
	const uint32_t ids[] = {VIRTIO_ID_BLOCK, VIRTIO_ID_BLOCK, VIRTIO_ID_CONSOLE, VIRTIO_ID_RNG};
	ck_assert_uint_eq(board.res.nvirtio, 4);
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t base = KVMINI_VIRTIO_MMIO_BASE + i * KVMINI_VIRTIO_MMIO_STRIDE;
		ck_assert_uint_eq(board.res.virtio[i].base, base);
		ck_assert_uint_eq(board.res.virtio[i].size, KVMINI_VIRTIO_MMIO_SIZE);
		ck_assert_int_eq(board.res.virtio[i].gsi, KVMINI_VIRTIO_MMIO_FIRST_GSI + (int)i);
		ck_assert_uint_eq(mmio_rd(base + VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
		ck_assert_uint_eq(mmio_rd(base + VIRTIO_MMIO_DEVICE_ID), ids[i]);
	}
	/* The second disk is 8 sectors and read-only. */
	uint64_t d1 = board.res.virtio[1].base;
	ck_assert_uint_eq(mmio_rd(d1 + VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY), 8);
	ck_assert(mmio_rd(d1 + VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO));

	/* The console writes to the file: an emergency write through the bus. */
	uint8_t c[4] = {'K', 0, 0, 0};
	uint64_t con = board.res.virtio[2].base;
	ck_assert(bus_write(&vm.mmio, con + VIRTIO_MMIO_CONFIG + VIRTIO_CONSOLE_CFG_EMERG_WRITE, c,
			    4));
	char got[8] = {0};
	int fd = open(console_file, O_RDONLY);
	ck_assert_int_eq(read(fd, got, sizeof(got)), 1);
	close(fd);
	ck_assert_int_eq(got[0], 'K');
	/* Its input is not stdin: board_virtio_console_input reaches the device anyway. */
	ck_assert_uint_eq(board_virtio_console_input(&board, (const uint8_t *)"ab", 2), 2);

	board_virtio_flush(&board);
}
END_TEST

START_TEST(test_cmdline)
{
	char buf[256] = "console=ttyS0";

	cfg.disks[0] = (struct disk_config){.path = disk0};
	cfg.ndisks = 1;
	cfg.rng = true;
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);
	ck_assert_int_eq(board_virtio_cmdline(&board, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "console=ttyS0 virtio_mmio.device=0x200@0xd0000000:5"
			      " virtio_mmio.device=0x200@0xd0001000:6");

	char small[40] = "root=/dev/vda";
	ck_assert_int_eq(board_virtio_cmdline(&board, small, sizeof(small)), -ENOSPC);
	ck_assert_str_eq(small, "root=/dev/vda");
}
END_TEST

START_TEST(test_no_devices)
{
	char buf[16] = "x";

	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);
	ck_assert_uint_eq(board.res.nvirtio, 0);
	ck_assert_int_eq(board_virtio_cmdline(&board, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "x");
	ck_assert_uint_eq(board_virtio_console_input(&board, (const uint8_t *)"a", 1), 0);
}
END_TEST

START_TEST(test_bad_disk)
{
	cfg.disks[0] = (struct disk_config){.path = disk0};
	cfg.disks[1] = (struct disk_config){.path = "/nonexistent/kvmini.img"};
	cfg.ndisks = 2;
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), -ENOENT);
	/* Flush and destroy are safe after a failed setup, and twice. */
	board_virtio_flush(&board);
	board_virtio_destroy(&board);
	board_virtio_destroy(&board);
	ck_assert_ptr_null(board.virtio);
}
END_TEST

START_TEST(test_bad_console_file)
{
	cfg.console = CONSOLE_FILE;
	cfg.console_path = "/nonexistent/console.txt";
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), -ENOENT);
}
END_TEST

static void *run_loop(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)event_loop_run(&vm.loop);
}

START_TEST(test_long_queue_continues_on_io_thread)
{
	enum { CHAINS = 200, HDR = VT_DATA_GPA, STATUS = VT_DATA_GPA + 0x1000 };
	const uint64_t tables = VT_DATA_GPA + 0x2000;
	struct vt_ring ring;

	cfg.disks[0] = (struct disk_config){.path = disk0};
	cfg.ndisks = 1;
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);
	uint64_t base = board.res.virtio[0].base;
	struct device *dev = bus_find(&vm.mmio, base, 4);
	ck_assert_ptr_nonnull(dev);
	struct virtio_mmio *vmio = dev->priv;

	/*
	 * More FLUSH requests than three passes may serve (VIRTIO_MMIO_BUDGET
	 * each), one indirect table (header, status) per request.
	 */
	ck_assert_int_gt(CHAINS, 3 * VIRTIO_MMIO_BUDGET);
	vt_ring_init(&ring, &vm.mem, 256, VT_RING_GPA);
	struct virtio_blk_req_hdr *h = vt_ptr(&vm.mem, HDR);
	h->type = VIRTIO_BLK_T_FLUSH;
	for (uint16_t i = 0; i < CHAINS; i++) {
		uint64_t table = tables + 32 * i;
		vt_indirect_desc(&vm.mem, table, 0, HDR, sizeof(*h), VIRTQ_DESC_F_NEXT, 1);
		vt_indirect_desc(&vm.mem, table, 1, STATUS + i, 1, VIRTQ_DESC_F_WRITE, 0);
		vt_desc(&ring, i, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
		*(uint8_t *)vt_ptr(&vm.mem, STATUS + i) = 0xee;
		vt_avail_add(&ring, i);
	}
	uint64_t features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_INDIRECT_DESC) |
			    (1ULL << VIRTIO_BLK_F_FLUSH);
	ck_assert(vt_negotiate(vmio, features) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, 0, &ring);
	vt_driver_ok(vmio); /* the DRIVER_OK sweep is on the MMIO exit path: one pass */
	ck_assert_uint_eq(vt_used(&ring)->idx, VIRTIO_MMIO_BUDGET);

	/* The board's I/O thread finishes the queue, pass by pass. */
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, run_loop, NULL), 0);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		if (__atomic_load_n(&vt_used(&ring)->idx, __ATOMIC_ACQUIRE) == CHAINS)
			break;
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 3);
	/* ... and still hears a stop request. */
	event_loop_stop(&vm.loop);
	void *ret;
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_int_eq((int)(intptr_t)ret, 0);
	ck_assert_uint_eq(vt_used(&ring)->idx, CHAINS);
	for (int i = 0; i < CHAINS; i++)
		ck_assert_uint_eq(*(uint8_t *)vt_ptr(&vm.mem, STATUS + i), VIRTIO_BLK_S_OK);
}
END_TEST

/*
 * --console file:PATH on a FIFO nobody reads yet: setup must not wait for a
 * reader (the stop signals are already blocked then), and the output waits
 * in the FIFO for the reader who comes later.
 */
START_TEST(test_console_fifo_without_reader)
{
	char fifo[128];
	char got[4] = {0};

	snprintf(fifo, sizeof(fifo), "%s/console.fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	cfg.console = CONSOLE_FILE;
	cfg.console_path = fifo;
	alarm(10); /* a blocking open would hang here: fail instead */
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);
	alarm(0);

	uint8_t c[4] = {'F', 0, 0, 0};
	uint64_t con = board.res.virtio[0].base;
	ck_assert(bus_write(&vm.mmio, con + VIRTIO_MMIO_CONFIG + VIRTIO_CONSOLE_CFG_EMERG_WRITE, c,
			    4));
	int fd = open(fifo, O_RDONLY | O_NONBLOCK); /* the reader, late */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, got, sizeof(got)), 1);
	ck_assert_int_eq(got[0], 'F');
	close(fd);
	board_virtio_destroy(&board);
	unlink(fifo);
}
END_TEST

/* Wait up to 3 s for *idx (a used ring index the I/O thread writes) to reach want. */
static bool wait_used_idx(const uint16_t *idx, uint16_t want)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		if (__atomic_load_n(idx, __ATOMIC_ACQUIRE) == want)
			return true;
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 3);
	return false;
}

/* The driver posts one receive buffer (gpa, len) on queue q of the device at base, and kicks. */
static void post_rx_buffer(struct vt_ring *rxr, uint64_t base, unsigned int q, uint64_t gpa,
			   uint32_t len)
{
	uint8_t note[4] = {(uint8_t)q, 0, 0, 0};

	vt_desc(rxr, 0, gpa, len, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(rxr, 0);
	ck_assert(bus_write(&vm.mmio, base + VIRTIO_MMIO_QUEUE_NOTIFY, note, 4));
}

/*
 * --net socket,fd=N: a virtio-net after the other devices, listed on the
 * Linux command line, and served by the real event loop on its own thread:
 * the guest's frame reaches the other end of the socketpair, and a frame
 * from there lands in a posted receive buffer with an interrupt.
 */
START_TEST(test_net_socket)
{
	enum { RX_BUF = VT_DATA_GPA, TX_BUF = VT_DATA_GPA + 0x1000, RX_LEN = 2048 };
	static const uint8_t mac[6] = {0x02, 0x4b, 0x56, 0x00, 0x00, 0x07};
	struct vt_ring rxr, txr;
	int sv[2];
	char buf[512] = "root=/dev/vda";

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	cfg.disks[0] = (struct disk_config){.path = disk0};
	cfg.ndisks = 1;
	cfg.rng = true;
	cfg.nics[0] = (struct net_config){.kind = NET_SOCKET, .fd = sv[0]};
	memcpy(cfg.nics[0].mac, mac, 6);
	cfg.nnics = 1;
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);

	/* Disk, rng, then the NIC: slot 2, GSI 7. */
	ck_assert_uint_eq(board.res.nvirtio, 3);
	uint64_t base = KVMINI_VIRTIO_MMIO_BASE + 2 * KVMINI_VIRTIO_MMIO_STRIDE;
	ck_assert_uint_eq(board.res.virtio[2].base, base);
	ck_assert_int_eq(board.res.virtio[2].gsi, KVMINI_VIRTIO_MMIO_FIRST_GSI + 2);
	ck_assert_uint_eq(mmio_rd(base + VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	for (unsigned int i = 0; i < 6; i++) {
		uint8_t b;
		ck_assert(bus_read(&vm.mmio, base + VIRTIO_MMIO_CONFIG + VIRTIO_NET_CFG_MAC + i, &b,
				   1));
		ck_assert_uint_eq(b, mac[i]);
	}
	ck_assert_int_eq(board_virtio_cmdline(&board, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "root=/dev/vda virtio_mmio.device=0x200@0xd0000000:5"
			      " virtio_mmio.device=0x200@0xd0001000:6"
			      " virtio_mmio.device=0x200@0xd0002000:7");

	/* A driver brings it up: both queues, one receive buffer posted. */
	struct device *dev = bus_find(&vm.mmio, base, 4);
	ck_assert_ptr_nonnull(dev);
	struct virtio_mmio *vmio = dev->priv;
	vt_ring_init(&rxr, &vm.mem, 16, VT_RING_GPA);
	vt_ring_init(&txr, &vm.mem, 16, VT_RING_GPA + 0x4000);
	ck_assert(vt_negotiate(vmio, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC)) &
		  VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, VIRTIO_NET_RX_QUEUE, &rxr);
	vt_queue_setup(vmio, VIRTIO_NET_TX_QUEUE, &txr);
	vt_driver_ok(vmio);
	post_rx_buffer(&rxr, base, VIRTIO_NET_RX_QUEUE, RX_BUF, RX_LEN);

	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, run_loop, NULL), 0);

	/* Transmit: header, then a 60-byte frame; the kick is an MMIO write. */
	uint8_t *tx = vt_ptr(&vm.mem, TX_BUF);
	memset(tx, 0, VIRTIO_NET_HDR_SIZE);
	for (int i = 0; i < 60; i++)
		tx[VIRTIO_NET_HDR_SIZE + i] = (uint8_t)(i * 3 + 1);
	vt_desc(&txr, 0, TX_BUF, VIRTIO_NET_HDR_SIZE + 60, 0, 0);
	vt_avail_add(&txr, 0);
	uint8_t note[4] = {VIRTIO_NET_TX_QUEUE, 0, 0, 0};
	ck_assert(bus_write(&vm.mmio, base + VIRTIO_MMIO_QUEUE_NOTIFY, note, 4));
	uint8_t got[128];
	struct pollfd p = {.fd = sv[1], .events = POLLIN};
	ck_assert_int_eq(poll(&p, 1, 3000), 1);
	ck_assert_int_eq(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), 60);
	ck_assert_mem_eq(got, tx + VIRTIO_NET_HDR_SIZE, 60);

	/* Receive: the peer sends; the I/O thread alone must deliver it (EPOLLIN, edge). */
	uint8_t frame[64];
	for (int i = 0; i < 64; i++)
		frame[i] = (uint8_t)(0xa0 ^ i);
	ck_assert_int_eq(send(sv[1], frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	bool delivered = wait_used_idx(&vt_used(&rxr)->idx, 1);
	event_loop_stop(&vm.loop);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(delivered);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].id, 0);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].len, VIRTIO_NET_HDR_SIZE + sizeof(frame));
	ck_assert_mem_eq((uint8_t *)vt_ptr(&vm.mem, RX_BUF) + VIRTIO_NET_HDR_SIZE, frame,
			 sizeof(frame));
	ck_assert(mmio_rd(base + VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);

	/* Teardown closes the board's end: the peer sees the close. */
	board_virtio_destroy(&board);
	ck_assert_int_eq(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), 0);
	close(sv[1]);
}
END_TEST

/* A NIC whose socket is unusable fails setup and leaves nothing watched. */
START_TEST(test_net_bad_socket)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cfg.rng = true;
	cfg.nics[0] = (struct net_config){.kind = NET_SOCKET, .fd = sv[0]};
	cfg.nnics = 1;
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), -EINVAL);
	board_virtio_destroy(&board);
	close(sv[1]);
}
END_TEST

/* --net user: libslirp behind the NIC when the build has it, a clear refusal when not. */
START_TEST(test_net_user)
{
	cfg.nics[0] = (struct net_config){.kind = NET_USER, .mac = {2, 0x4b, 0x56, 0, 0, 0}};
	cfg.nics[1] = (struct net_config){.kind = NET_USER, .mac = {2, 0x4b, 0x56, 0, 0, 1}};
	cfg.nnics = 2;
	if (!net_slirp_available()) {
		ck_assert_int_eq(board_virtio_setup(&board, &cfg), -ENOTSUP);
		return;
	}
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);
	ck_assert_uint_eq(board.res.nvirtio, 2);
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t base = board.res.virtio[i].base;
		uint8_t b;
		ck_assert_uint_eq(mmio_rd(base + VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
		ck_assert(bus_read(&vm.mmio, base + VIRTIO_MMIO_CONFIG + VIRTIO_NET_CFG_MAC + 5, &b,
				   1));
		ck_assert_uint_eq(b, i);
	}
}
END_TEST

/*
 * --vsock CID,PATH: a virtio-vsock after every other device (here a disk,
 * the rng and a NIC), its CID in the configuration space, listed on the
 * Linux command line, and served by the real event loop on its own thread:
 * a host program that connects to PATH and writes "CONNECT 1234\n" makes
 * the device ask the guest for a connection to port 1234 (OP_REQUEST) in a
 * posted receive buffer. Teardown removes PATH.
 */
START_TEST(test_vsock)
{
	enum { RX_BUF = VT_DATA_GPA, RX_LEN = 512, CID = 42 };
	struct vt_ring rxr, txr, evr;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	int sv[2];
	char buf[512] = "";

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/v.sock", dir);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	cfg.disks[0] = (struct disk_config){.path = disk0};
	cfg.ndisks = 1;
	cfg.rng = true;
	cfg.nics[0] = (struct net_config){.kind = NET_SOCKET, .fd = sv[0]};
	cfg.nnics = 1;
	cfg.vsock_cid = CID;
	cfg.vsock_path = addr.sun_path;
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);

	/* Disk, rng, NIC, then vsock: slot 3, GSI 8. */
	ck_assert_uint_eq(board.res.nvirtio, 4);
	uint64_t base = KVMINI_VIRTIO_MMIO_BASE + 3 * KVMINI_VIRTIO_MMIO_STRIDE;
	ck_assert_uint_eq(board.res.virtio[3].base, base);
	ck_assert_int_eq(board.res.virtio[3].gsi, KVMINI_VIRTIO_MMIO_FIRST_GSI + 3);
	ck_assert_uint_eq(mmio_rd(base + VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_VSOCK);
	ck_assert_uint_eq(mmio_rd(base + VIRTIO_MMIO_CONFIG + VIRTIO_VSOCK_CFG_GUEST_CID), CID);
	ck_assert_uint_eq(mmio_rd(base + VIRTIO_MMIO_CONFIG + VIRTIO_VSOCK_CFG_GUEST_CID + 4), 0);
	ck_assert_int_eq(board_virtio_cmdline(&board, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, " virtio_mmio.device=0x200@0xd0003000:8"));
	ck_assert_int_eq(lstat(addr.sun_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));

	/* A driver brings it up: the three queues, one receive buffer posted. */
	struct device *dev = bus_find(&vm.mmio, base, 4);
	ck_assert_ptr_nonnull(dev);
	struct virtio_mmio *vmio = dev->priv;
	vt_ring_init(&rxr, &vm.mem, 16, VT_RING_GPA);
	vt_ring_init(&txr, &vm.mem, 16, VT_RING_GPA + 0x4000);
	vt_ring_init(&evr, &vm.mem, 16, VT_RING_GPA + 0x8000);
	ck_assert(
		vt_negotiate(vmio, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_VSOCK_F_STREAM)) &
		VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, VIRTIO_VSOCK_RX_QUEUE, &rxr);
	vt_queue_setup(vmio, VIRTIO_VSOCK_TX_QUEUE, &txr);
	vt_queue_setup(vmio, VIRTIO_VSOCK_EVENT_QUEUE, &evr);
	vt_driver_ok(vmio);
	post_rx_buffer(&rxr, base, VIRTIO_VSOCK_RX_QUEUE, RX_BUF, RX_LEN);

	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, run_loop, NULL), 0);
	/* The host program: only the I/O thread's watch of the backend can see it. */
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&addr, sizeof(addr)), 0);
	static const char line[] = "CONNECT 1234\n";
	ck_assert_int_eq(write(c, line, sizeof(line) - 1), (ssize_t)sizeof(line) - 1);
	bool delivered = wait_used_idx(&vt_used(&rxr)->idx, 1);
	event_loop_stop(&vm.loop);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(delivered);

	struct virtio_vsock_hdr h;
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].id, 0);
	ck_assert_uint_eq(vt_used(&rxr)->ring[0].len, VIRTIO_VSOCK_HDR_SIZE);
	memcpy(&h, vt_ptr(&vm.mem, RX_BUF), sizeof(h));
	ck_assert_uint_eq(h.op, VIRTIO_VSOCK_OP_REQUEST);
	ck_assert_uint_eq(h.type, VIRTIO_VSOCK_TYPE_STREAM);
	ck_assert_uint_eq(h.src_cid, VIRTIO_VSOCK_HOST_CID);
	ck_assert_uint_eq(h.dst_cid, CID);
	ck_assert_uint_eq(h.dst_port, 1234);
	ck_assert_uint_eq(h.len, 0);
	ck_assert(mmio_rd(base + VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);

	/* Teardown closes the connection and removes the socket file. */
	board_virtio_destroy(&board);
	ck_assert_int_eq(lstat(addr.sun_path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	close(c);
	close(sv[1]);
}
END_TEST

/* A --vsock whose path cannot be bound fails setup and leaves nothing watched. */
START_TEST(test_vsock_bad_path)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/missing-dir/v.sock", dir);
	cfg.rng = true;
	cfg.vsock_cid = 3;
	cfg.vsock_path = path;
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), -ENOENT);
	board_virtio_destroy(&board);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("board_virtio");
	TCase *tc = tcase_create("board");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_all_devices);
	tcase_add_test(tc, test_cmdline);
	tcase_add_test(tc, test_no_devices);
	tcase_add_test(tc, test_bad_disk);
	tcase_add_test(tc, test_bad_console_file);
	tcase_add_test(tc, test_console_fifo_without_reader);
	tcase_add_test(tc, test_long_queue_continues_on_io_thread);
	tcase_add_test(tc, test_net_socket);
	tcase_add_test(tc, test_net_bad_socket);
	tcase_add_test(tc, test_net_user);
	tcase_add_test(tc, test_vsock);
	tcase_add_test(tc, test_vsock_bad_path);
	tcase_set_timeout(tc, 20); /* a loaded machine: the long-queue test waits up to 3 s */
	suite_add_tcase(s, tc);
	return unit_run(s);
}
