// SPDX-License-Identifier: MIT
/* --console-socket: a pty master handed to the caller (runc's protocol). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "errbuf.h"
#include "oci/oci_console.h"

/* One SCM_RIGHTS message carrying fd, with name as its data (unix(7)). */
static int send_fd(int sock, int fd, const char *name)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int oci_console_send(const char *socket_path, int *slave, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char name[128];
	int ret, sock = -1, master = -1;

	*slave = -1;
	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return errbuf_set(err, errlen, -ENAMETOOLONG,
				  "--console-socket '%.60s...' is too long for a Unix socket",
				  socket_path);
	strcpy(addr.sun_path, socket_path);
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    ptsname_r(master, name, sizeof(name))) {
		ret = errbuf_set(err, errlen, -errno, "cannot open a pseudo-terminal: %m");
		goto out;
	}
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		ret = errbuf_set(err, errlen, -errno, "cannot open '%s': %m", name);
		goto out;
	}
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = errbuf_set(err, errlen, -errno, "cannot connect to --console-socket '%s': %m",
				 socket_path);
		goto out;
	}
	if ((ret = send_fd(sock, master, name)))
		errbuf_set(err, errlen, ret,
			   "cannot send the terminal to --console-socket '%s': %s", socket_path,
			   strerror(-ret));
out:
	if (ret && *slave >= 0) {
		close(*slave);
		*slave = -1;
	}
	if (sock >= 0)
		close(sock);
	if (master >= 0)
		close(master);
	return ret;
}

int oci_console_attach(int slave)
{
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return -errno;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return -errno;
	return 0;
}
