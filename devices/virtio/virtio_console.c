// SPDX-License-Identifier: MIT
/*
 * virtio-console, one port (virtio 1.2 section 5.3). Without
 * VIRTIO_CONSOLE_F_MULTIPORT the device has exactly two queues: port 0's
 * receiveq (device -> driver, the driver posts writable buffers) and its
 * transmitq (driver -> device, readable buffers). No control queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmini/chardev.h"
#include "kvmini/virtio_console.h"

#define CONFIG_SIZE 12 /* cols, rows, max_nr_ports, emerg_wr */

struct virtio_console {
	struct virtio_mmio vmio;
	struct chardev *out;			/* where transmitq bytes go; never blocks */
	uint8_t fifo[VIRTIO_CONSOLE_FIFO_SIZE]; /* input not yet in a guest buffer */
	size_t fifo_len;
	struct virtq_chain chain;
};

/* transmitq: every readable byte of every chain goes to the output. */
static void con_transmit(struct virtio_console *con)
{
	struct virtq_chain *c = &con->chain;
	bool completed = false;

	while (virtio_mmio_pop(&con->vmio, VIRTIO_CONSOLE_TX_QUEUE, c) > 0) {
		for (unsigned int i = 0; i < c->nread; i++)
			chardev_write(con->out, c->bufs[i].iov_base, c->bufs[i].iov_len);
		/* Nothing written into the chain: used length 0 (section 2.7.8). */
		virtio_mmio_push(&con->vmio, VIRTIO_CONSOLE_TX_QUEUE, c->head, 0);
		completed = true;
	}
	if (completed)
		virtio_mmio_notify_used(&con->vmio, VIRTIO_CONSOLE_TX_QUEUE);
}

/* receiveq: move FIFO bytes into the buffers the driver posted. */
static void con_deliver(struct virtio_console *con)
{
	struct virtq_chain *c = &con->chain;
	bool completed = false;

	while (con->fifo_len > 0 && virtio_mmio_pop(&con->vmio, VIRTIO_CONSOLE_RX_QUEUE, c) > 0) {
		size_t n = virtq_chain_write(c, 0, con->fifo, con->fifo_len);
		memmove(con->fifo, con->fifo + n, con->fifo_len - n);
		con->fifo_len -= n;
		virtio_mmio_push(&con->vmio, VIRTIO_CONSOLE_RX_QUEUE, c->head, (uint32_t)n);
		completed = true;
	}
	if (completed)
		virtio_mmio_notify_used(&con->vmio, VIRTIO_CONSOLE_RX_QUEUE);
}

static void con_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	struct virtio_console *con = vmio->priv;

	if (q == VIRTIO_CONSOLE_TX_QUEUE)
		con_transmit(con);
	else
		con_deliver(con); /* new receive buffers: pending input can go */
}

size_t virtio_console_receive(struct virtio_console *con, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&con->vmio.dev.lock);
	size_t room = sizeof(con->fifo) - con->fifo_len;
	size_t n = len < room ? len : room;
	memcpy(con->fifo + con->fifo_len, buf, n);
	con->fifo_len += n;
	con_deliver(con);
	pthread_mutex_unlock(&con->vmio.dev.lock);
	return n;
}

static void con_config_read(struct virtio_mmio *vmio, uint32_t offset, uint8_t *data, uint32_t len)
{
	/* cols and rows: 0 (no VIRTIO_CONSOLE_F_SIZE); max_nr_ports: 1; emerg_wr reads 0. */
	uint8_t config[CONFIG_SIZE] = {[VIRTIO_CONSOLE_CFG_MAX_PORTS] = 1};

	(void)vmio;
	memcpy(data, config + offset, len);
}

static void con_config_write(struct virtio_mmio *vmio, uint32_t offset, const uint8_t *data,
			     uint32_t len)
{
	struct virtio_console *con = vmio->priv;

	/*
	 * Section 5.3.4: a write to emerg_wr prints its low byte on port 0.
	 * "Emergency": it goes out now, not with the next line.
	 */
	if (offset == VIRTIO_CONSOLE_CFG_EMERG_WRITE && len >= 1) {
		chardev_write(con->out, data, 1);
		chardev_flush(con->out);
	}
}

static const struct virtio_device_ops con_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.num_queues = 2,
	.queue_num_max = VIRTIO_CONSOLE_QUEUE_SIZE,
	.config_size = CONFIG_SIZE,
	.config_read = con_config_read,
	.config_write = con_config_write,
	.queue_notify = con_queue_notify,
};

int virtio_console_create(struct virtio_console **con_out, struct chardev *out,
			  const struct guest_mem *mem, struct irq_line *irq)
{
	struct virtio_console *con = calloc(1, sizeof(*con));

	if (!con)
		return -ENOMEM;
	con->out = out;
	virtio_mmio_init(&con->vmio, "virtio-console", &con_ops, con,
			 1ULL << VIRTIO_CONSOLE_F_EMERG_WRITE, mem, irq);
	*con_out = con;
	return 0;
}

struct virtio_mmio *virtio_console_mmio(struct virtio_console *con)
{
	return &con->vmio;
}

void virtio_console_destroy(struct virtio_console *con)
{
	if (!con)
		return;
	pthread_mutex_destroy(&con->vmio.dev.lock);
	free(con);
}
