// SPDX-License-Identifier: MIT
/*
 * kvmini-exec: starts a container's process inside the minimal Linux guest,
 * for the OCI agent (vmm/oci/agent.sh, docs/containers.md), and stays
 * beside it to pass on the signals `kvmini oci kill` sends.
 *
 *   kvmini-exec [--root DIR] [--cwd DIR] [--uid N] [--gid N] [--groups N,N...]
 *               [--signal-port PORT | --signal-unix PATH] [--log FILE]
 *               -- PROGRAM [ARG...]
 *
 * The process (a child) changes root to DIR, then directory to --cwd inside
 * it, sets exactly the supplementary groups --groups (none when empty: the
 * runtime spec's user.additionalGids), then the gid and the uid, in that
 * order (setgroups and setgid need the privilege setuid gives up), resets
 * every signal to its default and unblocks them all, and executes PROGRAM,
 * found on the PATH of the environment it was given (as a shell would: 127
 * when it is not found, 126 when it cannot be executed). A failure before
 * that ends the child with 125.
 *
 * kvmini-exec itself waits for it and ends with its status: the exit status,
 * or 128+N when signal N killed it, as a shell reports it. Meanwhile:
 *   - with --signal-port PORT it accepts AF_VSOCK stream connections on PORT
 *     (any CID): each sends one line, a signal number in decimal ("15\n"),
 *     which goes to the process; the answer is "OK\n" or "ERR reason\n". With
 *     kvmini's --vsock CID,PATH the host reaches it through PATH and
 *     "CONNECT PORT\n" (README.md). A guest without vsock (no device) is
 *     logged, and the process runs on without the channel.
 *   - --signal-unix PATH does the same on an AF_UNIX socket: a test hook, so
 *     that the channel is tested on hosts without vsock
 *     (tests/oci/kvmini-exec.sh).
 *   - SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH sent to kvmini-exec go
 *     to the process; the terminal's SIGINT, SIGQUIT and SIGTSTP reach the
 *     process directly (it is in the same foreground process group) and are
 *     ignored here.
 * Its own messages go to --log (appended), else to standard error: in the
 * guest, standard error is the container's.
 *
 * Built like kvmini-vsock (build-vsock.sh: static, musl, no AVX) into the
 * guest image as /bin/kvmini-exec; plain C11 + POSIX + Linux, so the host's
 * gcc builds it for the tests as well.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setgroups, accept4 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#define PROG	      "kvmini-exec"
#define MAX_GROUPS    64
#define EXIT_SETUP    125 /* the child could not get as far as exec */
#define EXIT_NOEXEC   126
#define EXIT_NOTFOUND 127
#define EXIT_USAGE    2

struct options {
	const char *root, *cwd, *log;
	const char *signal_unix;
	long signal_port; /* -1: none */
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	size_t ngroups;
	char **argv; /* PROGRAM ARG... */
};

static FILE *log_file;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(PROG ": ", log_file);
	vfprintf(log_file, fmt, ap);
	fputc('\n', log_file);
	fflush(log_file);
	va_end(ap);
}

static void usage(void)
{
	fputs("usage: " PROG " [--root DIR] [--cwd DIR] [--uid N] [--gid N] [--groups N,N...]\n"
	      "       [--signal-port PORT | --signal-unix PATH] [--log FILE] -- PROGRAM [ARG...]\n",
	      stderr);
	exit(EXIT_USAGE);
}

/* A decimal number in [0, max], or -1. */
static long number(const char *s, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || v > max ? -1 : v;
}

static void parse_groups(struct options *o, const char *list)
{
	char *copy = strdup(list), *save = NULL;

	if (!copy)
		exit(EXIT_SETUP);
	for (char *g = strtok_r(copy, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		long v = number(g, UINT32_MAX - 1);
		if (v < 0 || o->ngroups == MAX_GROUPS) {
			fprintf(stderr, PROG ": --groups '%s': not a list of at most %d gids\n",
				list, MAX_GROUPS);
			usage();
		}
		o->groups[o->ngroups++] = (gid_t)v;
	}
	free(copy);
}

static void parse(struct options *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->signal_port = -1;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		long v = 0;

		if (!val)
			usage();
		if (!strcmp(opt, "--root"))
			o->root = val;
		else if (!strcmp(opt, "--cwd"))
			o->cwd = val;
		else if (!strcmp(opt, "--log"))
			o->log = val;
		else if (!strcmp(opt, "--signal-unix"))
			o->signal_unix = val;
		else if (!strcmp(opt, "--groups"))
			parse_groups(o, val);
		else if (!strcmp(opt, "--signal-port") && (v = number(val, UINT32_MAX - 1)) >= 0)
			o->signal_port = v;
		else if (!strcmp(opt, "--uid") && (v = number(val, UINT32_MAX - 1)) >= 0)
			o->uid = (uid_t)v;
		else if (!strcmp(opt, "--gid") && (v = number(val, UINT32_MAX - 1)) >= 0)
			o->gid = (gid_t)v;
		else {
			fprintf(stderr, PROG ": bad option %s %s\n", opt, val);
			usage();
		}
	}
	if (i + 1 >= argc)
		usage();
	o->argv = argv + i + 1;
}

