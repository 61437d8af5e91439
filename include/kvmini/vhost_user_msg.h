/* SPDX-License-Identifier: MIT */
/*
 * vhost-user's frontend, shared by its two files: vhost_user_msg.c (the
 * message transport: one request, its reply, each checked) and
 * vhost_user.c (the protocol's steps: the handshake, the memory table,
 * starting and stopping rings). Only they include it; devices use
 * kvmini/vhost_user.h. Message layouts and numbers are those of QEMU's
 * docs/interop/vhost-user.rst ("Message specification").
 *
 * Every message function returns 0 or -errno; any failure marks the
 * connection broken for good (vu->broken), and every later message fails
 * with -EPIPE without touching the socket.
 */
#ifndef KVMINI_VHOST_USER_MSG_H
#define KVMINI_VHOST_USER_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/vhost_user.h"

/* Requests (vhost-user.rst, "Front-end message types"). */
enum {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_SET_VRING_ENABLE = 18,
};

#define VHOST_USER_MAX_REGIONS 8 /* VHOST_MEMORY_BASELINE_NREGIONS */

struct vhost_user_vring_state {
	uint32_t index, num;
};

struct vhost_user {
	int sock;
	const char *name;
	unsigned int nqueues;
	int kick[VHOST_USER_MAX_QUEUES], call[VHOST_USER_MAX_QUEUES];
	bool started[VHOST_USER_MAX_QUEUES];
	uint64_t features;	    /* offered by the backend, with bit 30 */
	bool protocol, reply_ack;   /* negotiated */
	bool broken, logged_broken; /* the connection is unusable */
};

/*
 * The connection is unusable from here on: mark it broken and log why, once
 * per connection. Returns err, or -EPIPE when err is 0.
 */
int vhost_user_msg_broken(struct vhost_user *vu, int err, const char *why);

/*
 * Send request with flags (the version bits are added), size bytes of
 * payload, and nfds (at most VHOST_USER_MAX_REGIONS) descriptors as
 * SCM_RIGHTS. The caller keeps its descriptors. 0 or -errno.
 */
int vhost_user_msg_send(struct vhost_user *vu, uint32_t request, uint32_t flags,
			const void *payload, uint32_t size, const int *fds, unsigned int nfds);

/*
 * Wait (bounded by SO_RCVTIMEO) for the reply to request, with exactly
 * size bytes of payload, into payload. A reply to another request, with
 * other flags or another size, breaks the connection (-EPROTO). 0 or -errno.
 */
int vhost_user_msg_recv_reply(struct vhost_user *vu, uint32_t request, void *payload,
			      uint32_t size);

/*
 * Send req, which has no answer of its own; once REPLY_ACK is negotiated,
 * with NEED_REPLY, and wait for the backend's ack (a non-zero ack is a
 * refusal: -EPROTO). 0 or -errno.
 */
int vhost_user_msg_request(struct vhost_user *vu, uint32_t req, const void *payload, uint32_t size,
			   const int *fds, unsigned int nfds);

/* A GET_* request answered by one u64, into *v. 0 or -errno. */
int vhost_user_msg_get_u64(struct vhost_user *vu, uint32_t req, uint64_t *v);

/* A SET_* request carrying one u64 (vhost_user_msg_request()). 0 or -errno. */
int vhost_user_msg_set_u64(struct vhost_user *vu, uint32_t req, uint64_t v);

/* A SET_VRING_* request carrying a vring state: ring q, value num. 0 or -errno. */
int vhost_user_msg_set_state(struct vhost_user *vu, uint32_t req, unsigned int q, uint32_t num);

/*
 * SET_VRING_KICK / SET_VRING_CALL: ring q's index in the payload, the
 * eventfd fd alongside (the caller keeps fd). 0 or -errno.
 */
int vhost_user_msg_set_vring_fd(struct vhost_user *vu, uint32_t req, unsigned int q, int fd);

#endif /* KVMINI_VHOST_USER_MSG_H */
