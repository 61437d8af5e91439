/* SPDX-License-Identifier: MIT */
/*
 * The control socket of a running VM (`kvmini run --control PATH` or
 * `--name NAME`): a Unix stream socket on the I/O thread's event loop,
 * served one line at a time (docs/control.md). Requests are answered by
 * control_proto.c through a struct control_ops, so the server runs the same
 * with a real VM (control_vm.c) and with a test's fake ops.
 *
 * Nothing a client does can block the monitor or another client: every
 * socket is non-blocking, a request is at most CONTROL_PROTO_MAX_REQUEST
 * bytes (a longer one gets an error reply and is skipped up to its newline),
 * each client has one reply in flight at most (its next request is read
 * only once the reply has gone out), and at most CONTROL_SERVER_MAX_CLIENTS
 * are connected: a new one pushes out the one that has been quiet longest.
 */
#ifndef KVMINI_CONTROL_SERVER_H
#define KVMINI_CONTROL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/control_proto.h"
#include "host/event_loop.h"

#define CONTROL_SERVER_MAX_CLIENTS 8
#define CONTROL_SERVER_MAX_REPLY   16384 /* bytes of one reply line; a status is ~3 KiB */

struct control_client;

struct control_server {
	int listen_fd;		 /* -1: not open */
	char path[108];		 /* sizeof(sockaddr_un.sun_path) */
	struct event_loop *loop; /* NULL until control_server_start() */
	const struct control_ops *ops;
	void *opaque;
	struct control_client *clients[CONTROL_SERVER_MAX_CLIENTS];
	uint64_t clock; /* bumped on each client event: who was quiet longest */
};

/* A server that holds nothing; control_server_close() on it does nothing. */
void control_server_init(struct control_server *srv);

/*
 * Create the socket at path, mode 0600 (owned by the caller), and listen.
 * A socket file already there is probed: if a process listens on it, this
 * refuses (-EADDRINUSE, two VMs cannot share a socket); if nobody does (a
 * VM that died), it is removed and replaced. Anything else at path is left
 * alone (-EEXIST). Call before any thread starts (it sets the umask for a
 * moment). 0, or -errno with one line naming path and the cause in err.
 */
int control_server_open(struct control_server *srv, const char *path, char *err, size_t errlen);

/*
 * Serve the socket on loop, answering with ops (opaque is passed back).
 * After control_server_open(). 0 or -errno.
 */
int control_server_start(struct control_server *srv, struct event_loop *loop,
			 const struct control_ops *ops, void *opaque);

/*
 * Remove the socket file, then close every client and the socket. Safe on every path: after a
 * failed or no open, and twice.
 */
void control_server_close(struct control_server *srv);

/* How many clients are connected (for tests). */
unsigned int control_server_nclients(const struct control_server *srv);

#endif /* KVMINI_CONTROL_SERVER_H */