/* The listening socket of the signal channel, or -1 (logged) without one. */
static int signal_listener(const struct options *o)
{
	int fd = -1;

	if (o->signal_unix) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		if (strlen(o->signal_unix) >= sizeof(a.sun_path)) {
			say("no signal channel: --signal-unix '%s' is too long for a socket "
			    "address",
			    o->signal_unix);
			return -1;
		}
		strcpy(a.sun_path, o->signal_unix);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)))
			goto fail;
	} else if (o->signal_port >= 0) {
		struct sockaddr_vm a = {.svm_family = AF_VSOCK,
					.svm_cid = VMADDR_CID_ANY,
					.svm_port = (unsigned int)o->signal_port};
		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)))
			goto fail;
	} else {
		return -1;
	}
	if (fd < 0)
		goto fail;
	return fd;
fail:
	say("no signal channel (%s): signals reach the process only through the VM",
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* In the child: become the container's process. Never returns. */
static void become_process(const struct options *o, const sigset_t *blocked)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};

	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL); /* SIGKILL, SIGSTOP and the libc's own: EINVAL */
	sigprocmask(SIG_UNBLOCK, blocked, NULL);
	if (o->root && (chroot(o->root) || chdir("/"))) {
		say("cannot change root to '%s': %s", o->root, strerror(errno));
		_exit(EXIT_SETUP);
	}
	if (o->cwd && chdir(o->cwd)) {
		say("cannot change directory to '%s': %s", o->cwd, strerror(errno));
		_exit(EXIT_SETUP);
	}
	if (setgroups(o->ngroups, o->groups) || setgid(o->gid) || setuid(o->uid)) {
		say("cannot become uid %u gid %u with %zu groups: %s", (unsigned)o->uid,
		    (unsigned)o->gid, o->ngroups, strerror(errno));
		_exit(EXIT_SETUP);
	}
	execvp(o->argv[0], o->argv);
	say("cannot execute '%s': %s", o->argv[0], strerror(errno));
	_exit(errno == ENOENT || errno == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

/* One request on the signal channel: "N\n" -> kill(child, N). */
static void serve_request(int listener, pid_t child)
{
	char line[32], *end;
	size_t len = 0;
	long sig;
	int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* One short line, within a second: the host side is the runtime. */
	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;
		if (poll(&p, 1, 1000) != 1 ||
		    (n = read(fd, line + len, sizeof(line) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
	}
	line[len] = '\0';
	sig = strtol(line, &end, 10);
	if (end == line || *end != '\n' || sig < 1 || sig >= NSIG) {
		dprintf(fd, "ERR not a signal number\n");
	} else if (kill(child, (int)sig)) {
		dprintf(fd, "ERR %s\n", strerror(errno));
	} else {
		say("signal %ld sent to the process (pid %d)", sig, (int)child);
		dprintf(fd, "OK\n");
	}
	close(fd);
}

int main(int argc, char **argv)
{
	static const int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};
	struct options o;
	sigset_t set;
	int listener, sfd, status = 0;
	pid_t child;

	log_file = stderr;
	parse(&o, argc, argv);
	if (o.log && !(log_file = fopen(o.log, "ae")))
		log_file = stderr;

	/* Ignored here, delivered to the process by the terminal itself. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	/* A client that hangs up before the answer must not end kvmini-exec. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	/* Before the fork: a kill right after start finds the channel open. */
	listener = signal_listener(&o);

	child = fork();
	if (child < 0) {
		say("cannot fork: %s", strerror(errno));
		return EXIT_SETUP;
	}
	if (child == 0)
		become_process(&o, &set);

	for (pid_t done = 0; done != child;) {
		struct pollfd p[2] = {{.fd = sfd, .events = POLLIN},
				      {.fd = listener, .events = POLLIN}};
		struct signalfd_siginfo si;

		if (sfd < 0 || (poll(p, listener >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)) {
			/* No way to watch: just wait. */
			while ((done = waitpid(child, &status, 0)) < 0 && errno == EINTR)
				;
			if (done < 0)
				return EXIT_SETUP;
			break;
		}
		if (listener >= 0 && (p[1].revents & POLLIN))
			serve_request(listener, child);
		if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			kill(child, (int)si.ssi_signo);
		else
			done = waitpid(child, &status, WNOHANG);
	}
	if (o.signal_unix)
		unlink(o.signal_unix);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
