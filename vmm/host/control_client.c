// SPDX-License-Identifier: MIT
/*
 * Talking to a VM's control socket from outside, and where named VMs'
 * sockets live (control_client.h). Every wait has a deadline: a client of
 * a hung or stopped monitor must fail, not hang.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "host/control_client.h"
#include "host/control_proto.h"

int control_runtime_dir(char *buf, size_t len)
{
	const char *env = getenv("KVMINI_RUNTIME_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() != 0 && xdg && *xdg)
		n = snprintf(buf, len, "%s/kvmini", xdg);
	else
		n = snprintf(buf, len, "/run/kvmini");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool control_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= CONTROL_NAME_MAX && name[0] != '.' &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
		       n;
}

int control_name_path(const char *name, char *buf, size_t len, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (!control_name_valid(name))
		return errbuf_set(err, errlen, -EINVAL,
				  "'%.80s' is not a VM name (1-%d characters from A-Z a-z 0-9 . _ "
				  "-, not starting with '.')",
				  name, CONTROL_NAME_MAX);
	int n = -1;
	if (control_runtime_dir(dir, sizeof(dir)) == 0)
		n = snprintf(buf, len, "%s/%s.sock", dir, name);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(dir))
		return errbuf_set(err, errlen, -ENAMETOOLONG,
				  "the socket path of VM '%s' is too long for a Unix socket (set "
				  "KVMINI_RUNTIME_DIR to a shorter directory)",
				  name);
	return 0;
}

int control_runtime_dir_make(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		return errbuf_set(err, errlen, -e, "cannot create the runtime directory '%s': %s%s",
				  dir, strerror(e),
				  e == EACCES ? " (set KVMINI_RUNTIME_DIR, or use --control PATH)"
					      : "");
	}
	if (lstat(dir, &st) < 0)
		return errbuf_set(err, errlen, -errno, "runtime directory '%s': %s", dir,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errbuf_set(err, errlen, -ENOTDIR, "runtime directory '%s': not a directory",
				  dir);
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return errbuf_set(err, errlen, -EPERM,
				  "runtime directory '%s': not ours or writable by others (it "
				  "must be owned by uid %u, mode 0700)",
				  dir, (unsigned int)geteuid());
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline, at least 0. */
static int left_ms(long long deadline)
{
	long long left = deadline - now_ms();
	return left > 0 ? (int)left : 0;
}

int control_client_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	long long deadline = now_ms() + timeout_ms;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * A non-blocking connect to a Unix socket completes at once or fails
	 * with EAGAIN when the listener's backlog is full (unix(7)): retry
	 * until the deadline instead of blocking.
	 */
	while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		if (e != EAGAIN && e != EINTR) {
			close(fd);
			return -e;
		}
		if (left_ms(deadline) == 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 10);
	}
	return fd;
}

/* Wait until fd has events or the deadline passes. 0 or -ETIMEDOUT / -errno. */
static int wait_for(int fd, short events, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n;

	do
		n = poll(&p, 1, left_ms(deadline));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n == 0 ? -ETIMEDOUT : 0;
}

/* Send len bytes of text. 0 or -errno. */
static int send_all(int fd, const char *text, size_t len, long long deadline)
{
	while (len) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n < 0) {
			int ret = wait_for(fd, POLLOUT, deadline);
			if (ret)
				return ret;
			continue;
		}
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read up to and without the first newline into a malloc'ed string. 0 or -errno. */
static int read_line(int fd, char **line, long long deadline)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		char *nl = memchr(buf, '\n', len);
		if (nl) {
			*nl = '\0';
			*line = buf;
			return 0;
		}
		if (len == CONTROL_CLIENT_MAX_REPLY) {
			free(buf);
			return -EPROTO;
		}
		if (len == cap) {
			cap *= 2;
			char *bigger = realloc(buf, cap);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
		}
		size_t room = cap - len;
		if (len + room > CONTROL_CLIENT_MAX_REPLY)
			room = CONTROL_CLIENT_MAX_REPLY - len;
		ssize_t n = recv(fd, buf + len, room, 0);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		int ret = n == 0 ? -ECONNRESET : errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (!ret)
			ret = wait_for(fd, POLLIN, deadline);
		if (ret) {
			free(buf);
			return ret;
		}
	}
}

int control_client_request(const char *path, struct json_object *request, int timeout_ms,
			   struct json_object **reply, char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	size_t len;
	char *line = NULL, *text = control_proto_line(request, &len);
	int ret;

	if (!text)
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	int fd = control_client_connect(path, timeout_ms);
	if (fd < 0) {
		ret = errbuf_set(err, errlen, fd, "cannot connect to '%s': %s%s", path,
				 strerror(-fd),
				 fd == -ECONNREFUSED ? " (a stale socket: its VM is gone)" : "");
		goto out;
	}
	ret = send_all(fd, text, len, deadline);
	if (!ret)
		ret = read_line(fd, &line, deadline);
	if (ret == -ETIMEDOUT) {
		errbuf_set(err, errlen, ret, "'%s' did not answer within %d ms", path, timeout_ms);
		goto out;
	} else if (ret == -EPROTO) {
		errbuf_set(err, errlen, ret, "'%s' sent a reply longer than %d bytes", path,
			   CONTROL_CLIENT_MAX_REPLY);
		goto out;
	} else if (ret) {
		errbuf_set(err, errlen, ret, "'%s': %s", path,
			   ret == -ECONNRESET ? "the VM closed the connection without a reply"
					      : strerror(-ret));
		goto out;
	}
	*reply = json_tokener_parse(line);
	if (!*reply || !json_object_is_type(*reply, json_type_object)) {
		json_object_put(*reply);
		*reply = NULL;
		ret = errbuf_set(err, errlen, -EPROTO,
				 "'%s' sent a reply that is not a JSON object", path);
	}
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(text);
	return ret;
}
