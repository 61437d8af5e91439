// SPDX-License-Identifier: MIT
/*
 * A network backend on a connected datagram socket: one datagram is one
 * Ethernet frame, no header. The other end is whatever the user connected
 * (a test, a switch process, a second monitor); kvmini only needs the fd.
 * SOCK_SEQPACKET or SOCK_DGRAM keep frame boundaries, which a byte stream
 * would lose, so SOCK_STREAM is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kvmini/log.h"
#include "kvmini/net_backend.h"

static int socket_send(struct net_backend *be, const struct iovec *iov, unsigned int n)
{
	struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n};

	for (;;) {
		/* MSG_NOSIGNAL: a peer that went away must not kill the monitor with SIGPIPE. */
		ssize_t r = sendmsg(be->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static ssize_t socket_recv(struct net_backend *be, void *buf, size_t size)
{
	for (;;) {
		/* MSG_TRUNC: the return value is the datagram's real length. */
		ssize_t r = recv(be->fd, buf, size, MSG_DONTWAIT | MSG_TRUNC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if ((size_t)r > size)
			return -EMSGSIZE; /* the tail is gone: do not pass a cut frame on */
		if (r == 0) {
			int type = 0;
			socklen_t len = sizeof(type);
			/* SEQPACKET: 0 is the peer's close; DGRAM: 0 is an empty datagram. */
			getsockopt(be->fd, SOL_SOCKET, SO_TYPE, &type, &len);
			if (type == SOCK_SEQPACKET)
				return -ENOTCONN;
		}
		return r;
	}
}

static void socket_close(struct net_backend *be)
{
	close(be->fd);
	free(be);
}

static const struct net_backend_ops socket_ops = {
	.send = socket_send,
	.recv = socket_recv,
	.close = socket_close,
};

int net_socket_open(struct net_backend **out, int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
		int err = -errno;
		log_error("net socket fd %d: not a socket: %s", fd, strerror(errno));
		close(fd);
		return err;
	}
	if (type != SOCK_SEQPACKET && type != SOCK_DGRAM) {
		log_error("net socket fd %d: needs SOCK_SEQPACKET or SOCK_DGRAM (one frame per "
			  "datagram), not a byte stream",
			  fd);
		close(fd);
		return -EINVAL;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		int err = -errno;
		log_error("net socket fd %d: %s", fd, strerror(errno));
		close(fd);
		return err;
	}
	struct net_backend *be = calloc(1, sizeof(*be));
	if (!be) {
		close(fd);
		return -ENOMEM;
	}
	be->ops = &socket_ops;
	be->kind = "socket";
	be->fd = fd;
	be->has_vnet_hdr = false;
	*out = be;
	return 0;
}
