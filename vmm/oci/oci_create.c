// SPDX-License-Identifier: MIT
/*
 * `kvmini oci create` (runtime-spec 1.1.0, runtime.md "create"; runc's
 * exec.fifo pattern): validate, write the state, fork. The VMM process
 * is a fork of `kvmini oci create` that waits on ROOT/ID/exec.fifo and then
 * execs `kvmini run`: its pid never changes, so the pid file, the caller's
 * cgroup placement and its waitpid() all apply to the VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvm/host_quirks.h"
#include "oci/oci_cgroup.h"
#include "oci_agent_sh.h"
#include "oci/oci_config.h"
#include "oci/oci_console.h"
#include "oci/oci_create.h"
#include "oci/oci_files.h"
#include "oci/oci_log.h"
#include "oci/oci_state.h"
#include "oci/oci_vm.h"

/* Write text to path atomically (runc writes the pid file so, too). */
static int write_atomic(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	int ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/*
 * The VMM process, until exec: drop the state lock (its open file is shared
 * with the parent), take the terminal, tell the parent it waits, wait on the
 * FIFO for start, then become `kvmini run`. Never returns.
 */
static void vmm_child(int dirfd, int sync_fd, int tty, const char *fifo, const struct oci_vm *vm,
		      unsigned int preserve_fds)
{
	char one = '1';

	/* The VMM runs in the state directory: its --vsock socket is named from there. */
	if (fchdir(dirfd))
		_exit(1);
	close(dirfd);
	if (tty >= 0 && oci_console_attach(tty))
		_exit(1);
	if (write(sync_fd, &one, 1) != 1)
		_exit(1);
	close(sync_fd);
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, &one, 1) != 1)
		_exit(1);
	close(fd);
	/* Only stdio and the --preserve-fds ones reach the monitor. */
	for (int i = 3 + (int)preserve_fds; i < 1024; i++)
		fcntl(i, F_SETFD, FD_CLOEXEC);
	execv(vm->argv[0], (char *const *)vm->argv);
	_exit(127);
}

/*
 * The program the VMM process becomes: kvmini itself, or, for the tests of
 * the lifecycle on hosts without KVM, $KVMINI_OCI_TEST_VMM (a stand-in that
 * gets the same `run ...` arguments; then /dev/kvm is not asked for).
 */
static const char *vmm_program(void)
{
	const char *test = getenv(OCI_CREATE_TEST_VMM_ENV);

	return test && test[0] ? test : "/proc/self/exe";
}

/* Everything up to the fork: nothing is written under root before this succeeds. */
static int validate(const char *root, const char *id, const struct oci_create_opts *o,
		    struct oci_config *cfg, struct oci_vm *vm, char *bundle)
{
	char err[600], share[PATH_MAX], why[256];
	int ret;

	if ((ret = oci_state_check_id(id, err, sizeof(err))))
		goto fail;
	if (!realpath(o->bundle, bundle)) {
		ret = -errno;
		snprintf(err, sizeof(err), "bundle '%s' (--bundle): %s", o->bundle,
			 strerror(errno));
		goto fail;
	}
	if ((ret = oci_config_load(bundle, cfg, err, sizeof(err))))
		goto fail;
	snprintf(share, sizeof(share), "%s/%s/share", root, id);
	if ((ret = oci_vm_plan(cfg, bundle, share, vmm_program(), vm, err, sizeof(err))))
		goto fail;
	for (size_t i = 0; i < cfg->nwarnings; i++)
		oci_log(LOG_WARN, "%s/config.json: %s", bundle, cfg->warnings[i]);
	if (cfg->nwarnings_dropped)
		oci_log(LOG_WARN, "%s/config.json: %zu more warnings", bundle,
			cfg->nwarnings_dropped);
	if (cfg->terminal && o->detach && !o->console_socket) {
		ret = -EINVAL;
		snprintf(err, sizeof(err),
			 "process.terminal is true: a detached container needs "
			 "--console-socket");
		goto fail;
	}
	if (!cfg->terminal && o->console_socket) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "--console-socket needs process.terminal true");
		goto fail;
	}
	/* Last, so that every bad bundle is reported as such on any host. */
	if (strcmp(vmm_program(), "/proc/self/exe") == 0 &&
	    (ret = host_quirks_kvm_check("/dev/kvm", why, sizeof(why)))) {
		snprintf(err, sizeof(err), "cannot run container '%s': %s", id, why);
		goto fail;
	}
	return 0;
fail:
	oci_log(LOG_ERROR, "%s", err);
	return ret;
}

/* Write the NUL-terminated text to dir/name. 0 or -errno. */
static int write_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	int ret = fputs(text, f) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -EIO;
	return ret;
}

/*
 * The state directory's contents before the fork: share/agent.sh (the guest
 * agent, vmm/oci/agent.sh), share/process.sh, exec.fifo, state.json.
 */
