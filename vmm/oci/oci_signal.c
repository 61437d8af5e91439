// SPDX-License-Identifier: MIT
/*
 * `kvmini oci kill` for a running container: the signal goes to the
 * container's process in the guest, as runc's does (runtime-spec runtime.md,
 * "kill": "send the specified signal to the container process"), not to the
 * VM. The channel is the VM's vsock: kvmini run's --vsock socket in the state
 * directory (oci_create.c starts the VMM there), kvmini's host-side protocol
 * ("CONNECT PORT\n", answered "OK HOSTPORT\n" once the guest accepts;
 * README.md), and in the guest kvmini-exec (guest/linux/kvmini-exec.c),
 * which listens on OCI_SIGNAL_PORT beside the process it started and
 * answers each "SIG\n" with "OK\n" or "ERR reason\n".
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "errbuf.h"
#include "oci/oci_signal.h"

/*
 * Read one line (up to '\n', which is dropped) within timeout_ms.
 * 0, -ETIMEDOUT, -ECONNREFUSED at EOF before a line (kvmini closes the host
 * connection when the guest refuses the port), -EPROTO for an overlong one.
 * The guest is hostile: a byte that is not printable ASCII becomes '?'.
 */
static int read_line(int fd, char *line, size_t size, int timeout_ms)
{
	size_t len = 0;

	while (len < size - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int ready = poll(&p, 1, timeout_ms);
		ssize_t n;

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return ready < 0 ? -errno : -ETIMEDOUT;
		/* Byte by byte: nothing after the line may be consumed. */
		n = read(fd, line + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNREFUSED;
		if (line[len] == '\n') {
			line[len] = '\0';
			return 0;
		}
		/* The guest writes these lines and kill may print them: no control bytes. */
		if ((unsigned char)line[len] < 0x20 || (unsigned char)line[len] >= 0x7f)
			line[len] = '?';
		len++;
	}
	return -EPROTO;
}

static int send_text(int fd, const char *text)
{
	size_t len = strlen(text);
	ssize_t n = send(fd, text, len, MSG_NOSIGNAL);

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

int oci_signal_guest(int dirfd, int sig, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char line[64];
	int fd, ret;

	/* Through the directory's fd: ROOT/ID may be longer than sun_path. */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", dirfd,
		 OCI_SIGNAL_SOCKET);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errbuf_set(err, errlen, -errno, "socket: %m");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = errno == ECONNREFUSED ? -ENOENT : -errno;
		errbuf_set(err, errlen, ret, "the VM's vsock socket: %m");
		goto out;
	}
	snprintf(line, sizeof(line), "CONNECT %d\n", OCI_SIGNAL_PORT);
	if ((ret = send_text(fd, line)) || (ret = read_line(fd, line, sizeof(line), timeout_ms))) {
		errbuf_set(err, errlen, ret, "guest port %d: %s", OCI_SIGNAL_PORT,
			   ret == -ECONNREFUSED ? "nobody listens there" : strerror(-ret));
		goto out;
	}
	if (strncmp(line, "OK ", 3)) {
		ret = errbuf_set(err, errlen, -EPROTO, "kvmini's vsock answered '%.40s'", line);
		goto out;
	}
	snprintf(line, sizeof(line), "%d\n", sig);
	if ((ret = send_text(fd, line)) || (ret = read_line(fd, line, sizeof(line), timeout_ms))) {
		errbuf_set(err, errlen, ret, "the guest agent: %s", strerror(-ret));
		goto out;
	}
	if (!strncmp(line, "ERR ", 4))
		ret = errbuf_set(err, errlen, -ESRCH, "the guest agent: %.50s", line + 4);
	else if (strcmp(line, "OK"))
		ret = errbuf_set(err, errlen, -EPROTO, "the guest agent answered '%.40s'", line);
out:
	close(fd);
	return ret;
}
