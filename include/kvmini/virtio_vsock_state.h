/* SPDX-License-Identifier: MIT */
/*
 * virtio-vsock's own state blob (kvmini/device_state.h), after the
 * transport's: what a restored device owes the guest. Part of the device
 * model (kvmini/virtio_vsock_conn.h lists its files); the monitor calls
 * virtio_vsock_save()/virtio_vsock_load() (kvmini/virtio_vsock.h), which
 * take the lock and add the transport's blob.
 */
#ifndef KVMINI_VIRTIO_VSOCK_STATE_H
#define KVMINI_VIRTIO_VSOCK_STATE_H

#include "kvmini/device_state.h"
#include "kvmini/virtio_vsock_conn.h"

/* Append t's blob (STATE_KIND_VIRTIO_VSOCK) to w. 0 or the writer's error. */
int virtio_vsock_state_save(const struct virtio_vsock_conns *t, struct state_writer *w);

/*
 * Read the blob virtio_vsock_state_save() wrote (name is the device's, for
 * messages), check every field, and only then apply it: every connection
 * of t is closed and the guest owed an OP_RST for each connection it had.
 * 0, or -EPROTO / -EINVAL (logged) with t unchanged.
 */
int virtio_vsock_state_load(struct virtio_vsock_conns *t, struct state_reader *r, const char *name);

#endif /* KVMINI_VIRTIO_VSOCK_STATE_H */