static int prepare(int dirfd, const char *id, const char *bundle, const struct oci_config *cfg,
		   const struct oci_vm *vm, struct oci_state *st)
{
	char path[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	if (mkdirat(dirfd, "share", 0755))
		return -errno;
	if ((ret = write_text(vm->share, "agent.sh", oci_agent_sh)))
		return ret;
	if ((size_t)snprintf(path, sizeof(path), "%s/process.sh", vm->share) >= sizeof(path))
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	ret = oci_vm_write_process(cfg, f);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (ret || mkfifoat(dirfd, OCI_CREATE_FIFO, 0600))
		return ret ? ret : -errno;
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(st->bundle, sizeof(st->bundle), "%s", bundle);
	snprintf(st->rootfs, sizeof(st->rootfs), "%s", vm->rootfs);
	strftime(st->created, sizeof(st->created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	st->status = OCI_CREATING;
	st->owner = getuid();
	st->annotations = cfg->annotations ? json_object_get(cfg->annotations) : NULL;
	return oci_state_write(dirfd, st);
}

/* Fork the VMM process and wait until it waits on the FIFO. */
static int spawn(int dirfd, const char *root, const char *id, const struct oci_create_opts *o,
		 const struct oci_vm *vm, pid_t *pid)
{
	char fifo[PATH_MAX], err[512], byte;
	int sync[2], tty = -1, ret;

	snprintf(fifo, sizeof(fifo), "%s/%s/" OCI_CREATE_FIFO, root, id);
	if (o->console_socket &&
	    (ret = oci_console_send(o->console_socket, &tty, err, sizeof(err)))) {
		oci_log(LOG_ERROR, "%s", err);
		return ret;
	}
	if (pipe2(sync, O_CLOEXEC)) {
		ret = -errno;
		goto out;
	}
	*pid = fork();
	if (*pid == 0) {
		close(sync[0]);
		vmm_child(dirfd, sync[1], tty, fifo, vm, o->preserve_fds);
	}
	ret = *pid < 0 ? -errno : 0;
	close(sync[1]);
	if (!ret && read(sync[0], &byte, 1) != 1) {
		ret = -ECHILD;
		waitpid(*pid, NULL, 0);
	}
	close(sync[0]);
out:
	if (tty >= 0)
		close(tty);
	if (ret)
		oci_log(LOG_ERROR, "cannot start the VMM process of container '%s': %s", id,
			strerror(-ret));
	return ret;
}

/*
 * The VMM process, still waiting on the FIFO, joins linux.cgroupsPath, so
 * that the VM's threads and virtiofsd start there. A path kvmini cannot make
 * (systemd's form; any failure when not root, as runc's rootless mode
 * treats it) is a warning, and the VMM stays in the caller's cgroup.
 */
static int join_cgroup(const struct oci_config *cfg, pid_t pid, struct oci_state *st)
{
	char err[600];
	int ret = oci_cgroup_join(cfg->cgroups_path, pid, err, sizeof(err));

	if (!ret) {
		snprintf(st->cgroup, sizeof(st->cgroup), "%s", cfg->cgroups_path);
		return 0;
	}
	if (ret == -ENOTSUP || geteuid() != 0) {
		oci_log(LOG_WARN, "%s", err);
		return 0;
	}
	oci_log(LOG_ERROR, "%s", err);
	return ret;
}

int oci_create(const char *root, const char *id, const struct oci_create_opts *o, pid_t *pid)
{
	struct oci_config cfg = {0};
	struct oci_vm vm = {0};
	struct oci_state st = {0};
	char bundle[PATH_MAX], err[512], text[32];
	int dirfd = -1, ret;

	*pid = -1;
	if ((ret = validate(root, id, o, &cfg, &vm, bundle)))
		goto out;
	if ((ret = oci_state_create(root, id, &dirfd, err, sizeof(err)))) {
		oci_log(LOG_ERROR, "%s", err);
		goto out;
	}
	if ((ret = prepare(dirfd, id, bundle, &cfg, &vm, &st))) {
		oci_log(LOG_ERROR, "cannot write the state of container '%s' in %s: %s", id, root,
			strerror(-ret));
		goto undo;
	}
	/* The file bind mounts' snapshots (oci_files.h), before the VM exists. */
	if ((ret = oci_files_copy(&cfg, vm.share, err, sizeof(err)))) {
		oci_log(LOG_ERROR, "container '%s': %s", id, err);
		goto undo;
	}
	if ((ret = spawn(dirfd, root, id, o, &vm, pid)))
		goto undo;
	if (cfg.cgroups_path && cfg.cgroups_path[0] && (ret = join_cgroup(&cfg, *pid, &st))) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		goto undo;
	}
	st.pid = *pid;
	st.pid_start = oci_state_pid_start(*pid);
	st.status = OCI_CREATED;
	snprintf(text, sizeof(text), "%d", (int)*pid);
	if ((ret = oci_state_write(dirfd, &st)) ||
	    (o->pid_file && (ret = write_atomic(o->pid_file, text)))) {
		oci_log(LOG_ERROR, "cannot write %s of container '%s': %s",
			o->pid_file ? o->pid_file : "the state", id, strerror(-ret));
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		goto undo;
	}
	oci_log(LOG_DEBUG, "container '%s' created: VMM pid %d", id, (int)*pid);
	goto out;
undo:
	/* No leftover state: a failed create leaves ROOT as it found it. */
	oci_state_remove(root, id);
	*pid = -1;
out:
	if (dirfd >= 0)
		close(dirfd);
	oci_state_free(&st);
	oci_vm_free(&vm);
	oci_config_free(&cfg);
	return ret;
}
