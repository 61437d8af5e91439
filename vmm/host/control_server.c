// SPDX-License-Identifier: MIT
/*
 * The control socket on the I/O thread (control_server.h): accepting,
 * framing requests into lines, and sending replies without ever blocking.
 * What a request means is control_proto.c's business.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "errbuf.h"
#include "host/control_client.h"
#include "host/control_server.h"
#include "kvmini/log.h"

/* New connections taken per wake-up: the loop goes back to stop requests in between. */
#define ACCEPT_BUDGET 4
/* Connections the kernel queues for us; beyond them a client's connect waits (unix(7)). */
#define LISTEN_BACKLOG 16

struct control_client {
	struct control_server *srv;
	int fd;
	uint64_t last_used; /* srv->clock at its last event */
	bool discarding;    /* skipping the rest of an oversize request, up to its newline */
	bool eof;	    /* the client shut down its side: close once answered */
	size_t in_len, out_len, out_off;
	char in[CONTROL_PROTO_MAX_REQUEST];
	char out[CONTROL_SERVER_MAX_REPLY];
};

void control_server_init(struct control_server *srv)
{
	memset(srv, 0, sizeof(*srv));
	srv->listen_fd = -1;
}

unsigned int control_server_nclients(const struct control_server *srv)
{
	unsigned int n = 0;

	for (int i = 0; i < CONTROL_SERVER_MAX_CLIENTS; i++)
		n += srv->clients[i] != NULL;
	return n;
}

static void client_close(struct control_client *c)
{
	struct control_server *srv = c->srv;

	for (int i = 0; i < CONTROL_SERVER_MAX_CLIENTS; i++)
		if (srv->clients[i] == c)
			srv->clients[i] = NULL;
	if (srv->loop)
		event_loop_remove(srv->loop, c->fd);
	close(c->fd);
	free(c);
}

/* Send what is queued; never waits. 0, or -errno when the client is gone. */
static int client_flush(struct control_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* Queue reply (consumed); one that does not fit is replaced by an error. */
static void client_queue(struct control_client *c, struct json_object *reply)
{
	size_t len = 0;
	char *line = reply ? control_proto_line(reply, &len) : NULL;

	json_object_put(reply);
	if (!line || len > sizeof(c->out) - c->out_len) {
		static const char fallback[] = "{\"ok\":false,\"error\":\"the reply does not fit "
					       "(out of memory or too long)\"}\n";
		free(line);
		line = strdup(fallback);
		len = sizeof(fallback) - 1;
		if (!line || len > sizeof(c->out) - c->out_len) {
			free(line);
			return;
		}
	}
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
	free(line);
}

/*
 * Answer the complete lines in c->in, one at a time and only while no reply
 * waits to go out: a client that does not read its replies stops being
 * read, and holds nothing but its own two buffers.
 */
static void client_serve_lines(struct control_client *c)
{
	struct control_server *srv = c->srv;
	size_t start = 0;

	while (c->out_len == 0) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (c->in + start));
		if (c->discarding) {
			c->discarding = false; /* the end of the oversize request */
		} else {
			if (len && c->in[start + len - 1] == '\r')
				len--; /* "\r\n" from telnet-like clients */
			client_queue(
				c, control_proto_handle(srv->ops, srv->opaque, c->in + start, len));
			client_flush(c);
		}
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->discarding) {
		c->in_len = 0; /* still inside the oversize request: no newline yet */
	} else if (c->in_len == sizeof(c->in) && c->out_len == 0) {
		/* A full buffer and no newline: refuse once, then skip to the next newline. */
		char msg[80];
		errbuf_set(msg, sizeof(msg), 0, "request longer than %d bytes",
			   CONTROL_PROTO_MAX_REQUEST);
		client_queue(c, control_proto_error(msg));
		client_flush(c);
		c->discarding = true;
		c->in_len = 0;
	}
}

static void on_client(void *opaque, uint32_t events)
{
	struct control_client *c = opaque;

	c->last_used = ++c->srv->clock;
	if (c->out_len && client_flush(c)) {
		client_close(c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c->out_len == 0 && !c->eof) {
		/*
		 * One read per wake-up: the loop stays fair to everything else.
		 * A hang-up is believed only when recv() says so.
		 */
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n > 0)
			c->in_len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->eof = true;
	}
	client_serve_lines(c);
	if (c->eof && c->out_len == 0) {
		client_close(c); /* answered everything it sent in full */
		return;
	}
	/* Wait for room to send, or for the next request; never both (see above). */
	if (event_loop_modify(c->srv->loop, c->fd, c->out_len ? EPOLLOUT : EPOLLIN))
		client_close(c);
}

