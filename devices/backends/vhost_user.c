// SPDX-License-Identifier: MIT
/*
 * vhost-user, the frontend's half (QEMU docs/interop/vhost-user.rst,
 * "Message specification" and "Starting and stopping rings").
 *
 * Every exchange is synchronous: send one request, and when it has an
 * answer (a GET_*, or any request once REPLY_ACK is negotiated, with the
 * NEED_REPLY flag) wait for it, bounded by SO_RCVTIMEO. The reply is
 * checked field by field before use. A failure breaks the connection for
 * good: the backend is another process whose state we can no longer know.
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
#include "kvmini/log.h"
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

#define FLAG_VERSION	     0x1 /* bits 0-1: protocol version 1 */
#define FLAG_REPLY	     0x4
#define FLAG_NEED_REPLY	     0x8
#define F_PROTOCOL_FEATURES  30 /* virtio feature bit: vhost-user protocol features exist */
#define PROTOCOL_F_REPLY_ACK 3
#define MAX_REGIONS	     8 /* VHOST_MEMORY_BASELINE_NREGIONS */

struct msg_header {
	uint32_t request, flags, size;
} __attribute__((packed));

struct vring_state {
	uint32_t index, num;
};

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
	struct mem_region regions[MAX_REGIONS];
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

/* The connection is unusable from here on; say why once. Returns -EPIPE or err. */
static int set_broken(struct vhost_user *vu, int err, const char *why)
{
	vu->broken = true;
	log_once(&vu->logged_broken, LOG_ERROR, "%s: vhost-user backend lost: %s", vu->name, why);
	return err ? err : -EPIPE;
}

/* Send header + payload, with fds as SCM_RIGHTS. 0 or -errno (connection broken). */
static int send_msg(struct vhost_user *vu, uint32_t request, uint32_t flags, const void *payload,
		    uint32_t size, const int *fds, unsigned int nfds)
{
	struct msg_header h = {request, FLAG_VERSION | flags, size};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, size}};
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_REGIONS)];
		struct cmsghdr align;
	} ctl;
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = size ? 2 : 1};

	if (vu->broken)
		return -EPIPE;
	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	ssize_t n;
	do
		n = sendmsg(vu->sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	/* A stream socket with room takes it all; a short send means the peer is stuck. */
	if (n != (ssize_t)(sizeof(h) + size))
		return set_broken(vu, -EPIPE, n < 0 ? strerror(errno) : "short send");
	return 0;
}

/*
 * Read exactly len bytes (bounded by SO_RCVTIMEO). recv() with no control
 * buffer: descriptors a backend sends along are closed by the kernel
 * (unix(7), SCM_RIGHTS), and no reply carries any.
 */
static int recv_all(struct vhost_user *vu, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(vu->sock, (char *)buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return set_broken(vu, -EPIPE, "the backend closed the connection");
		if (n < 0)
			return set_broken(vu, -EPIPE,
					  errno == EAGAIN ? "no reply within the timeout"
							  : strerror(errno));
		done += (size_t)n;
	}
	return 0;
}

/* Wait for the reply to request: exactly size bytes of payload. 0 or -errno. */
static int recv_reply(struct vhost_user *vu, uint32_t request, void *payload, uint32_t size)
{
	struct msg_header h;
	int err = recv_all(vu, &h, sizeof(h));

	if (err)
		return err;
	/* Backends echo the request's other flags (libvhost-user keeps NEED_REPLY). */
	if (h.request != request || (h.flags & 0x3) != FLAG_VERSION || !(h.flags & FLAG_REPLY) ||
	    h.size != size)
		return set_broken(vu, -EPROTO, "malformed reply (request, flags or size)");
	return recv_all(vu, payload, size);
}

