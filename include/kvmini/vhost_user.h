/* SPDX-License-Identifier: MIT */
/*
 * The frontend side of a vhost-user connection (QEMU docs/interop/vhost-user.rst):
 * a device whose virtqueues are served by another process, the backend
 * (here virtiofsd), which maps guest RAM through a shared memfd and
 * processes the rings itself.
 *
 * What crosses the socket: the memory table (SET_MEM_TABLE with the memfd),
 * the negotiated virtio features, each ring's size, addresses and start
 * index, and per ring two eventfds: "kick" (the frontend tells the backend
 * the driver made buffers available) and "call" (the backend tells the
 * frontend it used buffers). Messages are a 12-byte header (request, flags,
 * payload size) and a payload, with file descriptors as SCM_RIGHTS.
 *
 * The backend is input like a guest: every reply is checked (reply flag,
 * request code, payload size, ack value), and a reply that does not come
 * within VHOST_USER_TIMEOUT_MS, a closed socket or a malformed message marks
 * the connection broken: every later call fails at once with -EPIPE,
 * without blocking. Nothing here logs except that one loss (once), so the
 * caller decides what the guest sees.
 *
 * Threads: calls that send requests are made with the device lock held (the
 * device model serialises them); vhost_user_kick() is a single eventfd write.
 */
#ifndef KVMINI_VHOST_USER_H
#define KVMINI_VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/guest_mem.h"

#define VHOST_USER_MAX_QUEUES 4
/* How long a reply may take (each message): bounds a vCPU waiting on a stuck backend. */
#define VHOST_USER_TIMEOUT_MS 5000

struct vhost_user;

/*
 * Take the connected stream socket sock (owned from here on, also on error)
 * to a backend serving nqueues (<= VHOST_USER_MAX_QUEUES) rings, and say
 * hello: SET_OWNER, GET_FEATURES, and the protocol features (REPLY_ACK when
 * offered, so that every request is acknowledged). Creates one kick and one
 * call eventfd per ring. name is for messages and must outlive vu.
 * 0 and *out, or -errno (-EPIPE: the backend closed or did not answer in
 * time, -EPROTO: a malformed reply).
 */
int vhost_user_open(struct vhost_user **out, int sock, const char *name, unsigned int nqueues);

/* Close the socket and the eventfds, free vu. NULL is fine. */
void vhost_user_close(struct vhost_user *vu);

/* The virtio feature bits the backend offers (GET_FEATURES, minus vhost-user's own bit 30). */
uint64_t vhost_user_features(const struct vhost_user *vu);

/* One ring as the backend needs it: size, first index, and host addresses of its parts. */
struct vhost_user_ring {
	uint16_t num;		    /* 0: not in use, skipped */
	uint16_t base;		    /* the available index the backend starts from */
	uint64_t desc, avail, used; /* this process's addresses (guest_mem_ptr) */
};

/*
 * Hand the rings to the backend (the order of QEMU's vhost_dev_start):
 * SET_FEATURES (features | protocol bit), SET_MEM_TABLE (mem's one or two
 * regions, all on mem->fd, which must be >= 0), then for each ring with num
 * != 0: SET_VRING_NUM, SET_VRING_BASE, SET_VRING_ADDR, SET_VRING_CALL,
 * SET_VRING_KICK and, with protocol features, SET_VRING_ENABLE. 0 or -errno;
 * on error the connection is broken (see above) or the caller must stop.
 */
int vhost_user_start(struct vhost_user *vu, uint64_t features, const struct guest_mem *mem,
		     const struct vhost_user_ring *rings, unsigned int nrings);

/*
 * Take the started rings back (device reset): GET_VRING_BASE on each, which
 * makes the backend stop processing it. 0 or -errno (the rings count as
 * stopped either way).
 */
int vhost_user_stop(struct vhost_user *vu);

/*
 * Make ring q's kick eventfd a duplicate of fd (the caller keeps fd) instead
 * of the one vhost_user_open() made. The board hands over the queue's
 * ioeventfd this way, so that a guest's QueueNotify write reaches the
 * backend straight from KVM, with no exit and no monitor thread. Call
 * before vhost_user_start(). 0 or -errno.
 */
int vhost_user_set_kick_fd(struct vhost_user *vu, unsigned int q, int fd);

/* Tell the backend ring q has buffers (write its kick eventfd). 0 or -errno. */
int vhost_user_kick(struct vhost_user *vu, unsigned int q);

/* The call eventfd of ring q: readable when the backend used buffers. */
int vhost_user_call_fd(const struct vhost_user *vu, unsigned int q);

/*
 * The socket, for the I/O thread to watch (EPOLLIN): between requests the
 * backend has nothing to say, so readability means it closed or misbehaves;
 * then call vhost_user_check().
 */
int vhost_user_socket_fd(const struct vhost_user *vu);

/*
 * Is the connection still good? Looks at the socket without blocking: a
 * closed socket or unsolicited bytes break it. Call with the device lock
 * held (no request in flight). true while usable.
 */
bool vhost_user_check(struct vhost_user *vu);

#endif /* KVMINI_VHOST_USER_H */
