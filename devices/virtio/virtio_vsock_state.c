// SPDX-License-Identifier: MIT
/*
 * virtio-vsock's state blob. Open connections cannot survive a restore
 * (their host sockets belong to the old monitor), so the state is only
 * which connections the guest knew of: a restored device resets each, and
 * the guest's sockets fail cleanly instead of hanging.
 */
#include <string.h>

#include "kvmini/virtio_vsock_state.h"

#define VIRTIO_VSOCK_STATE_VERSION 1

/*
 * The payload: u64 guest CID, u32 count, then count pairs (u32 local port,
 * u32 peer port): the RSTs owed and every connection the guest knows of.
 * Those are what a restored device owes the guest: an RST each.
 */
int virtio_vsock_state_save(const struct virtio_vsock_conns *t, struct state_writer *w)
{
	uint32_t count = t->rst_count;

	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++)
		count += t->conn[i].state >= CONN_HOST_REQUEST;
	state_begin(w, STATE_KIND_VIRTIO_VSOCK, VIRTIO_VSOCK_STATE_VERSION);
	state_put_u64(w, t->guest_cid);
	state_put_u32(w, count);
	for (unsigned int i = 0; i < t->rst_count; i++) {
		const struct vsock_rst *e = &t->rst[(t->rst_head + i) % VIRTIO_VSOCK_RST_SLOTS];
		state_put_u32(w, e->local_port);
		state_put_u32(w, e->peer_port);
	}
	for (unsigned int i = 0; i < VIRTIO_VSOCK_MAX_CONNS; i++) {
		const struct vsock_conn *c = &t->conn[i];
		if (c->state < CONN_HOST_REQUEST)
			continue;
		state_put_u32(w, c->local_port);
		state_put_u32(w, c->peer_port);
	}
	return state_end(w);
}

int virtio_vsock_state_load(struct virtio_vsock_conns *t, struct state_reader *r, const char *name)
{
	struct vsock_rst owed[VIRTIO_VSOCK_RST_SLOTS];
	uint32_t version, count = 0;
	uint64_t cid = 0;

	int err =
		state_open(r, name, STATE_KIND_VIRTIO_VSOCK, VIRTIO_VSOCK_STATE_VERSION, &version);
	if (err)
		return err;
	cid = state_get_u64(r);
	count = state_get_u32(r);
	if (count > VIRTIO_VSOCK_RST_SLOTS) {
		state_invalid(r, "%u connections (at most %u)", count, VIRTIO_VSOCK_RST_SLOTS);
	} else {
		for (uint32_t i = 0; i < count; i++) {
			owed[i].local_port = state_get_u32(r);
			owed[i].peer_port = state_get_u32(r);
		}
	}
	if (!r->err && cid != t->guest_cid)
		state_invalid(r, "guest CID %llu, this device has %llu", (unsigned long long)cid,
			      (unsigned long long)t->guest_cid);
	err = state_close(r);
	if (err)
		return err;
	virtio_vsock_conn_close_all(t);
	/* The connections cannot come back (their host sockets are gone): reset each. */
	memcpy(t->rst, owed, count * sizeof(owed[0]));
	t->rst_count = count;
	return 0;
}
