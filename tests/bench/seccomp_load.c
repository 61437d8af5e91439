// SPDX-License-Identifier: MIT
/*
 * seccomp_load: what installing the monitor's system-call filter costs, the
 * old way and the new (docs/benchmarks.md, "System-call filter").
 *
 * Usage: seccomp_load [ROUNDS]   (default 200 of each; prints medians and their ratio)
 *
 * A filter cannot be removed, so every sample is a fresh child process
 * (fork), which times one install with CLOCK_MONOTONIC and writes the
 * nanoseconds to a pipe (write and exit are allowed by the filter). The two
 * ways (and the floor) alternate, so drift in the machine's load hits both alike:
 *   run time     what seccomp_install() did before the filter was compiled
 *                at build time: the SIGSYS handler, the 512 call names
 *                looked up in libseccomp, the filter built from the policy
 *                (seccomp_policy_filter) and loaded by libseccomp
 *                (seccomp_load: no_new_privs, BPF generation, seccomp(2));
 *   build time   seccomp_install() now: the SIGSYS handler, no_new_privs, the
 *                generated program with the pid written in, seccomp(2).
 * Needs no /dev/kvm. Exits 77 in a sanitizer build (-Dsanitize=true), where
 * seccomp_install() installs nothing.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/seccomp.h"
#include "host/seccomp_policy.h"

#define MAX_ROUNDS 10000

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_sigsys(int sig)
{
	(void)sig;
	_exit(121);
}

/* The old seccomp_install(), as it was before the build-time program. */
static int install_at_run_time(void)
{
	struct sigaction sa = {.sa_handler = on_sigsys};
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -1;
	for (int nr = 0; nr < 512; nr++)
		free(seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr));
	scmp_filter_ctx ctx = seccomp_policy_filter((uint32_t)getpid(), 0);
	if (!ctx)
		return -1;
	int ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

/* seccomp_install() now, for a VM without --net user (the common case). */
static int install_at_build_time(void)
{
	return seccomp_install(0);
}

/*
 * Does seccomp_install() install a filter in this build? In a child: with
 * the filter, prctl is forbidden and the child exits from the SIGSYS
 * handler with KVMINI_STATUS_SECCOMP (its message goes to /dev/null).
 */
static int installs_a_filter(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, STDERR_FILENO) < 0)
			_exit(1);
		_exit(seccomp_install(0) == 0 && prctl(PR_GET_SECCOMP) == 0 ? 0 : 1);
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == KVMINI_STATUS_SECCOMP;
}

/* The least any filter costs: the kernel's part alone. */
static int install_floor(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
}

/* One install in a child process: its duration in ns, or 0 if it failed. */
static uint64_t time_install(int (*install)(void))
{
	int fds[2];
	uint64_t ns = 0;

	if (pipe(fds) < 0)
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t start = now_ns();
		int ret = install();
		uint64_t took = now_ns() - start;
		if (ret == 0 && write(fds[1], &took, sizeof(took)) != sizeof(took))
			_exit(1);
		_exit(ret ? 1 : 0);
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = 0;
	close(fds[0]);
	int status;
	if (pid > 0 &&
	    (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0))
		ns = 0;
	return ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sort v and print its median and 10th-90th percentiles in microseconds; the median. */
static double report(const char *what, uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	double median = v[n / 2] / 1e3;
	printf("  %-40s %8.1f us  (%.1f-%.1f)\n", what, median, v[n / 10] / 1e3,
	       v[n * 9 / 10] / 1e3);
	return median;
}

int main(int argc, char **argv)
{
	static uint64_t old_ns[MAX_ROUNDS], new_ns[MAX_ROUNDS], floor_ns[MAX_ROUNDS];
	int rounds = argc > 1 ? atoi(argv[1]) : 200;

	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: seccomp_load [ROUNDS (1-%d)]\n", MAX_ROUNDS);
		return 2;
	}
	if (!installs_a_filter()) {
		printf("SKIP: seccomp_install() installs no filter in this build (a sanitizer build)\n");
		return 77;
	}
	/* Touch both paths' code and data once here, so no child pays for it alone. */
	seccomp_release(seccomp_policy_filter((uint32_t)getpid(), 0));
	seccomp_program(getpid(), 0);

	for (int i = 0; i < rounds; i++) {
		old_ns[i] = time_install(install_at_run_time);
		new_ns[i] = time_install(install_at_build_time);
		floor_ns[i] = time_install(install_floor);
		if (!old_ns[i] || !new_ns[i] || !floor_ns[i]) {
			fprintf(stderr, "seccomp_load: an install failed in round %d\n", i);
			return 1;
		}
	}
	printf("seccomp filter install, %d fresh processes each, median (10th-90th percentile):\n",
	       rounds);
	double old_us = report("libseccomp at run time (before)", old_ns, rounds);
	double new_us = report("program compiled at build time (now)", new_ns, rounds);
	double floor_us = report("kernel floor (one-instruction filter)", floor_ns, rounds);
	printf("  ratio run time / build time: %.1fx\n", old_us / new_us);
	if (new_us > floor_us)
		printf("  ratio above the floor: %.1fx\n",
		       (old_us - floor_us) / (new_us - floor_us));
	return 0;
}
