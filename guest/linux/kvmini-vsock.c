// SPDX-License-Identifier: MIT
/*
 * kvmini-vsock: a netcat for AF_VSOCK stream sockets, for the minimal Linux
 * guest (guest/linux/build.sh installs it as /bin/kvmini-vsock). busybox's
 * nc knows only AF_INET, so without this nothing in the guest could use the
 * kernel's virtio-vsock driver.
 *
 *   kvmini-vsock connect CID PORT   connect to CID:PORT (the host is CID 2)
 *   kvmini-vsock listen PORT        accept one connection on PORT, any CID
 *
 * then relay standard input to the connection and the connection to
 * standard output, both at once, until both directions have ended (see
 * relay() for the exact rules). With kvmini's --vsock CID,PATH a guest
 * connect to CID 2 port P reaches the host's Unix socket PATH_P, and a host
 * program that connects to PATH and writes "CONNECT P\n" reaches `listen P`.
 *
 * `--unix PATH` in place of "CID PORT" or "PORT" uses an AF_UNIX stream
 * socket instead: a test hook, so that the same relay can be tested on a
 * host without vsock (tests/integration/vsock-relay.py). The relay never
 * looks at the address family.
 *
 * Build: the guest's copy is linked statically against musl (musl-gcc from
 * Debian's musl-tools), not glibc. The guest kernel runs with `noxsave` on
 * hosts that emulate guest kernel mode, so it cannot save AVX state while
 * user mode still runs with AVX enabled: AVX registers would leak between
 * processes. glibc's string functions pick AVX variants by CPUID at start-up
 * (IFUNC) unless GLIBC_TUNABLES says otherwise; musl has no IFUNCs and no
 * AVX code, so the binary is correct whatever the environment. build.sh
 * checks the result for AVX registers. This file is plain C11 + POSIX +
 * <linux/vm_sockets.h>, so the host's gcc and glibc build it as well.
 *
 * Exit status: 0 both directions finished, 1 an error (message on stderr),
 * 2 bad arguments (usage on stderr).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#define PROG	 "kvmini-vsock"
#define BUF_SIZE (64 * 1024)

#define EXIT_ERROR 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " connect CID PORT   connect to vsock CID:PORT (host: CID 2)\n"
		   "       " PROG " listen PORT        accept one connection on vsock PORT\n"
		   "       " PROG " connect --unix PATH | listen --unix PATH\n"
		   "                                  (test hook: an AF_UNIX socket at PATH)\n"
		   "Relays stdin to the connection and the connection to stdout. At the end\n"
		   "of stdin it shuts down its sending side; at the end of the connection's\n"
		   "data it closes stdout; it exits when both have happened.\n"
		   "Exit status: 0 done, 1 error, 2 bad arguments.\n");
}

/* ---- one direction of the relay ------------------------------------------ */

/*
 * Bytes go from fd in to fd out through buf. A socket end uses recv/send
 * with MSG_DONTWAIT (and MSG_NOSIGNAL), so nothing blocks without changing
 * the flags of a file description we share. A pipe or terminal end gets at
 * most PIPE_BUF bytes per write after poll() said POLLOUT: POSIX makes such
 * a write to a pipe with room complete without blocking, and blocking there
 * could deadlock a pipeline that feeds our output back into our input.
 */
struct flow {
	const char *from, *to; /* for messages: "standard input", "the connection" */
	int in, out;
	bool in_sock, out_sock, out_file;
	bool eof;  /* in has ended */
	bool done; /* eof, buf drained, and out's end passed on */
	size_t head, tail;
	char buf[BUF_SIZE];
};

/* From stdin to sock (to_sock), or from sock to stdout. */
static void flow_init(struct flow *f, int sock, bool to_sock)
{
	struct stat st;

	f->from = to_sock ? "standard input" : "the connection";
	f->to = to_sock ? "the connection" : "standard output";
	f->in = to_sock ? STDIN_FILENO : sock;
	f->out = to_sock ? sock : STDOUT_FILENO;
	f->in_sock = !to_sock;
	f->out_sock = to_sock;
	f->out_file = !to_sock && fstat(f->out, &st) == 0 && S_ISREG(st.st_mode);
	f->eof = f->done = false;
	f->head = f->tail = 0;
}

static bool flow_wants_input(const struct flow *f)
{
	return !f->eof && f->head == f->tail;
}

static bool flow_has_output(const struct flow *f)
{
	return f->head != f->tail;
}

/* A failed step: the message, and -err for the caller. */
static int flow_error(const char *what, const char *name, int err)
{
	fprintf(stderr, PROG ": cannot %s %s: %s\n", what, name, strerror(err));
	return -err;
}

