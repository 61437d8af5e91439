// SPDX-License-Identifier: MIT
/*
 * Lab 4 reference solution: the virtio echo device (what it does:
 * include/abi/kvmini_labs.h). The transport (devices/virtio/virtio_mmio.c) does
 * the register file, feature negotiation and queue setup; this file says
 * only what is particular to the device, as devices/virtio/virtio_rng.c does:
 * device ID, features, configuration space, and what a request means.
 */
#include <errno.h>
#include <stdlib.h>

#include "abi/kvmini_labs.h"
#include "kvmini/device_state.h"
#include "kvmini/lab_echo.h"

struct lab_echo {
	struct virtio_mmio vmio;
	uint32_t bytes_echoed; /* configuration field; cleared by a device reset */
};

/* The answer to input byte c. */
static uint8_t echo_byte(const struct lab_echo *echo, uint8_t c)
{
	bool upper = echo->vmio.driver_features & (1ULL << LAB_ECHO_F_UPPER);

	if (upper && c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 'A');
	return c;
}

/*
 * Copy the chain's readable part into its writable part (a virtio_serve_fn);
 * the used length is the bytes written.
 */
static int64_t echo_serve(void *opaque, const struct virtq_chain *c, bool *stop)
{
	struct lab_echo *echo = opaque;
	uint64_t total = c->read_len < c->write_len ? c->read_len : c->write_len;
	uint8_t buf[256];
	uint64_t done = 0;

	(void)stop;
	/* Every buffer was checked by virtq_pop(); the copy helpers stay inside them. */
	while (done < total) {
		size_t n = total - done < sizeof(buf) ? (size_t)(total - done) : sizeof(buf);
		n = virtq_chain_read(c, done, buf, n);
		for (size_t i = 0; i < n; i++)
			buf[i] = echo_byte(echo, buf[i]);
		virtq_chain_write(c, done, buf, n);
		done += n;
	}
	echo->bytes_echoed += (uint32_t)done;
	return (int64_t)done;
}

/*
 * The transport's loop pops each chain, pushes it back with our used length,
 * sends one interrupt per batch (virtio 1.2, 2.7.7) and marks the device
 * NEEDS_RESET itself on a broken ring.
 */
static bool echo_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	return virtio_mmio_serve_queue(vmio, q, echo_serve, vmio->priv, VIRTIO_MMIO_BUDGET);
}

static void echo_config_read(struct virtio_mmio *vmio, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct lab_echo *echo = vmio->priv;
	uint8_t config[LAB_ECHO_CONFIG_SIZE];

	/* The transport checked that [offset, offset+len) lies in config_size. */
	device_store_le(config, sizeof(config), echo->bytes_echoed);
	for (uint32_t i = 0; i < len; i++)
		data[i] = config[offset + i];
}

static void echo_reset(struct virtio_mmio *vmio)
{
	struct lab_echo *echo = vmio->priv;

	echo->bytes_echoed = 0;
}

static const struct virtio_device_ops lab_echo_ops = {
	.device_id = LAB_ECHO_DEVICE_ID,
	.num_queues = 1,
	.queue_num_max = LAB_ECHO_QUEUE_SIZE,
	.config_size = LAB_ECHO_CONFIG_SIZE,
	.config_read = echo_config_read,
	.queue_notify = echo_queue_notify,
	.reset = echo_reset,
};

int lab_echo_create(struct lab_echo **out, const struct guest_mem *mem, struct irq_line *irq)
{
	struct lab_echo *echo = calloc(1, sizeof(*echo));

	if (!echo)
		return -ENOMEM;
	virtio_mmio_init(&echo->vmio, "lab-echo", &lab_echo_ops, echo, 1ULL << LAB_ECHO_F_UPPER,
			 mem, irq);
	*out = echo;
	return 0;
}

struct virtio_mmio *lab_echo_mmio(struct lab_echo *echo)
{
	return &echo->vmio;
}

void lab_echo_destroy(struct lab_echo *echo)
{
	if (!echo)
		return;
	pthread_mutex_destroy(&echo->vmio.dev.lock);
	free(echo);
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define LAB_ECHO_STATE_VERSION 1

int lab_echo_save(struct lab_echo *echo, struct state_writer *w)
{
	pthread_mutex_lock(&echo->vmio.dev.lock);
	virtio_mmio_save(&echo->vmio, w);
	state_begin(w, STATE_KIND_LAB_ECHO, LAB_ECHO_STATE_VERSION);
	state_put_u32(w, echo->bytes_echoed);
	int err = state_end(w);
	pthread_mutex_unlock(&echo->vmio.dev.lock);
	return err;
}

int lab_echo_load(struct lab_echo *echo, struct state_reader *r)
{
	struct virtio_mmio_state st;
	uint32_t version, bytes_echoed = 0;

	pthread_mutex_lock(&echo->vmio.dev.lock);
	int err = virtio_mmio_state_read(&echo->vmio, r, &st);
	if (!err)
		err = state_open(r, echo->vmio.dev.name, STATE_KIND_LAB_ECHO,
				 LAB_ECHO_STATE_VERSION, &version);
	if (!err) {
		/* Any count is possible: it wraps like the guest-visible u32 it is. */
		bytes_echoed = state_get_u32(r);
		err = state_close(r);
	}
	if (!err) {
		virtio_mmio_state_apply(&echo->vmio, &st);
		echo->bytes_echoed = bytes_echoed;
	}
	pthread_mutex_unlock(&echo->vmio.dev.lock);
	return err;
}
