/* SPDX-License-Identifier: MIT */
/*
 * virtio-vsock's host side: Unix domain sockets instead of /dev/vhost-vsock
 * (the model Firecracker documents for its vsock device).
 *
 *   - A guest connect to host port P becomes a connect to the Unix socket
 *     "PATH_P" (vsock_unix_connect).
 *   - Host programs reach the guest through the socket PATH that this
 *     backend listens on: they connect, write "CONNECT P\n", and the device
 *     model (devices/virtio/virtio_vsock.c) asks the guest for a connection
 *     to its port P.
 *
 * This file only does the sockets: listen, accept, connect, non-blocking
 * I/O, and one epoll set holding the listening socket and every connection
 * (edge-triggered), whose fd the monitor watches. The vsock protocol state
 * lives in the device model.
 */
#ifndef KVMINI_VSOCK_UNIX_H
#define KVMINI_VSOCK_UNIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The longest "CONNECT P\n" line a host client may send, newline included. */
#define VSOCK_UNIX_LINE_MAX 32

struct vsock_unix;

/*
 * Listen on the Unix socket path (a stale socket file there is replaced)
 * and create the epoll set. Returns 0 and *out, or -errno (-ENAMETOOLONG
 * when path, or path plus "_4294967295", does not fit a sockaddr_un).
 */
int vsock_unix_open(struct vsock_unix **out, const char *path);

/*
 * The epoll set's fd: readable when a host client connects or a connection
 * became readable or writable. The events are edge-triggered, so the owner
 * tries every connection after vsock_unix_clear_events().
 */
int vsock_unix_poll_fd(const struct vsock_unix *vu);

/* Take the pending readiness events off the set (they only say "look again"). */
void vsock_unix_clear_events(struct vsock_unix *vu);

/* A new host client, non-blocking and in the set; -EAGAIN when none waits, or -errno. */
int vsock_unix_accept(struct vsock_unix *vu);

/*
 * Connect (non-blocking) to "PATH_port" for a guest connect to host port
 * port. Returns the fd, in the set, or -errno: -ENOENT or -ECONNREFUSED when
 * no one listens there, -EAGAIN when its backlog is full.
 */
int vsock_unix_connect(struct vsock_unix *vu, uint32_t port);

/* Remove fd from the set and close it. */
void vsock_unix_close_conn(struct vsock_unix *vu, int fd);

/* Read into iov without blocking: bytes read, 0 at end of stream, or -errno (-EAGAIN). */
ssize_t vsock_unix_recv(int fd, const struct iovec *iov, unsigned int n);

/* Write iov without blocking or SIGPIPE: bytes written, or -errno (-EAGAIN, -EPIPE). */
ssize_t vsock_unix_send(int fd, const struct iovec *iov, unsigned int n);

/*
 * Read a host client's first line without taking any byte after its
 * newline (those are data for the guest). Returns 1 with the line, NUL
 * terminated and without the newline, in line[VSOCK_UNIX_LINE_MAX]; 0 when
 * the line is not complete yet; -EPROTO when the client closed first or the
 * line is too long; or another -errno.
 */
int vsock_unix_read_line(int fd, char line[VSOCK_UNIX_LINE_MAX]);

/* Parse "CONNECT <port>" (decimal, 0 to 2^32-1). Returns 0 and *port, or -EINVAL. */
int vsock_unix_parse_connect(const char *line, uint32_t *port);

/* Close the listening socket and the set, remove the socket file, free vu. */
void vsock_unix_close(struct vsock_unix *vu);

#endif /* KVMINI_VSOCK_UNIX_H */