/* Read what is there into the empty buffer. 0, or -errno after a message. */
static int flow_read(struct flow *f)
{
	ssize_t n;

	do {
		n = f->in_sock ? recv(f->in, f->buf, sizeof(f->buf), MSG_DONTWAIT)
			       : read(f->in, f->buf, sizeof(f->buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		return flow_error("read from", f->from, errno);
	if (n == 0)
		f->eof = true;
	f->head = 0;
	f->tail = (size_t)n;
	return 0;
}

/*
 * Write as much of the buffer as goes without blocking. 0, or -errno after
 * a message.
 */
static int flow_write(struct flow *f)
{
	size_t len = f->tail - f->head;
	ssize_t n;

	if (!f->out_sock && !f->out_file && len > PIPE_BUF)
		len = PIPE_BUF;
	do {
		n = f->out_sock ? send(f->out, f->buf + f->head, len, MSG_DONTWAIT | MSG_NOSIGNAL)
				: write(f->out, f->buf + f->head, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0 && f->out_sock && (errno == EPIPE || errno == ECONNRESET)) {
		/* Data was lost: the peer will never read it. */
		fprintf(stderr,
			PROG ": the peer closed the connection before all of %s was sent (%s)\n",
			f->from, strerror(errno));
		return -errno;
	}
	if (n < 0)
		return flow_error("write to", f->to, errno);
	f->head += (size_t)n;
	return 0;
}

/*
 * Input ended and everything is written: tell the other side. Toward the
 * connection that is shutdown(SHUT_WR), so the peer reads end-of-stream
 * while it may still send (a vsock OP_SHUTDOWN with the SEND flag, virtio
 * 1.2 section 5.10.6.5); toward stdout it is close(), so the next program
 * in a pipeline sees end-of-file. 0, or -errno after a message.
 */
static int flow_finish(struct flow *f)
{
	f->done = true;
	if (f->out_sock && shutdown(f->out, SHUT_WR) < 0)
		return flow_error("shut down the sending side of", f->to, errno);
	if (!f->out_sock && close(f->out) < 0)
		return flow_error("close", f->to, errno);
	return 0;
}

/* ---- the relay ----------------------------------------------------------- */

enum { PFD_STDIN, PFD_SOCK, PFD_STDOUT, PFD_COUNT };

/* Watch fd for events, or leave it out of poll() (-1) when there are none. */
static void watch(struct pollfd *p, int fd, short events)
{
	p->fd = events ? fd : -1;
	p->events = events;
	p->revents = 0;
}

/*
 * After poll(): the flow's next steps, where its fds said anything. 0, or
 * -errno after a message.
 */
static int flow_step(struct flow *f, short in_revents, short out_revents)
{
	int err = 0;

	if (in_revents && flow_wants_input(f))
		err = flow_read(f);
	if (!err && out_revents && flow_has_output(f))
		err = flow_write(f);
	if (!err && f->eof && !flow_has_output(f) && !f->done)
		err = flow_finish(f);
	return err;
}

/*
 * Relay between stdin/stdout and the connected stream socket sock (any
 * address family) until both directions have ended:
 *   - stdin's end: everything read is sent, then shutdown(SHUT_WR); the
 *     connection stays open for what the peer still sends;
 *   - the connection's end (the peer shut down or closed its sending side):
 *     everything received is written, then stdout is closed; stdin is still
 *     relayed until it ends, since the peer may still be reading.
 * A peer that closes entirely while stdin still has data makes the next
 * send fail (EPIPE or ECONNRESET): that is an error, since data was lost.
 * Returns 0, or 1 after printing a message. Closes sock.
 */
static int relay(int sock)
{
	static struct flow up, down;
	struct pollfd pfd[PFD_COUNT];
	int err = 0;

	flow_init(&up, sock, true);
	flow_init(&down, sock, false);
	while (!err && !(up.done && down.done)) {
		short sock_events = 0;

		watch(&pfd[PFD_STDIN], STDIN_FILENO, flow_wants_input(&up) ? POLLIN : 0);
		watch(&pfd[PFD_STDOUT], STDOUT_FILENO, flow_has_output(&down) ? POLLOUT : 0);
		if (flow_has_output(&up))
			sock_events |= POLLOUT;
		if (flow_wants_input(&down))
			sock_events |= POLLIN;
		watch(&pfd[PFD_SOCK], sock, sock_events);
		if (poll(pfd, PFD_COUNT, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			err = -errno;
			break;
		}
		/* The socket's revents serve both flows; a step it was not
		 * meant for only meets EAGAIN. */
		err = flow_step(&up, pfd[PFD_STDIN].revents, pfd[PFD_SOCK].revents);
		if (!err)
			err = flow_step(&down, pfd[PFD_SOCK].revents, pfd[PFD_STDOUT].revents);
	}
	close(sock);
	return err ? EXIT_ERROR : 0;
}

/* ---- addresses and sockets ----------------------------------------------- */

/* Parse a decimal number from 0 to UINT32_MAX. 0, or -EINVAL. */
static int parse_u32(const char *s, unsigned int *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > 0xffffffffull)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* An AF_UNIX address for path; -ENAMETOOLONG when it does not fit. */
static int unix_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

/*
 * A connected stream socket to addr, or -1 after printing "cannot connect
 * to WHAT: reason".
 */
static int open_connect(const struct sockaddr *addr, socklen_t len, const char *what)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, addr, len) < 0) {
		int e = errno;

		fprintf(stderr, PROG ": cannot connect to %s: %s%s\n", what, strerror(e),
			e == EAFNOSUPPORT ? " (no AF_VSOCK: the kernel needs CONFIG_VSOCKETS)"
					  : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Listen on addr and accept one connection; the listening socket is closed
 * (and a Unix socket's file removed) once it is there. The connection, or
 * -1 after printing a message naming what.
 */
static int open_listen(const struct sockaddr *addr, socklen_t len, const char *what)
{
	int lfd, fd = -1;

	lfd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, addr, len) < 0 || listen(lfd, 1) < 0) {
		fprintf(stderr, PROG ": cannot listen on %s: %s\n", what, strerror(errno));
		goto out;
	}
	do {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		fprintf(stderr, PROG ": cannot accept on %s: %s\n", what, strerror(errno));
	if (addr->sa_family == AF_UNIX)
		unlink(((const struct sockaddr_un *)addr)->sun_path);
out:
	if (lfd >= 0)
		close(lfd);
	return fd;
}

/* ---- main ---------------------------------------------------------------- */

/* Where to connect or listen, as the command line says. */
struct target {
	union {
		struct sockaddr sa;
		struct sockaddr_vm vm;
		struct sockaddr_un un;
	} addr;
	socklen_t len;
	char what[sizeof(struct sockaddr_un) + 32]; /* for messages */
};

/* "kvmini-vsock: WHY 'ARG'" (or just WHY, arg NULL), the usage; EXIT_USAGE. */
static int bad_args(const char *why, const char *arg)
{
	if (arg)
		fprintf(stderr, PROG ": %s '%s'\n", why, arg);
	else
		fprintf(stderr, PROG ": %s\n", why);
	usage(stderr);
	return EXIT_USAGE;
}

/* argv after the command: "CID PORT" (connect), "PORT" (listen) or "--unix PATH". */
static int parse_target(struct target *t, bool listening, int argc, char **argv)
{
	struct sockaddr_vm *vm = &t->addr.vm;

	memset(t, 0, sizeof(*t));
	if (argc >= 1 && !strcmp(argv[0], "--unix")) {
		if (argc != 2)
			return argc > 2 ? bad_args("--unix takes one PATH, not also", argv[2])
					: bad_args("--unix takes a PATH", NULL);
		if (unix_addr(&t->addr.un, argv[1]))
			return bad_args("the Unix socket path is too long:", argv[1]);
		t->len = sizeof(t->addr.un);
		snprintf(t->what, sizeof(t->what), "Unix socket %s", argv[1]);
		return 0;
	}
	vm->svm_family = AF_VSOCK;
	t->len = sizeof(*vm);
	if (listening) {
		if (argc != 1)
			return argc ? bad_args("listen takes one PORT, not also", argv[1])
				    : bad_args("listen takes a PORT", NULL);
		vm->svm_cid = VMADDR_CID_ANY;
	} else {
		if (argc != 2)
			return argc > 2 ? bad_args("connect takes CID PORT, not also", argv[2])
					: bad_args("connect takes CID PORT", NULL);
		if (parse_u32(argv[0], &vm->svm_cid))
			return bad_args("not a CID (0 to 4294967295):", argv[0]);
	}
	if (parse_u32(argv[argc - 1], &vm->svm_port))
		return bad_args("not a port number (0 to 4294967295):", argv[argc - 1]);
	if (listening)
		snprintf(t->what, sizeof(t->what), "vsock port %u", vm->svm_port);
	else
		snprintf(t->what, sizeof(t->what), "vsock CID %u port %u", vm->svm_cid,
			 vm->svm_port);
	return 0;
}

int main(int argc, char **argv)
{
	struct target t;
	bool listening;
	int fd, err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "connect") && strcmp(argv[1], "listen"))
		return bad_args("unknown command", argv[1]);
	listening = !strcmp(argv[1], "listen");
	err = parse_target(&t, listening, argc - 2, argv + 2);
	if (err)
		return err;

	/* A closed pipe is an error return (EPIPE), reported, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	fd = listening ? open_listen(&t.addr.sa, t.len, t.what)
		       : open_connect(&t.addr.sa, t.len, t.what);
	if (fd < 0)
		return EXIT_ERROR;
	return relay(fd);
}
