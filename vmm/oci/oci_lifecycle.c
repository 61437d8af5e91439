// SPDX-License-Identifier: MIT
/*
 * start, kill, delete and run (runtime-spec 1.1.0, runtime.md
 * "Operations"). Each takes the lock of ROOT/ID, reads state.json, and
 * judges the status by whether the recorded VMM process still lives.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci/oci_cgroup.h"
#include "oci/oci_lifecycle.h"
#include "oci/oci_log.h"
#include "oci/oci_signal.h"
#include "oci/oci_state.h"

#define START_WAIT_MS  10000 /* a VMM that waits on the FIFO answers at once */
#define DELETE_WAIT_MS 5000  /* for a SIGKILLed VMM to go */

/* Lock and read ROOT/ID, status as it is now. 0 or -errno (logged). */
static int open_state(const char *root, const char *id, int *dirfd, struct oci_state *st)
{
	char err[512];
	int ret = oci_state_open(root, id, dirfd, st, err, sizeof(err));

	if (ret)
		oci_log(LOG_ERROR, "%s", err);
	else
		oci_state_refresh(st);
	return ret;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/*
 * Read the VMM's byte from the FIFO. Non-blocking, so that a VMM that died
 * before start (no writer ever comes) is noticed instead of waited on.
 */
static int release_vmm(int dirfd, struct oci_state *st)
{
	char byte;
	int fd = openat(dirfd, OCI_CREATE_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (long waited = 0; waited < START_WAIT_MS; waited++) {
		ssize_t n = read(fd, &byte, 1);
		if (n == 1) {
			close(fd);
			unlinkat(dirfd, OCI_CREATE_FIFO, 0);
			return 0;
		}
		if (n < 0 && errno != EAGAIN)
			break;
		oci_state_refresh(st);
		if (st->status == OCI_STOPPED)
			break;
		sleep_ms(1);
	}
	close(fd);
	return -ECHILD;
}

int oci_lifecycle_start(const char *root, const char *id)
{
	struct oci_state st;
	int dirfd, ret = open_state(root, id, &dirfd, &st);

	if (ret)
		return ret;
	if (st.status != OCI_CREATED) {
		oci_log(LOG_ERROR, "cannot start container '%s': it is %s, not created", id,
			oci_state_status_name(st.status));
		ret = -EINVAL;
	} else if ((ret = release_vmm(dirfd, &st))) {
		oci_log(LOG_ERROR, "cannot start container '%s': its VMM process (pid %d) %s", id,
			(int)st.pid, ret == -ECHILD ? "has exited" : strerror(-ret));
	} else {
		st.status = OCI_RUNNING;
		if ((ret = oci_state_write(dirfd, &st)))
			oci_log(LOG_ERROR, "container '%s' started, but its state.json: %s", id,
				strerror(-ret));
	}
	oci_state_free(&st);
	close(dirfd);
	return ret;
}

int oci_lifecycle_parse_signal(const char *s)
{
	char *end;

	if (s[0] >= '0' && s[0] <= '9') {
		long n = strtol(s, &end, 10);
		return *end || n >= NSIG ? -1 : (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);
		if (name && strcasecmp(name, s) == 0)
			return sig;
	}
	return -1;
}

bool oci_lifecycle_signal_ok(int sig)
{
	switch (sig) {
	case 0:
	case SIGTERM:
	case SIGINT:
	case SIGHUP:
	case SIGKILL:
	case SIGSTOP:
	case SIGCONT:
		return true;
	default:
		return false;
	}
}

/*
 * How long each step of a signal's way into the guest may take: guest kernel
 * code may be emulated (slow) on some hosts, and podman stop waits 10 s
 * before it sends KILL.
 */
#define OCI_LIFECYCLE_SIGNAL_TIMEOUT_MS 3000

/*
 * A running container's process gets every signal but KILL, STOP, CONT and 0
 * itself, through the guest agent (oci_signal.c), as runc's process would.
 * Without that channel (a guest with no vsock, or before the agent listens)
 * TERM, INT and HUP fall back to ending the VM, which ends the process too;
 * other signals have nowhere to go. 0 or -errno.
 */
static int kill_in_guest(int dirfd, const struct oci_state *st, const char *id, int sig)
{
	char why[160];
	int ret = oci_signal_guest(dirfd, sig, OCI_LIFECYCLE_SIGNAL_TIMEOUT_MS, why, sizeof(why));

	if (!ret) {
		oci_log(LOG_DEBUG, "container '%s': signal %d went to its process in the guest", id,
			sig);
		return 0;
	}
	if (!oci_lifecycle_signal_ok(sig)) {
		oci_log(LOG_ERROR,
			"cannot send signal %d (%s) to container '%s': no channel to the guest's "
			"process (%s); without one, TERM, INT and HUP stop the VM, KILL kills "
			"it, STOP and CONT freeze and thaw it",
			sig, strsignal(sig), id, why);
		return -ENOTSUP;
	}
	oci_log(LOG_WARN, "container '%s': no channel to its process (%s): signal %d stops the VM",
		id, why, sig);
	return kill(st->pid, sig) ? -errno : 0;
}

int oci_lifecycle_kill(const char *root, const char *id, int sig, bool all)
{
	bool to_guest = sig != 0 && sig != SIGKILL && sig != SIGSTOP && sig != SIGCONT;
	struct oci_state st;
	int dirfd, ret;

	if ((ret = open_state(root, id, &dirfd, &st)))
		return ret;
	if (st.status == OCI_STOPPED && all) {
		/*
		 * runc: --all signals every process left in the container's
		 * cgroup, none or a few for a stopped one, and succeeds:
		 * containerd's shim sends it after the container's exit.
		 */
		if (st.cgroup[0])
			oci_cgroup_signal(st.cgroup, sig);
		ret = 0;
	} else if (st.status != OCI_CREATED && st.status != OCI_RUNNING &&
		   st.status != OCI_PAUSED) {
		oci_log(LOG_ERROR, "cannot kill container '%s': it is %s", id,
			oci_state_status_name(st.status));
		ret = -ESRCH;
	} else if (st.pid <= 0) {
		/* Never kill(0) or kill(-1): a "creating" state from a create that died has no pid.
		 */
		oci_log(LOG_ERROR, "cannot kill container '%s': it has no process", id);
		ret = -ESRCH;
	} else if (st.status == OCI_RUNNING && to_guest && !all) {
		if ((ret = kill_in_guest(dirfd, &st, id, sig)) && ret != -ENOTSUP)
			oci_log(LOG_ERROR, "cannot kill container '%s' (pid %d): %s", id,
				(int)st.pid, strerror(-ret));
	} else if (!oci_lifecycle_signal_ok(sig)) {
		/* Created (no process yet), paused, or --all: only the VM can be signalled. */
		oci_log(LOG_ERROR,
			"cannot send signal %d (%s) to container '%s' while it is %s%s: only "
			"TERM, INT and HUP (stop the VM), KILL, STOP and CONT reach it then",
			sig, strsignal(sig), id, oci_state_status_name(st.status),
			all ? " with --all" : "");
		ret = -ENOTSUP;
	} else if (kill(st.pid, sig)) {
		ret = -errno;
		oci_log(LOG_ERROR, "cannot kill container '%s' (pid %d): %s", id, (int)st.pid,
			strerror(errno));
	} else if (all && st.cgroup[0]) {
		/* And what the VMM started there (virtiofsd), as runc's --all. */
		oci_cgroup_signal(st.cgroup, sig);
	}
	oci_state_free(&st);
	close(dirfd);
	return ret;
}

int oci_lifecycle_pause(const char *root, const char *id, bool pause)
{
	enum oci_status from = pause ? OCI_RUNNING : OCI_PAUSED;
	struct oci_state st;
	int dirfd, ret = open_state(root, id, &dirfd, &st);

	if (ret)
		return ret;
	if (st.status != from) {
		oci_log(LOG_ERROR, "cannot %s container '%s': it is %s, not %s",
			pause ? "pause" : "resume", id, oci_state_status_name(st.status),
			oci_state_status_name(from));
		ret = -EINVAL;
	} else if (kill(st.pid, pause ? SIGSTOP : SIGCONT)) {
		ret = -errno;
		oci_log(LOG_ERROR, "cannot %s container '%s' (pid %d): %s",
			pause ? "pause" : "resume", id, (int)st.pid, strerror(errno));
	} else {
		st.status = pause ? OCI_PAUSED : OCI_RUNNING;
		if ((ret = oci_state_write(dirfd, &st)))
			oci_log(LOG_ERROR, "container '%s' %s, but its state.json: %s", id,
				pause ? "paused" : "resumed", strerror(-ret));
	}
	oci_state_free(&st);
	close(dirfd);
	return ret;
}

/* SIGKILL the VMM and wait (bounded) until it is gone or a zombie. */
static int kill_and_wait(struct oci_state *st)
{
	/* Never kill(0) or kill(-1): a "creating" state from a create that died has no pid. */
	if (st->pid <= 0)
		return 0;
	if (kill(st->pid, SIGKILL) && errno != ESRCH)
		return -errno;
	for (long waited = 0; waited < DELETE_WAIT_MS; waited += 10) {
		/* Our own child (run): reap it, or it stays a zombie. */
		waitpid(st->pid, NULL, WNOHANG);
		oci_state_refresh(st);
		if (st->status == OCI_STOPPED)
			return 0;
		sleep_ms(10);
	}
	return -ETIMEDOUT;
}

int oci_lifecycle_delete(const char *root, const char *id, bool force)
{
	struct oci_state st;
	char err[512];
	int dirfd, ret = oci_state_open(root, id, &dirfd, &st, err, sizeof(err));

	/*
	 * runc: delete --force of a container that does not exist succeeds
	 * (podman and containerd's shim clean up so after a failed create), and
	 * removes a directory that a create which died left without state.json.
	 */
	if (ret == -ENOENT && force) {
		ret = oci_state_remove(root, id);
		return ret == -ENOENT ? 0 : ret;
	}
	if (ret) {
		oci_log(LOG_ERROR, "%s", err);
		return ret;
	}
	oci_state_refresh(&st);
	if ((st.status == OCI_RUNNING || st.status == OCI_PAUSED) && !force) {
		oci_log(LOG_ERROR,
			"cannot delete container '%s': it is %s (stop it, or use --force)", id,
			oci_state_status_name(st.status));
		ret = -EBUSY;
		goto out;
	}
	/* runc deletes a created container without --force, killing its waiting process. */
	if (st.status != OCI_STOPPED && (ret = kill_and_wait(&st))) {
		oci_log(LOG_ERROR,
			"cannot delete container '%s': its VMM process (pid %d) did not "
			"end: %s",
			id, (int)st.pid, strerror(-ret));
		goto out;
	}
	/* The VMM is gone (runc destroys the cgroup at delete, too). */
	if (st.cgroup[0])
		oci_cgroup_remove(st.cgroup);
	if ((ret = oci_state_remove(root, id)))
		oci_log(LOG_ERROR, "cannot remove the state of container '%s' in %s: %s", id, root,
			strerror(-ret));
out:
	oci_state_free(&st);
	close(dirfd);
	return ret;
}

/*
 * The status the guest agent wrote to share/exit-status (docs/containers.md):
 * the container's own, which a monitor status (1 setup error, 122 stopped by
 * a signal) cannot be mistaken for. -1 when there is none.
 */
static int agent_status(const char *root, const char *id)
{
	char path[PATH_MAX];
	int code = -1;

	snprintf(path, sizeof(path), "%s/%s/share/exit-status", root, id);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &code) != 1 || code < 0 || code > 255)
		code = -1;
	fclose(f);
	return code;
}

