// SPDX-License-Identifier: MIT
/*
 * vhost-user, the frontend's half (QEMU docs/interop/vhost-user.rst,
 * "Message specification" and "Starting and stopping rings").
 *
 * This file is the protocol's steps: the handshake, the memory table,
 * starting and stopping rings, kicks. Each message goes through
 * vhost_user_msg.c, which sends it and checks its reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "kvmini/vhost_user.h"
#include "kvmini/vhost_user_msg.h"

#define F_PROTOCOL_FEATURES  30 /* virtio feature bit: vhost-user protocol features exist */
#define PROTOCOL_F_REPLY_ACK 3

struct vring_addr {
	uint32_t index, flags;
	uint64_t desc, used, avail,
		log; /* this order: vhost-user.rst, "Vring address description" */
};

struct mem_region {
	uint64_t guest_addr, size, user_addr, mmap_offset;
};

struct mem_table {
	uint32_t nregions, padding;
	struct mem_region regions[VHOST_USER_MAX_REGIONS];
};

static int hello(struct vhost_user *vu)
{
	uint64_t proto = 0;
	int err;

	if ((err = vhost_user_msg_send(vu, VHOST_USER_SET_OWNER, 0, NULL, 0, NULL, 0)) ||
	    (err = vhost_user_msg_get_u64(vu, VHOST_USER_GET_FEATURES, &vu->features)))
		return err;
	vu->protocol = vu->features & (1ULL << F_PROTOCOL_FEATURES);
	if (!vu->protocol)
		return 0;
	if ((err = vhost_user_msg_get_u64(vu, VHOST_USER_GET_PROTOCOL_FEATURES, &proto)))
		return err;
	/* Only REPLY_ACK: it lets every request's success be checked. */
	proto &= 1ULL << PROTOCOL_F_REPLY_ACK;
	if ((err = vhost_user_msg_send(vu, VHOST_USER_SET_PROTOCOL_FEATURES, 0, &proto,
				       sizeof(proto), NULL, 0)))
		return err;
	vu->reply_ack = proto != 0;
	return 0;
}

int vhost_user_open(struct vhost_user **out, int sock, const char *name, unsigned int nqueues)
{
	struct timeval tv = {VHOST_USER_TIMEOUT_MS / 1000, (VHOST_USER_TIMEOUT_MS % 1000) * 1000};
	struct vhost_user *vu = calloc(1, sizeof(*vu));
	int err;

	if (!vu) {
		close(sock);
		return -ENOMEM;
	}
	vu->sock = sock;
	vu->name = name;
	vu->nqueues = nqueues < VHOST_USER_MAX_QUEUES ? nqueues : VHOST_USER_MAX_QUEUES;
	for (unsigned int q = 0; q < VHOST_USER_MAX_QUEUES; q++)
		vu->kick[q] = vu->call[q] = -1;
	for (unsigned int q = 0; q < vu->nqueues; q++) {
		vu->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		vu->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vu->kick[q] < 0 || vu->call[q] < 0) {
			err = -errno;
			goto fail;
		}
	}
	/* Bounded waits: a stuck backend costs a vCPU at most the timeout per message. */
	if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		err = -errno;
		goto fail;
	}
	if ((err = hello(vu)))
		goto fail;
	*out = vu;
	return 0;
fail:
	vhost_user_close(vu);
	return err;
}

void vhost_user_close(struct vhost_user *vu)
{
	if (!vu)
		return;
	close(vu->sock);
	for (unsigned int q = 0; q < VHOST_USER_MAX_QUEUES; q++) {
		if (vu->kick[q] >= 0)
			close(vu->kick[q]);
		if (vu->call[q] >= 0)
			close(vu->call[q]);
	}
	free(vu);
}

uint64_t vhost_user_features(const struct vhost_user *vu)
{
	return vu->features & ~(1ULL << F_PROTOCOL_FEATURES);
}

/* SET_MEM_TABLE: guest RAM's one or two regions, each on the memfd at its own offset. */
static int set_mem_table(struct vhost_user *vu, const struct guest_mem *mem)
{
	struct mem_table t = {0};
	int fds[2] = {mem->fd, mem->fd};

	t.regions[t.nregions++] =
		(struct mem_region){0, mem->low_size, (uint64_t)(uintptr_t)mem->host, 0};
	if (mem->high_size)
		t.regions[t.nregions++] = (struct mem_region){
			KVMINI_HIGH_RAM_START, mem->high_size,
			(uint64_t)(uintptr_t)(mem->host + mem->low_size), mem->low_size};
	/* The payload is the header and only the regions in use (QEMU sends the same). */
	uint32_t size = (uint32_t)(offsetof(struct mem_table, regions) +
				   t.nregions * sizeof(struct mem_region));
	return vhost_user_msg_request(vu, VHOST_USER_SET_MEM_TABLE, &t, size, fds, t.nregions);
}

