// SPDX-License-Identifier: MIT
/*
 * Starting, watching and stopping virtiofsd (host/virtiofsd.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include "errbuf.h"
#include "host/virtiofsd.h"
#include "kvmini/log.h"

/* The fd number virtiofsd gets its listening socket on (--fd=3). */
#define CHILD_LISTEN_FD 3

/* What the child reports on its status pipe before exec: which step failed, and errno. */
enum child_step { STEP_NAMESPACE, STEP_MOUNT, STEP_EXEC };

struct child_error {
	int step, err;
};

const char *virtiofsd_program(void)
{
	const char *p = getenv("KVMINI_VIRTIOFSD");
	return p && *p ? p : CONFIG_VIRTIOFSD_DEFAULT;
}

int virtiofsd_check_shares(const struct vm_config *cfg, char *err, size_t errlen)
{
	const char *prog = virtiofsd_program();
	struct stat st;

	if (cfg->nshares == 0)
		return 0;
	if (stat(prog, &st) < 0)
		return errbuf_set(err, errlen, -errno,
				  "cannot run virtiofsd '%s' (--share; KVMINI_VIRTIOFSD): %s "
				  "(Debian: apt install qemu-system-common)",
				  prog, strerror(errno));
	if (!S_ISREG(st.st_mode) || access(prog, X_OK) < 0)
		return errbuf_set(err, errlen, -EACCES,
				  "cannot run virtiofsd '%s' (--share; KVMINI_VIRTIOFSD): not an "
				  "executable file",
				  prog);
	for (unsigned int i = 0; i < cfg->nshares; i++) {
		const char *dir = cfg->shares[i].dir;
		if (stat(dir, &st) < 0)
			return errbuf_set(err, errlen, -errno, "cannot share '%s' (--share): %s",
					  dir, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return errbuf_set(err, errlen, -ENOTDIR,
					  "cannot share '%s' (--share): not a directory", dir);
	}
	return 0;
}

/*
 * A listening socket in a fresh 0700 directory, and a connection to it
 * waiting in its backlog; the path is gone when this returns. 0 or -errno.
 */
static int make_socket_pair(int *listen_fd, int *conn_fd)
{
	char dir[] = "/tmp/kvmini-virtiofsd-XXXXXX";
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int l = -1, c = -1, err = 0;

	if (!mkdtemp(dir))
		return -errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", dir);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(l, 1) < 0 || connect(c, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		err = -errno;
	unlink(addr.sun_path);
	rmdir(dir);
	if (err) {
		if (l >= 0)
			close(l);
		if (c >= 0)
			close(c);
		return err;
	}
	*listen_fd = l;
	*conn_fd = c;
	return 0;
}

/* Child: make dir read-only in a mount namespace of our own (the host's mounts stay). */
static int remount_read_only(const char *dir, struct child_error *ce)
{
	ce->step = STEP_NAMESPACE;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -1;
	ce->step = STEP_MOUNT;
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return -1;
	return 0;
}

/* Child: set up and exec virtiofsd; on failure report on status_fd and exit. */
static void child(const struct share_config *share, int listen_fd, int status_fd, pid_t parent)
{
	const char *prog = virtiofsd_program();
	char source[4200];
	struct child_error ce = {STEP_EXEC, 0};

	/* Die with kvmini, whatever way it goes. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* kvmini died before the line above */
		_exit(127);
	/*
	 * kvmini blocks its stop signals (host/watch.c) and exec keeps the
	 * mask: virtiofsd would ignore our SIGTERM, and its sandboxed child
	 * the SIGTERM it asks for when its parent dies, and linger. Exec also
	 * keeps ignored signals ignored. Give it a clean slate.
	 */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* fails harmlessly for SIGKILL, SIGSTOP, unused numbers */
	/* Not the terminal: virtiofsd reads nothing from stdin. */
	int null = open("/dev/null", O_RDONLY);
	if (null > STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	snprintf(source, sizeof(source), "source=%s", share->dir);
	if ((share->read_only && remount_read_only(share->dir, &ce) < 0) ||
	    dup2(listen_fd, CHILD_LISTEN_FD) < 0 ||
	    /* dup2() onto itself keeps SOCK_CLOEXEC: clear it, the socket must survive exec. */
	    fcntl(CHILD_LISTEN_FD, F_SETFD, 0) < 0) {
		ce.err = errno;
		goto fail;
	}
	/*
	 * Only stdin/out/err and the socket go to virtiofsd (the status pipe is
	 * CLOEXEC). Its log level is err: at warn it prints "fv_remove_watch:
	 * TODO!" at every device reset, which is normal operation.
	 */
	close_range(CHILD_LISTEN_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
	char *const argv[] = {(char *)prog, "--fd=3",	     "-o", source, "-o", "cache=auto",
			      "-o",	    "log_level=err", NULL};
	execv(prog, argv);
	ce.err = errno;
	ce.step = STEP_EXEC;
fail:
	if (write(status_fd, &ce, sizeof(ce)) < 0)
		_exit(127);
	_exit(127);
}

static const char *step_name(int step)
{
	switch (step) {
	case STEP_NAMESPACE:
		return "cannot make a mount namespace for read-only";
	case STEP_MOUNT:
		return "cannot remount the directory read-only";
	default:
		return "cannot run virtiofsd";
	}
}

int virtiofsd_start(struct virtiofsd *d, const struct share_config *share, int *sock)
{
	int listen_fd = -1, conn_fd = -1, pipefd[2], err;
	struct child_error ce;

	d->pid = 0;
	d->pidfd = -1;
	if ((err = make_socket_pair(&listen_fd, &conn_fd))) {
		log_error("--share %s: cannot make the vhost-user socket: %s", share->tag,
			  strerror(-err));
		return err;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err = -errno;
		goto fail_sockets;
	}
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		goto fail_sockets;
	}
	if (pid == 0)
		child(share, listen_fd, pipefd[1], parent);
	close(pipefd[1]);
	close(listen_fd);
	d->pid = pid;
	d->pidfd = pidfd_open(pid, 0);
	/* The pipe closes at exec (CLOEXEC): no bytes means virtiofsd runs. */
	ssize_t n;
	do
		n = read(pipefd[0], &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == sizeof(ce)) {
		log_error("--share %s,%s: %s: %s", share->dir, share->tag, step_name(ce.step),
			  strerror(ce.err));
		virtiofsd_stop(d);
		close(conn_fd);
		return -ce.err;
	}
	if (d->pidfd < 0) {
		err = -errno;
		log_error("--share %s: cannot watch virtiofsd: %s", share->tag, strerror(errno));
		virtiofsd_stop(d);
		close(conn_fd);
		return err;
	}
	*sock = conn_fd;
	return 0;

fail_sockets:
	log_error("--share %s: cannot start virtiofsd: %s", share->tag, strerror(-err));
	close(listen_fd);
	close(conn_fd);
	return err;
}

static void describe(const siginfo_t *si, char *why, size_t size)
{
	if (si->si_code == CLD_EXITED)
		snprintf(why, size, "exited with status %d", si->si_status);
	else
		snprintf(why, size, "was killed by signal %d (%s)", si->si_status,
			 strsignal(si->si_status));
}

bool virtiofsd_exited(struct virtiofsd *d, char *why, size_t size)
{
	siginfo_t si = {0};

	if (d->pid <= 0)
		return false;
	if (waitid(P_PID, (id_t)d->pid, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return false;
	describe(&si, why, size);
	d->pid = 0;
	if (d->pidfd >= 0)
		close(d->pidfd);
	d->pidfd = -1;
	return true;
}

void virtiofsd_stop(struct virtiofsd *d)
{
	siginfo_t si;

	if (d->pid <= 0)
		return;
	if (d->pidfd >= 0) {
		struct pollfd p = {.fd = d->pidfd, .events = POLLIN};
		/* A pidfd is readable once the process has exited (pidfd_open(2)). */
		if (pidfd_send_signal(d->pidfd, SIGTERM, NULL, 0) == 0 &&
		    poll(&p, 1, VIRTIOFSD_STOP_MS) == 0)
			pidfd_send_signal(d->pidfd, SIGKILL, NULL, 0);
	} else {
		/* No pidfd (setup failed right after fork): the pid is still our unreaped child. */
		kill(d->pid, SIGKILL);
	}
	while (waitid(P_PID, (id_t)d->pid, &si, WEXITED) < 0 && errno == EINTR)
		;
	d->pid = 0;
	if (d->pidfd >= 0)
		close(d->pidfd);
	d->pidfd = -1;
}
