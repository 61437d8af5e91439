// SPDX-License-Identifier: MIT
/*
 * virtio-vsock's Unix-socket host side (kvmini/vsock_unix.h): the sockets
 * and their epoll set, nothing of the vsock protocol.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kvmini/vsock_unix.h"

#define LISTEN_BACKLOG	32
#define EVENTS_PER_WAIT 64

struct vsock_unix {
	int listen_fd;
	int epoll_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* Fill addr with path; -ENAMETOOLONG when it does not fit. */
static int unix_addr(struct sockaddr_un *addr, const char *path)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	strcpy(addr->sun_path, path);
	return 0;
}

/* Put fd in the set: every readiness change of a connection is worth a look. */
static int watch(struct vsock_unix *vu, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};

	ev.data.fd = fd;
	return epoll_ctl(vu->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int vsock_unix_open(struct vsock_unix **out, const char *path)
{
	struct sockaddr_un addr;
	struct vsock_unix *vu;
	int err;

	/* The longest name a guest connect can produce must fit as well. */
	if (strlen(path) + sizeof("_4294967295") > sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	err = unix_addr(&addr, path);
	if (err)
		return err;
	vu = calloc(1, sizeof(*vu));
	if (!vu)
		return -ENOMEM;
	strcpy(vu->path, path);
	vu->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	vu->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (vu->epoll_fd < 0 || vu->listen_fd < 0) {
		err = -errno;
		goto fail;
	}
	/* A socket file left by an earlier run would make bind() fail with EADDRINUSE. */
	unlink(path);
	if (bind(vu->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(vu->listen_fd, LISTEN_BACKLOG) < 0) {
		err = -errno;
		goto fail;
	}
	err = watch(vu, vu->listen_fd);
	if (err)
		goto fail;
	*out = vu;
	return 0;
fail:
	if (vu->listen_fd >= 0)
		close(vu->listen_fd);
	if (vu->epoll_fd >= 0)
		close(vu->epoll_fd);
	free(vu);
	return err;
}

int vsock_unix_poll_fd(const struct vsock_unix *vu)
{
	return vu->epoll_fd;
}

void vsock_unix_clear_events(struct vsock_unix *vu)
{
	struct epoll_event ev[EVENTS_PER_WAIT];

	/* A full batch may mean more are queued; anything left keeps the fd readable. */
	while (epoll_wait(vu->epoll_fd, ev, EVENTS_PER_WAIT, 0) == EVENTS_PER_WAIT)
		;
}

int vsock_unix_accept(struct vsock_unix *vu)
{
	int fd = accept4(vu->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	int err = watch(vu, fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int vsock_unix_connect(struct vsock_unix *vu, uint32_t port)
{
	struct sockaddr_un addr;
	char path[sizeof(vu->path) + sizeof("_4294967295")];

	snprintf(path, sizeof(path), "%s_%u", vu->path, port);
	int err = unix_addr(&addr, path);
	if (err)
		return err;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * A Unix stream connect completes at once or fails at once; the only
	 * "in progress" answer is EAGAIN for a full backlog, which the caller
	 * treats as a refusal rather than keep a half-open connection.
	 */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = errno == EWOULDBLOCK ? -EAGAIN : -errno;
		close(fd);
		return err;
	}
	err = watch(vu, fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void vsock_unix_close_conn(struct vsock_unix *vu, int fd)
{
	epoll_ctl(vu->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

ssize_t vsock_unix_recv(int fd, const struct iovec *iov, unsigned int n)
{
	struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n};

	for (;;) {
		ssize_t r = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

ssize_t vsock_unix_send(int fd, const struct iovec *iov, unsigned int n)
{
	struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n};

	for (;;) {
		/* MSG_NOSIGNAL: a host program that went away must not kill the monitor. */
		ssize_t r = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

int vsock_unix_read_line(int fd, char line[VSOCK_UNIX_LINE_MAX])
{
	char buf[VSOCK_UNIX_LINE_MAX];
	ssize_t n;

	/* Peek first: the bytes after the newline stay in the socket for the guest. */
	do
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? 0 : -errno;
	if (n == 0)
		return -EPROTO;
	char *nl = memchr(buf, '\n', (size_t)n);
	if (!nl)
		return n == (ssize_t)sizeof(buf) ? -EPROTO : 0;
	size_t len = (size_t)(nl - buf) + 1;
	do
		n = recv(fd, buf, len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EPROTO;
	memcpy(line, buf, len - 1);
	line[len - 1] = '\0';
	return 1;
}

int vsock_unix_parse_connect(const char *line, uint32_t *port)
{
	static const char prefix[] = "CONNECT ";
	uint64_t v = 0;
	const char *p;

	if (strncmp(line, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	p = line + sizeof(prefix) - 1;
	if (*p == '\0')
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*port = (uint32_t)v;
	return 0;
}

void vsock_unix_close(struct vsock_unix *vu)
{
	if (!vu)
		return;
	close(vu->listen_fd);
	close(vu->epoll_fd);
	unlink(vu->path);
	free(vu);
}