/* The signals run passes on (run_wait()), blocked from create to the VMM's end. */
static void run_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

/*
 * Wait for the VMM process, passing SIGINT, SIGTERM and SIGHUP on as kill
 * does (to the container's process in the guest, else to the VMM), as runc
 * run passes them to the container. They are blocked (run_signals()) and
 * taken with sigwaitinfo() beside SIGCHLD, so none is lost between two
 * waits. Returns waitpid's status, or -1.
 */
static int run_wait(const char *root, const char *id, pid_t pid)
{
	siginfo_t info;
	sigset_t set;
	int status = -1;

	run_signals(&set);
	for (;;) {
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid || (done < 0 && errno != EINTR))
			break;
		int sig = sigwaitinfo(&set, &info);
		if (sig > 0 && sig != SIGCHLD)
			oci_lifecycle_kill(root, id, sig, false);
	}
	return status;
}

int oci_lifecycle_run(const char *root, const char *id, const struct oci_create_opts *o)
{
	sigset_t set, old;
	pid_t pid;
	int status;

	if (oci_create(root, id, o, &pid))
		return 1;
	/* After create's fork: the VMM process keeps the caller's signal mask. */
	run_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (oci_lifecycle_start(root, id)) {
		oci_lifecycle_delete(root, id, true);
		return 1;
	}
	if (o->detach)
		return 0;
	status = run_wait(root, id, pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (status < 0)
		return 1;
	int agent = agent_status(root, id);
	if (!o->keep)
		oci_lifecycle_delete(root, id, true);
	if (agent >= 0)
		return agent;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
