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
#include "kvmini/device_state.h"
#include "kvmini/virtio_console.h"

#define CONFIG_SIZE 12 /* cols, rows, max_nr_ports, emerg_wr */

struct virtio_console {
	struct virtio_mmio vmio;
	struct chardev *out;			/* where transmitq bytes go; never blocks */
	uint8_t fifo[VIRTIO_CONSOLE_FIFO_SIZE]; /* input not yet in a guest buffer */
	size_t fifo_len;
};

/* transmitq (a virtio_serve_fn): every readable byte of the chain goes to the output. */
static int64_t con_transmit(void *opaque, const struct virtq_chain *c, bool *stop)
{
	struct virtio_console *con = opaque;

	(void)stop;
	for (unsigned int i = 0; i < c->nread; i++)
		chardev_write(con->out, c->bufs[i].iov_base, c->bufs[i].iov_len);
	return 0; /* nothing written into the chain (section 2.7.8) */
}

/* receiveq (a virtio_serve_fn): move FIFO bytes into the buffer the driver posted. */
static int64_t con_receive_chain(void *opaque, const struct virtq_chain *c, bool *stop)
{
	struct virtio_console *con = opaque;

	size_t n = virtq_chain_write(c, 0, con->fifo, con->fifo_len);
	memmove(con->fifo, con->fifo + n, con->fifo_len - n);
	con->fifo_len -= n;
	*stop = con->fifo_len == 0; /* keep the driver's other buffers for later input */
	return (int64_t)n;
}

/* Deliver pending input, if any, into posted receive buffers. */
static bool con_deliver(struct virtio_console *con)
{
	if (con->fifo_len == 0)
		return false;
	return virtio_mmio_serve_queue(&con->vmio, VIRTIO_CONSOLE_RX_QUEUE, con_receive_chain, con,
				       VIRTIO_MMIO_BUDGET);
}

static bool con_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	struct virtio_console *con = vmio->priv;

	if (q == VIRTIO_CONSOLE_TX_QUEUE)
		return virtio_mmio_serve_queue(vmio, q, con_transmit, con, VIRTIO_MMIO_BUDGET);
	return con_deliver(con); /* new receive buffers: pending input can go */
}

size_t virtio_console_receive(struct virtio_console *con, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&con->vmio.dev.lock);
	size_t room = sizeof(con->fifo) - con->fifo_len;
	size_t n = len < room ? len : room;
	memcpy(con->fifo + con->fifo_len, buf, n);
	con->fifo_len += n;
	/*
	 * One budget is a whole queue's worth of buffers here, so anything
	 * left in the FIFO waits for the driver to post more (its notify).
	 */
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

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define VIRTIO_CONSOLE_STATE_VERSION 1

int virtio_console_save(struct virtio_console *con, struct state_writer *w)
{
	pthread_mutex_lock(&con->vmio.dev.lock);
	virtio_mmio_save(&con->vmio, w);
	/*
	 * Output goes to the chardev at once (what waits there is the host's,
	 * not the guest's); only input can be waiting.
	 */
	state_begin(w, STATE_KIND_VIRTIO_CONSOLE, VIRTIO_CONSOLE_STATE_VERSION);
	state_put_u32(w, (uint32_t)con->fifo_len);
	state_put_bytes(w, con->fifo, con->fifo_len);
	int err = state_end(w);
	pthread_mutex_unlock(&con->vmio.dev.lock);
	return err;
}

/* The console's own blob: the pending input, into fifo / *fifo_len. */
static int con_state_read(struct virtio_console *con, struct state_reader *r, uint8_t *fifo,
			  size_t *fifo_len)
{
	uint32_t version;
	int err = state_open(r, con->vmio.dev.name, STATE_KIND_VIRTIO_CONSOLE,
			     VIRTIO_CONSOLE_STATE_VERSION, &version);

	if (err)
		return err;
	uint32_t len = state_get_u32(r);
	/* Checked before the bytes are read: never more than the FIFO holds. */
	if (!r->err && len > VIRTIO_CONSOLE_FIFO_SIZE)
		return state_invalid(r, "%u bytes of pending input, the FIFO holds %u", len,
				     VIRTIO_CONSOLE_FIFO_SIZE);
	state_get_bytes(r, fifo, len);
	*fifo_len = len;
	return state_close(r);
}

int virtio_console_load(struct virtio_console *con, struct state_reader *r)
{
	struct virtio_mmio_state st;
	uint8_t fifo[VIRTIO_CONSOLE_FIFO_SIZE];
	size_t fifo_len = 0;

	pthread_mutex_lock(&con->vmio.dev.lock);
	int err = virtio_mmio_state_read(&con->vmio, r, &st);
	if (!err)
		err = con_state_read(con, r, fifo, &fifo_len);
	if (!err) {
		virtio_mmio_state_apply(&con->vmio, &st);
		memcpy(con->fifo, fifo, fifo_len);
		con->fifo_len = fifo_len;
	}
	pthread_mutex_unlock(&con->vmio.dev.lock);
	return err;
}