static int start_ring(struct vhost_user *vu, unsigned int q, const struct vhost_user_ring *r)
{
	struct vring_addr a = {.index = q, .desc = r->desc, .used = r->used, .avail = r->avail};
	int err;

	if ((err = vhost_user_msg_set_state(vu, VHOST_USER_SET_VRING_NUM, q, r->num)) ||
	    (err = vhost_user_msg_set_state(vu, VHOST_USER_SET_VRING_BASE, q, r->base)) ||
	    (err = vhost_user_msg_request(vu, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0)) ||
	    (err = vhost_user_msg_set_vring_fd(vu, VHOST_USER_SET_VRING_CALL, q, vu->call[q])) ||
	    (err = vhost_user_msg_set_vring_fd(vu, VHOST_USER_SET_VRING_KICK, q, vu->kick[q])))
		return err;
	vu->started[q] = true;
	/* With protocol features, rings start disabled (vhost-user.rst, "Ring states"). */
	if (vu->protocol)
		err = vhost_user_msg_set_state(vu, VHOST_USER_SET_VRING_ENABLE, q, 1);
	return err;
}

int vhost_user_start(struct vhost_user *vu, uint64_t features, const struct guest_mem *mem,
		     const struct vhost_user_ring *rings, unsigned int nrings)
{
	int err;

	if (mem->fd < 0 || nrings > vu->nqueues)
		return -EINVAL;
	if (vu->protocol)
		features |= 1ULL << F_PROTOCOL_FEATURES;
	if ((err = vhost_user_msg_set_u64(vu, VHOST_USER_SET_FEATURES, features)) ||
	    (err = set_mem_table(vu, mem)))
		return err;
	for (unsigned int q = 0; q < nrings; q++)
		if (rings[q].num && (err = start_ring(vu, q, &rings[q])))
			return err;
	return 0;
}

int vhost_user_stop(struct vhost_user *vu)
{
	int ret = 0;

	for (unsigned int q = 0; q < vu->nqueues; q++) {
		if (!vu->started[q])
			continue;
		vu->started[q] = false;
		struct vhost_user_vring_state s = {q, 0}, reply;
		int err = vhost_user_msg_send(vu, VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s), NULL,
					      0);
		if (!err)
			err = vhost_user_msg_recv_reply(vu, VHOST_USER_GET_VRING_BASE, &reply,
							sizeof(reply));
		if (!err && reply.index != q)
			err = vhost_user_msg_broken(vu, -EPROTO,
						    "GET_VRING_BASE answered for another ring");
		if (err)
			ret = err;
	}
	return ret;
}

int vhost_user_set_kick_fd(struct vhost_user *vu, unsigned int q, int fd)
{
	if (q >= vu->nqueues)
		return -EINVAL;
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0)
		return -errno;
	close(vu->kick[q]);
	vu->kick[q] = dup;
	return 0;
}

int vhost_user_kick(struct vhost_user *vu, unsigned int q)
{
	uint64_t one = 1;

	if (q >= vu->nqueues || vu->broken)
		return -EPIPE;
	/* EAGAIN: the counter is near 2^64, so the backend has a kick pending anyway. */
	if (write(vu->kick[q], &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int vhost_user_call_fd(const struct vhost_user *vu, unsigned int q)
{
	return q < vu->nqueues ? vu->call[q] : -1;
}

int vhost_user_socket_fd(const struct vhost_user *vu)
{
	return vu->sock;
}

bool vhost_user_check(struct vhost_user *vu)
{
	char c;

	if (vu->broken)
		return false;
	ssize_t n = recv(vu->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		vhost_user_msg_broken(vu, -EPIPE, "the backend closed the connection");
	else if (n > 0)
		vhost_user_msg_broken(vu, -EPROTO, "the backend sent an unrequested message");
	else if (errno != EAGAIN && errno != EINTR)
		vhost_user_msg_broken(vu, -EPIPE, strerror(errno));
	return !vu->broken;
}
