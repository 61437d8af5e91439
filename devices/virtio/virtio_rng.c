// SPDX-License-Identifier: MIT
/*
 * virtio-rng (virtio 1.2 section 5.4): the driver posts device-writable
 * buffers on the single requestq; the device fills them with entropy and
 * returns them with the number of bytes written. No features, no config.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "kvmini/device_state.h"
#include "kvmini/log.h"
#include "kvmini/virtio_rng.h"

struct virtio_rng {
	struct virtio_mmio vmio;
	bool logged_error;
};

/* Fill buf from the host's pool; returns the bytes filled (short only on error). */
static size_t rng_fill(struct virtio_rng *rng, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_once(&rng->logged_error, LOG_WARN, "virtio-rng: getrandom failed");
			break;
		}
		done += (size_t)n;
	}
	return done;
}

/* Fill the chain's writable buffers (a virtio_serve_fn); the used length is the bytes filled. */
static int64_t rng_serve(void *opaque, const struct virtq_chain *c, bool *stop)
{
	struct virtio_rng *rng = opaque;
	size_t filled = 0;

	(void)stop;
	/* Readable buffers carry nothing for this device; they are ignored. */
	for (unsigned int i = c->nread; i < c->nread + c->nwrite; i++) {
		size_t want = c->bufs[i].iov_len;
		if (want > VIRTIO_RNG_MAX_REQUEST - filled)
			want = VIRTIO_RNG_MAX_REQUEST - filled;
		size_t got = rng_fill(rng, c->bufs[i].iov_base, want);
		filled += got;
		if (got < want)
			break;
	}
	return (int64_t)filled;
}

static bool rng_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	return virtio_mmio_serve_queue(vmio, q, rng_serve, vmio->priv, VIRTIO_MMIO_BUDGET);
}

static const struct virtio_device_ops rng_ops = {
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.queue_num_max = VIRTIO_RNG_QUEUE_SIZE,
	.queue_notify = rng_queue_notify,
};

int virtio_rng_create(struct virtio_rng **out, const struct guest_mem *mem, struct irq_line *irq)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));

	if (!rng)
		return -ENOMEM;
	virtio_mmio_init(&rng->vmio, "virtio-rng", &rng_ops, rng, 0, mem, irq);
	*out = rng;
	return 0;
}

struct virtio_mmio *virtio_rng_mmio(struct virtio_rng *rng)
{
	return &rng->vmio;
}

void virtio_rng_destroy(struct virtio_rng *rng)
{
	if (!rng)
		return;
	pthread_mutex_destroy(&rng->vmio.dev.lock);
	free(rng);
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define VIRTIO_RNG_STATE_VERSION 1

int virtio_rng_save(struct virtio_rng *rng, struct state_writer *w)
{
	pthread_mutex_lock(&rng->vmio.dev.lock);
	virtio_mmio_save(&rng->vmio, w);
	state_begin(w, STATE_KIND_VIRTIO_RNG, VIRTIO_RNG_STATE_VERSION);
	int err = state_end(w);
	pthread_mutex_unlock(&rng->vmio.dev.lock);
	return err;
}

int virtio_rng_load(struct virtio_rng *rng, struct state_reader *r)
{
	struct virtio_mmio_state st;
	uint32_t version;

	pthread_mutex_lock(&rng->vmio.dev.lock);
	int err = virtio_mmio_state_read(&rng->vmio, r, &st);
	if (!err)
		err = state_open(r, rng->vmio.dev.name, STATE_KIND_VIRTIO_RNG,
				 VIRTIO_RNG_STATE_VERSION, &version);
	if (!err)
		err = state_close(r);
	if (!err)
		virtio_mmio_state_apply(&rng->vmio, &st);
	pthread_mutex_unlock(&rng->vmio.dev.lock);
	return err;
}