/* A free client slot, made by pushing out the quietest client if all are taken. */
static int free_slot(struct control_server *srv)
{
	int oldest = 0;

	for (int i = 0; i < CONTROL_SERVER_MAX_CLIENTS; i++) {
		if (!srv->clients[i])
			return i;
		if (srv->clients[i]->last_used < srv->clients[oldest]->last_used)
			oldest = i;
	}
	log_debug("control socket: %d clients, closing the quietest", CONTROL_SERVER_MAX_CLIENTS);
	client_close(srv->clients[oldest]);
	return oldest;
}

static void on_listen(void *opaque, uint32_t events)
{
	struct control_server *srv = opaque;

	(void)events;
	for (int i = 0; i < ACCEPT_BUDGET; i++) {
		int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN: all taken; anything else: the client went away */
		struct control_client *c = malloc(sizeof(*c));
		int slot = free_slot(srv);
		if (!c || event_loop_add(srv->loop, fd, EPOLLIN, on_client, c)) {
			log_debug("control socket: cannot take a client");
			free(c);
			close(fd);
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		c->last_used = ++srv->clock;
		c->discarding = c->eof = false;
		c->in_len = c->out_len = c->out_off = 0;
		srv->clients[slot] = c;
	}
}

/* Is a server listening on the socket file at path? Removes it if it is stale. */
static int replace_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
				       : errbuf_set(err, errlen, -errno, "control socket '%s': %s",
						    path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return errbuf_set(err, errlen, -EEXIST,
				  "control socket '%s': the file exists and is not a socket", path);
	int fd = control_client_connect(path, 1000);
	if (fd >= 0) {
		close(fd);
		return errbuf_set(err, errlen, -EADDRINUSE,
				  "control socket '%s' is in use: another VM is running with it "
				  "(kvmini list shows it)",
				  path);
	}
	if (fd != -ECONNREFUSED)
		return errbuf_set(err, errlen, fd, "control socket '%s': %s", path, strerror(-fd));
	/* Nobody listens: the VM that made it died without removing it. */
	if (unlink(path) < 0 && errno != ENOENT)
		return errbuf_set(err, errlen, -errno,
				  "cannot remove the stale control socket '%s': %s", path,
				  strerror(errno));
	log_info("removed the stale control socket '%s'", path);
	return 0;
}

int control_server_open(struct control_server *srv, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int ret;

	control_server_init(srv);
	if (strlen(path) >= sizeof(addr.sun_path))
		return errbuf_set(
			err, errlen, -ENAMETOOLONG,
			"control socket '%.40s...' is too long for a Unix socket (at most "
			"%zu bytes)",
			path, sizeof(addr.sun_path) - 1);
	if ((ret = replace_stale(path, err, errlen)))
		return ret;
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errbuf_set(err, errlen, -errno, "control socket '%s': %s", path,
				  strerror(errno));
	/* The file gets mode 0600 when it is made: no moment where others could connect. */
	mode_t old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
	umask(old);
	if (ret) {
		errbuf_set(err, errlen, ret, "cannot create the control socket '%s': %s", path,
			   ret == -EADDRINUSE ? "another VM just took it" : strerror(-ret));
		goto fail;
	}
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		ret = errbuf_set(err, errlen, -errno, "control socket '%s': %s", path,
				 strerror(errno));
		unlink(path);
		goto fail;
	}
	srv->listen_fd = fd;
	strcpy(srv->path, path);
	return 0;
fail:
	close(fd);
	return ret;
}

int control_server_start(struct control_server *srv, struct event_loop *loop,
			 const struct control_ops *ops, void *opaque)
{
	srv->ops = ops;
	srv->opaque = opaque;
	int ret = event_loop_add(loop, srv->listen_fd, EPOLLIN, on_listen, srv);
	if (!ret)
		srv->loop = loop;
	return ret;
}

void control_server_close(struct control_server *srv)
{
	if (srv->listen_fd < 0)
		return;
	/*
	 * Unlink while still listening: only a stale socket is ever replaced,
	 * so until we stop listening the file at path is ours. (No stat to
	 * check: the seccomp filter allows unlink, not stat.)
	 */
	unlink(srv->path);
	for (int i = 0; i < CONTROL_SERVER_MAX_CLIENTS; i++)
		if (srv->clients[i])
			client_close(srv->clients[i]);
	if (srv->loop)
		event_loop_remove(srv->loop, srv->listen_fd);
	close(srv->listen_fd);
	srv->listen_fd = -1;
	srv->loop = NULL;
}
