// SPDX-License-Identifier: MIT
/*
 * ns_floor: the container floor. The least a process can do to start a
 * command "in a container": new PID, mount, UTS, IPC and network
 * namespaces, pivot_root into a root file system directory, exec. No
 * cgroups, no seccomp filter, no capability dropping, no /proc or /dev
 * mounts: everything an OCI runtime such as runc adds on top is missing on
 * purpose, so that kvmini-bench can show what the kernel's part costs.
 *
 * Usage: ns_floor ROOTFS COMMAND [ARG...]
 *   COMMAND is a path inside ROOTFS. The exit status is the command's, or
 *   128 + signal number if it was killed, or 125 if the setup failed.
 *   Needs CAP_SYS_ADMIN (run as root), like runc without user namespaces.
 *
 * The steps follow clone(2), mount_namespaces(7) and pivot_root(2).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SETUP_FAILED 125

struct child_args {
	const char *rootfs;
	char **argv; /* command and its arguments, NULL-terminated */
};

/* Print "ns_floor: WHAT: strerror(errno)" and return the setup-failure status. */
static int fail(const char *what)
{
	fprintf(stderr, "ns_floor: %s: %s\n", what, strerror(errno));
	return SETUP_FAILED;
}

/*
 * Make rootfs the root of this (new) mount namespace. Mount events must not
 * propagate back to the host, so everything is made private first. The
 * new root must be a mount point, hence the bind mount onto itself.
 * pivot_root(".", ".") stacks the old root on top of the new one; unmounting
 * "." then removes it, with no put_old directory needed (pivot_root(2),
 * NOTES). Returns 0 or a status for the parent.
 */
static int enter_rootfs(const char *rootfs)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("make / private");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail("bind-mount the root file system");
	if (chdir(rootfs) < 0)
		return fail("chdir to the root file system");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return fail("unmount the old root");
	if (chdir("/") < 0)
		return fail("chdir /");
	return 0;
}

/* Runs as PID 1 of the new PID namespace. Only returns on failure. */
static int child_main(void *opaque)
{
	const struct child_args *args = opaque;
	int ret = enter_rootfs(args->rootfs);

	if (ret)
		return ret;
	execv(args->argv[0], args->argv);
	return fail(args->argv[0]);
}

int main(int argc, char **argv)
{
	/* clone() runs child_main on this stack; stacks grow down on x86. */
	static char stack[64 * 1024] __attribute__((aligned(16)));
	struct child_args args;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: ns_floor ROOTFS COMMAND [ARG...]\n");
		return 2;
	}
	args.rootfs = argv[1];
	args.argv = argv + 2;
	int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
	pid_t pid = clone(child_main, stack + sizeof(stack), flags | SIGCHLD, &args);
	if (pid < 0)
		return fail("clone with new namespaces (needs root)");
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return fail("waitpid");
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
