// SPDX-License-Identifier: MIT
/*
 * virtio-console (devices/virtio/virtio_console.c): output from the transmitq to a
 * pipe, input into posted receive buffers (and held in the FIFO while none
 * are posted), and the emergency write.
 */
#include <check.h>
#include <fcntl.h>
#include <unistd.h>

#include "kvmini/virtio_console.h"
#include "virtio_test.h"
#include "unit_run.h"

static struct guest_mem mem;
static struct vt_irq irq;
static struct vt_ring rx, tx;
static struct virtio_console *con;
static struct virtio_mmio *vmio;
static int pipefd[2];
static struct chardev out; /* the console's output sink, on pipefd[1] */

static void setup(void)
{
	vt_mem_init(&mem);
	vt_irq_init(&irq);
	ck_assert_int_eq(pipe2(pipefd, O_NONBLOCK), 0);
	ck_assert_int_eq(chardev_init(&out, pipefd[1]), 0);
	ck_assert_int_eq(virtio_console_create(&con, &out, &mem, &irq.line), 0);
	vmio = virtio_console_mmio(con);
	vt_ring_init(&rx, &mem, 8, VT_RING_GPA);
	vt_ring_init(&tx, &mem, 8, VT_RING_GPA + 0x1000);
	ck_assert(vt_negotiate(vmio, 1ULL << VIRTIO_F_VERSION_1) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(vmio, VIRTIO_CONSOLE_RX_QUEUE, &rx);
	vt_queue_setup(vmio, VIRTIO_CONSOLE_TX_QUEUE, &tx);
}

static void teardown(void)
{
	virtio_console_destroy(con);
	chardev_close(&out, 0);
	close(pipefd[0]);
	close(pipefd[1]);
	vt_mem_free(&mem);
}

static ssize_t drain(char *buf, size_t len)
{
	ssize_t n = read(pipefd[0], buf, len);
	return n < 0 ? 0 : n;
}

START_TEST(test_transmit)
{
	char out[32] = {0};

	vt_driver_ok(vmio);
	memcpy(vt_ptr(&mem, VT_DATA_GPA), "hel", 3);
	memcpy(vt_ptr(&mem, VT_DATA_GPA + 0x100), "lo\n", 3);
	vt_desc(&tx, 0, VT_DATA_GPA, 3, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(&tx, 1, VT_DATA_GPA + 0x100, 3, 0, 0);
	vt_avail_add(&tx, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_CONSOLE_TX_QUEUE);
	ck_assert_int_eq(drain(out, sizeof(out)), 6);
	ck_assert_str_eq(out, "hello\n");
	ck_assert_uint_eq(vt_used(&tx)->idx, 1);
	ck_assert_uint_eq(vt_used(&tx)->ring[0].len, 0);
	ck_assert_int_eq(irq.pulses, 1);
}
END_TEST

START_TEST(test_receive_waits_for_buffers)
{
	/* Input before the driver is ready is kept, not lost. */
	ck_assert_uint_eq(virtio_console_receive(con, (const uint8_t *)"abc", 3), 3);
	vt_desc(&rx, 0, VT_DATA_GPA, 2, VIRTQ_DESC_F_WRITE, 0);
	vt_desc(&rx, 1, VT_DATA_GPA + 0x10, 8, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&rx, 0);
	vt_avail_add(&rx, 1);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_CONSOLE_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rx)->idx, 0); /* not before DRIVER_OK */
	vt_driver_ok(vmio);
	ck_assert_uint_eq(vt_used(&rx)->idx, 2);
	ck_assert_uint_eq(vt_used(&rx)->ring[0].len, 2);
	ck_assert_uint_eq(vt_used(&rx)->ring[1].len, 1);
	ck_assert(memcmp(vt_ptr(&mem, VT_DATA_GPA), "ab", 2) == 0);
	ck_assert_uint_eq(*(uint8_t *)vt_ptr(&mem, VT_DATA_GPA + 0x10), 'c');
}
END_TEST

START_TEST(test_receive_into_posted_buffer)
{
	vt_driver_ok(vmio);
	vt_desc(&rx, 0, VT_DATA_GPA, 16, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&rx, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_CONSOLE_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rx)->idx, 0); /* nothing to deliver yet */
	virtio_console_receive(con, (const uint8_t *)"xyz", 3);
	ck_assert_uint_eq(vt_used(&rx)->idx, 1);
	ck_assert_uint_eq(vt_used(&rx)->ring[0].len, 3);
	ck_assert(memcmp(vt_ptr(&mem, VT_DATA_GPA), "xyz", 3) == 0);
	ck_assert_int_eq(irq.pulses, 1);
}
END_TEST

START_TEST(test_fifo_limit)
{
	static uint8_t lots[VIRTIO_CONSOLE_FIFO_SIZE + 100];
	ck_assert_uint_eq(virtio_console_receive(con, lots, sizeof(lots)),
			  VIRTIO_CONSOLE_FIFO_SIZE);
	ck_assert_uint_eq(virtio_console_receive(con, lots, 1), 0);
	/* Once the guest takes some, the rest is accepted: nothing was dropped. */
	vt_driver_ok(vmio);
	vt_desc(&rx, 0, VT_DATA_GPA, 100, VIRTQ_DESC_F_WRITE, 0);
	vt_avail_add(&rx, 0);
	vt_wr(vmio, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_CONSOLE_RX_QUEUE);
	ck_assert_uint_eq(vt_used(&rx)->ring[0].len, 100);
	ck_assert_uint_eq(virtio_console_receive(con, lots, sizeof(lots)), 100);
}
END_TEST

START_TEST(test_emergency_write)
{
	char out[4] = {0};
	uint8_t b[4] = {'!', 0, 0, 0};

	vmio->dev.ops->write(&vmio->dev, VIRTIO_MMIO_CONFIG + VIRTIO_CONSOLE_CFG_EMERG_WRITE, b, 4);
	ck_assert_int_eq(drain(out, sizeof(out)), 1);
	ck_assert_int_eq(out[0], '!');
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_console");
	TCase *tc = tcase_create("console");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_transmit);
	tcase_add_test(tc, test_receive_waits_for_buffers);
	tcase_add_test(tc, test_receive_into_posted_buffer);
	tcase_add_test(tc, test_fifo_limit);
	tcase_add_test(tc, test_emergency_write);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
