// SPDX-License-Identifier: MIT
/*
 * virtio-fs (virtio 1.2 section 5.11) as a vhost-user frontend: the register
 * file is the shared virtio-mmio transport's, the FUSE traffic is the
 * backend's (virtiofsd). This file decides only when the backend owns the
 * rings: from DRIVER_OK (section 3.1.1 step 8: the device is live) to the
 * next reset (section 2.4: the device stops using the rings).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmini/log.h"
#include "kvmini/virtio_fs.h"

/* The backend bits the driver may see besides the transport's (VERSION_1, INDIRECT_DESC). */
#define PASSED_FEATURES (1ULL << VIRTIO_F_EVENT_IDX)
#define NEEDED_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_INDIRECT_DESC))

struct virtio_fs {
	struct virtio_mmio vmio;
	struct vhost_user *vu;
	char name[64];	    /* "virtio-fs 'TAG'", for messages */
	uint8_t config[40]; /* section 5.11.4: tag[36], le32 num_request_queues */
	bool started;	    /* the backend owns the rings */
	bool logged_stop;
};

/*
 * The backend is gone or refused the rings: the driver must reset the device
 * (section 2.1.2). vhost_user_msg.c has logged the cause as an error; this adds
 * what the guest sees (virtio_mmio_set_broken() logs it once).
 */
static void fs_backend_failed(struct virtio_fs *fs, const char *what)
{
	char why[128];

	fs->started = false;
	snprintf(why, sizeof(why), "virtiofsd %s; the guest's requests on this share fail", what);
	virtio_mmio_set_broken(&fs->vmio, why);
}

/* DRIVER_OK: hand every ready ring to the backend. Caller holds dev.lock. */
static void fs_driver_ok(struct virtio_mmio *vmio)
{
	struct virtio_fs *fs = vmio->priv;
	struct vhost_user_ring rings[VIRTIO_FS_NUM_QUEUES] = {0};

	if (!virtio_mmio_live(vmio))
		return;
	for (unsigned int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
		const struct virtq *vq = &vmio->queues[q];
		if (!vq->ready)
			continue; /* rings[q].num 0: skipped */
		/* Ready means virtq_activate() checked the parts are inside RAM. */
		rings[q] = (struct vhost_user_ring){
			.num = vq->num,
			.base = vq->last_avail,
			.desc = (uint64_t)(uintptr_t)vq->desc,
			.avail = (uint64_t)(uintptr_t)vq->avail,
			.used = (uint64_t)(uintptr_t)vq->used,
		};
	}
	int err = vhost_user_start(fs->vu, vmio->driver_features, vmio->mem, rings,
				   VIRTIO_FS_NUM_QUEUES);
	if (err) {
		/* Rings handed over before the failure are taken back (best effort). */
		vhost_user_stop(fs->vu);
		fs_backend_failed(fs, "did not take the rings");
		return;
	}
	fs->started = true;
}

/*
 * A notification for queue q reached the transport: a QueueNotify write
 * through an MMIO exit (where KVM has no ioeventfd; with one, the board made
 * the ioeventfd the ring's kick eventfd and KVM signals virtiofsd itself),
 * or the catch-up at DRIVER_OK. Pass the kick on. The backend serves the
 * ring itself, so there is never work left here.
 */
static bool fs_queue_notify(struct virtio_mmio *vmio, unsigned int q)
{
	struct virtio_fs *fs = vmio->priv;

	if (fs->started && vhost_user_kick(fs->vu, q))
		fs_backend_failed(fs, "cannot be kicked");
	return false;
}

/* Device reset: take the rings back, so the backend stops touching guest memory. */
static void fs_reset(struct virtio_mmio *vmio)
{
	struct virtio_fs *fs = vmio->priv;

	if (!fs->started)
		return;
	fs->started = false;
	if (vhost_user_stop(fs->vu))
		log_once(&fs->logged_stop, LOG_ERROR, "%s: virtiofsd did not give the rings back",
			 fs->name);
}

static void fs_config_read(struct virtio_mmio *vmio, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct virtio_fs *fs = vmio->priv;

	/* The transport checked offset + len <= config_size. */
	memcpy(data, fs->config + offset, len);
}

static const struct virtio_device_ops fs_ops = {
	.device_id = VIRTIO_ID_FS,
	.num_queues = VIRTIO_FS_NUM_QUEUES,
	.queue_num_max = VIRTIO_FS_QUEUE_SIZE,
	.config_size = sizeof(((struct virtio_fs *)0)->config),
	.config_read = fs_config_read,
	.queue_notify = fs_queue_notify,
	.reset = fs_reset,
	.driver_ok = fs_driver_ok,
};

int virtio_fs_create(struct virtio_fs **out, const char *tag, struct vhost_user *vu,
		     const struct guest_mem *mem, struct irq_line *irq)
{
	size_t len = strlen(tag);
	uint64_t offered = vhost_user_features(vu);
	struct virtio_fs *fs;

	if (len == 0 || len > VIRTIO_FS_TAG_BYTES || mem->fd < 0) {
		vhost_user_close(vu);
		return -EINVAL;
	}
	if ((offered & NEEDED_FEATURES) != NEEDED_FEATURES) {
		vhost_user_close(vu);
		return -ENOTSUP;
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		vhost_user_close(vu);
		return -ENOMEM;
	}
	fs->vu = vu;
	snprintf(fs->name, sizeof(fs->name), "virtio-fs '%s'", tag);
	memcpy(fs->config, tag, len);	     /* zero-padded, no NUL when 36 bytes long */
	fs->config[VIRTIO_FS_TAG_BYTES] = 1; /* num_request_queues, little-endian 1 */
	virtio_mmio_init(&fs->vmio, fs->name, &fs_ops, fs, offered & PASSED_FEATURES, mem, irq);
	*out = fs;
	return 0;
}

struct virtio_mmio *virtio_fs_mmio(struct virtio_fs *fs)
{
	return &fs->vmio;
}

struct vhost_user *virtio_fs_backend(struct virtio_fs *fs)
{
	return fs->vu;
}

void virtio_fs_call(struct virtio_fs *fs, unsigned int q)
{
	(void)q; /* one interrupt line for every queue; the driver scans them all */
	pthread_mutex_lock(&fs->vmio.dev.lock);
	if (fs->started)
		virtio_mmio_used_interrupt(&fs->vmio);
	pthread_mutex_unlock(&fs->vmio.dev.lock);
}

bool virtio_fs_check_backend(struct virtio_fs *fs)
{
	pthread_mutex_lock(&fs->vmio.dev.lock);
	bool ok = vhost_user_check(fs->vu);
	if (!ok)
		fs_backend_failed(fs, "is gone");
	pthread_mutex_unlock(&fs->vmio.dev.lock);
	return ok;
}

void virtio_fs_stop(struct virtio_fs *fs)
{
	if (!fs)
		return;
	pthread_mutex_lock(&fs->vmio.dev.lock);
	fs_reset(&fs->vmio);
	pthread_mutex_unlock(&fs->vmio.dev.lock);
}

void virtio_fs_destroy(struct virtio_fs *fs)
{
	if (!fs)
		return;
	virtio_fs_stop(fs);
	vhost_user_close(fs->vu);
	pthread_mutex_destroy(&fs->vmio.dev.lock);
	free(fs);
}