/* A request without an answer of its own; acknowledged when REPLY_ACK is negotiated. */
static int request(struct vhost_user *vu, uint32_t req, const void *payload, uint32_t size,
		   const int *fds, unsigned int nfds)
{
	uint64_t ack;
	int err = send_msg(vu, req, vu->reply_ack ? FLAG_NEED_REPLY : 0, payload, size, fds, nfds);

	if (err || !vu->reply_ack)
		return err;
	if ((err = recv_reply(vu, req, &ack, sizeof(ack))))
		return err;
	/* A non-zero ack: the backend refused this request (vhost-user.rst, REPLY_ACK). */
	return ack ? set_broken(vu, -EPROTO, "the backend refused a request") : 0;
}

static int get_u64(struct vhost_user *vu, uint32_t req, uint64_t *v)
{
	int err = send_msg(vu, req, 0, NULL, 0, NULL, 0);
	return err ? err : recv_reply(vu, req, v, sizeof(*v));
}

static int set_u64(struct vhost_user *vu, uint32_t req, uint64_t v)
{
	return request(vu, req, &v, sizeof(v), NULL, 0);
}

static int set_state(struct vhost_user *vu, uint32_t req, unsigned int q, uint32_t num)
{
	struct vring_state s = {q, num};
	return request(vu, req, &s, sizeof(s), NULL, 0);
}

/* SET_VRING_KICK / SET_VRING_CALL: the ring index in the payload, the eventfd alongside. */
static int set_vring_fd(struct vhost_user *vu, uint32_t req, unsigned int q, int fd)
{
	uint64_t index = q;
	return request(vu, req, &index, sizeof(index), &fd, 1);
}

static int hello(struct vhost_user *vu)
{
	uint64_t proto = 0;
	int err;

	if ((err = send_msg(vu, VHOST_USER_SET_OWNER, 0, NULL, 0, NULL, 0)) ||
	    (err = get_u64(vu, VHOST_USER_GET_FEATURES, &vu->features)))
		return err;
	vu->protocol = vu->features & (1ULL << F_PROTOCOL_FEATURES);
	if (!vu->protocol)
		return 0;
	if ((err = get_u64(vu, VHOST_USER_GET_PROTOCOL_FEATURES, &proto)))
		return err;
	/* Only REPLY_ACK: it lets every request's success be checked. */
	proto &= 1ULL << PROTOCOL_F_REPLY_ACK;
	if ((err = send_msg(vu, VHOST_USER_SET_PROTOCOL_FEATURES, 0, &proto, sizeof(proto), NULL,
			    0)))
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
	return request(vu, VHOST_USER_SET_MEM_TABLE, &t, size, fds, t.nregions);
}

static int start_ring(struct vhost_user *vu, unsigned int q, const struct vhost_user_ring *r)
{
	struct vring_addr a = {.index = q, .desc = r->desc, .used = r->used, .avail = r->avail};
	int err;

	if ((err = set_state(vu, VHOST_USER_SET_VRING_NUM, q, r->num)) ||
	    (err = set_state(vu, VHOST_USER_SET_VRING_BASE, q, r->base)) ||
	    (err = request(vu, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0)) ||
	    (err = set_vring_fd(vu, VHOST_USER_SET_VRING_CALL, q, vu->call[q])) ||
	    (err = set_vring_fd(vu, VHOST_USER_SET_VRING_KICK, q, vu->kick[q])))
		return err;
	vu->started[q] = true;
	/* With protocol features, rings start disabled (vhost-user.rst, "Ring states"). */
	if (vu->protocol)
		err = set_state(vu, VHOST_USER_SET_VRING_ENABLE, q, 1);
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
	if ((err = set_u64(vu, VHOST_USER_SET_FEATURES, features)) ||
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
		struct vring_state s = {q, 0}, reply;
		int err = send_msg(vu, VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0);
		if (!err)
			err = recv_reply(vu, VHOST_USER_GET_VRING_BASE, &reply, sizeof(reply));
		if (!err && reply.index != q)
			err = set_broken(vu, -EPROTO, "GET_VRING_BASE answered for another ring");
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
		set_broken(vu, -EPIPE, "the backend closed the connection");
	else if (n > 0)
		set_broken(vu, -EPROTO, "the backend sent an unrequested message");
	else if (errno != EAGAIN && errno != EINTR)
		set_broken(vu, -EPIPE, strerror(errno));
	return !vu->broken;
}
