/* SPDX-License-Identifier: MIT */
/*
 * virtio-fs (virtio 1.2 section 5.11): a host directory the guest mounts by
 * its tag (`mount -t virtiofs TAG /mnt`). The FUSE requests on its queues
 * are served by a vhost-user backend, virtiofsd (kvmini/vhost_user.h), not
 * by the monitor: this model is the virtio-mmio device the guest sees
 * (device ID 26, features, the tag in its configuration space) and, when
 * the driver sets DRIVER_OK, hands the rings to the backend.
 *
 * Queues: 0 is the high-priority queue (FUSE_INTERRUPT, FUSE_FORGET), 1 the
 * one request queue (section 5.11.2).
 *
 * The backend is another process and may die: then the device is marked
 * DEVICE_NEEDS_RESET with a configuration change interrupt (section 2.1.2)
 * and an error naming the share is logged; the guest sees failing requests,
 * never a hang, and the monitor runs on.
 */
#ifndef KVMINI_VIRTIO_FS_H
#define KVMINI_VIRTIO_FS_H

#include <stdbool.h>

#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"
#include "kvmini/vhost_user.h"
#include "kvmini/virtio_mmio.h"

#define VIRTIO_FS_TAG_BYTES  36 /* section 5.11.4: tag[36], not NUL-terminated when full */
#define VIRTIO_FS_NUM_QUEUES 2	/* hiprio + one request queue */
#define VIRTIO_FS_QUEUE_SIZE 128

struct virtio_fs;

/*
 * Create the device for the share tagged tag (1 to VIRTIO_FS_TAG_BYTES
 * bytes, else -EINVAL) on the connected backend vu, which it owns from here
 * on (closed by virtio_fs_destroy(), also when this fails). mem must be
 * shared (mem->fd >= 0, guest_mem_map_shared()): the backend maps it.
 * The backend must offer VIRTIO_F_VERSION_1 and VIRTIO_F_INDIRECT_DESC,
 * which the transport always offers the driver (-ENOTSUP otherwise).
 * 0 and *out, or -errno.
 */
int virtio_fs_create(struct virtio_fs **out, const char *tag, struct vhost_user *vu,
		     const struct guest_mem *mem, struct irq_line *irq);

/* The transport, for the board to place on the MMIO bus. */
struct virtio_mmio *virtio_fs_mmio(struct virtio_fs *fs);

/* The backend connection, for the board's I/O-thread watches (call fds, socket). */
struct vhost_user *virtio_fs_backend(struct virtio_fs *fs);

/*
 * I/O thread: the backend signalled ring q's call eventfd (which the caller
 * has read). Raises the used buffer interrupt. virtio-mmio cannot take the
 * call eventfd as a KVM irqfd directly: the driver's handler reads
 * InterruptStatus and ignores the interrupt unless bit 0 is set (section
 * 4.2.3.4), so the monitor must set the bit before the line is raised.
 * Takes the device lock.
 */
void virtio_fs_call(struct virtio_fs *fs, unsigned int q);

/*
 * I/O thread: the backend's socket is readable, which between requests
 * means it closed or misbehaved. Takes the device lock; if the backend is
 * gone, marks the device DEVICE_NEEDS_RESET and logs an error naming the
 * tag. Returns true while the backend is usable; false means the caller
 * should stop watching the socket (it stays readable forever).
 */
bool virtio_fs_check_backend(struct virtio_fs *fs);

/*
 * Take the rings back from the backend if it has them (GET_VRING_BASE, as
 * a reset does), so that the backend can be stopped while its connection
 * is still open: closing it under a running virtiofsd makes it complain.
 * Takes the device lock. NULL is fine.
 */
void virtio_fs_stop(struct virtio_fs *fs);

/* virtio_fs_stop(), close the backend connection, free fs. NULL is fine. */
void virtio_fs_destroy(struct virtio_fs *fs);

#endif /* KVMINI_VIRTIO_FS_H */
