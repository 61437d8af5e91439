// SPDX-License-Identifier: MIT
/*
 * vhost-user's message transport, the frontend's half (QEMU
 * docs/interop/vhost-user.rst, "Message specification"); the protocol's
 * steps that use it are vhost_user.c.
 *
 * Every exchange is synchronous: send one request, and when it has an
 * answer (a GET_*, or any request once REPLY_ACK is negotiated, with the
 * NEED_REPLY flag) wait for it, bounded by SO_RCVTIMEO. The reply is
 * checked field by field before use. A failure breaks the connection for
 * good: the backend is another process whose state we can no longer know.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "kvmini/log.h"
#include "kvmini/vhost_user_msg.h"

#define FLAG_VERSION	0x1 /* bits 0-1: protocol version 1 */
#define FLAG_REPLY	0x4
#define FLAG_NEED_REPLY 0x8

struct msg_header {
	uint32_t request, flags, size;
} __attribute__((packed));

/* The connection is unusable from here on; say why once. Returns -EPIPE or err. */
int vhost_user_msg_broken(struct vhost_user *vu, int err, const char *why)
{
	vu->broken = true;
	log_once(&vu->logged_broken, LOG_ERROR, "%s: vhost-user backend lost: %s", vu->name, why);
	return err ? err : -EPIPE;
}

/* Send header + payload, with fds as SCM_RIGHTS. 0 or -errno (connection broken). */
int vhost_user_msg_send(struct vhost_user *vu, uint32_t request, uint32_t flags,
			const void *payload, uint32_t size, const int *fds, unsigned int nfds)
{
	struct msg_header h = {request, FLAG_VERSION | flags, size};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, size}};
	union {
		char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_REGIONS)];
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
		return vhost_user_msg_broken(vu, -EPIPE, n < 0 ? strerror(errno) : "short send");
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
			return vhost_user_msg_broken(vu, -EPIPE,
						     "the backend closed the connection");
		if (n < 0)
			return vhost_user_msg_broken(vu, -EPIPE,
						     errno == EAGAIN ? "no reply within the timeout"
								     : strerror(errno));
		done += (size_t)n;
	}
	return 0;
}

/* Wait for the reply to request: exactly size bytes of payload. 0 or -errno. */
int vhost_user_msg_recv_reply(struct vhost_user *vu, uint32_t request, void *payload, uint32_t size)
{
	struct msg_header h;
	int err = recv_all(vu, &h, sizeof(h));

	if (err)
		return err;
	/* Backends echo the request's other flags (libvhost-user keeps NEED_REPLY). */
	if (h.request != request || (h.flags & 0x3) != FLAG_VERSION || !(h.flags & FLAG_REPLY) ||
	    h.size != size)
		return vhost_user_msg_broken(vu, -EPROTO,
					     "malformed reply (request, flags or size)");
	return recv_all(vu, payload, size);
}

/* A request without an answer of its own; acknowledged when REPLY_ACK is negotiated. */
int vhost_user_msg_request(struct vhost_user *vu, uint32_t req, const void *payload, uint32_t size,
			   const int *fds, unsigned int nfds)
{
	uint64_t ack;
	int err = vhost_user_msg_send(vu, req, vu->reply_ack ? FLAG_NEED_REPLY : 0, payload, size,
				      fds, nfds);

	if (err || !vu->reply_ack)
		return err;
	if ((err = vhost_user_msg_recv_reply(vu, req, &ack, sizeof(ack))))
		return err;
	/* A non-zero ack: the backend refused this request (vhost-user.rst, REPLY_ACK). */
	return ack ? vhost_user_msg_broken(vu, -EPROTO, "the backend refused a request") : 0;
}

int vhost_user_msg_get_u64(struct vhost_user *vu, uint32_t req, uint64_t *v)
{
	int err = vhost_user_msg_send(vu, req, 0, NULL, 0, NULL, 0);
	return err ? err : vhost_user_msg_recv_reply(vu, req, v, sizeof(*v));
}

int vhost_user_msg_set_u64(struct vhost_user *vu, uint32_t req, uint64_t v)
{
	return vhost_user_msg_request(vu, req, &v, sizeof(v), NULL, 0);
}

int vhost_user_msg_set_state(struct vhost_user *vu, uint32_t req, unsigned int q, uint32_t num)
{
	struct vhost_user_vring_state s = {q, num};
	return vhost_user_msg_request(vu, req, &s, sizeof(s), NULL, 0);
}

/* SET_VRING_KICK / SET_VRING_CALL: the ring index in the payload, the eventfd alongside. */
int vhost_user_msg_set_vring_fd(struct vhost_user *vu, uint32_t req, unsigned int q, int fd)
{
	uint64_t index = q;
	return vhost_user_msg_request(vu, req, &index, sizeof(index), &fd, 1);
}
