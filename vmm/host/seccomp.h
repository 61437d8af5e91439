/* SPDX-License-Identifier: MIT */
/*
 * The monitor's system-call filter (seccomp, see seccomp(2) and
 * Documentation/userspace-api/seccomp_filter.rst in the Linux sources).
 *
 * A guest is hostile, and the device models parse what it writes. Once the VM
 * is set up, the monitor needs only a short list of system calls: KVM_RUN and
 * a few other KVM ioctls, reads and writes on descriptors it already holds,
 * epoll, futexes, memory for malloc. Everything else (opening files, sockets
 * but with --net user, --vsock or a control socket, exec, fork, new
 * executable memory) is refused, so that a bug in a device model that a
 * guest exploits gains little. vmm/host/seccomp_policy.c says why each call
 * is on the list; the build compiles it into the programs this loads one of
 * (vmm/host/seccomp_gen.c).
 *
 * A forbidden call does not return: the process prints
 *	kvmini: seccomp: forbidden system call 41 (socket)
 * on stderr, restores the terminal and exits with KVMINI_STATUS_SECCOMP.
 */
#ifndef KVMINI_SECCOMP_H
#define KVMINI_SECCOMP_H

#include <linux/filter.h> /* struct sock_fprog */
#include <sys/types.h>

#include "abi/kvmini_abi.h" /* KVMINI_STATUS_SECCOMP */

/*
 * What a run needs beyond every VM's calls: each bit selects a group of
 * vmm/host/seccomp_policy.c, and the build makes one program for each of
 * the SECCOMP_PROGRAMS combinations, so a plain run keeps the narrowest.
 */
enum seccomp_extras {
	/*
	 * host_socket_calls: a --net user NIC, --vsock or a control socket
	 * opens or accepts host sockets at run time (config_needs_host_sockets()).
	 */
	SECCOMP_HOST_SOCKETS = 1u << 0,
	/*
	 * snapshot_calls: the run may write a snapshot, --snapshot-on or the
	 * control socket's snapshot command (config_needs_snapshot_calls()).
	 */
	SECCOMP_SNAPSHOT = 1u << 1,
	SECCOMP_PROGRAMS = 4, /* every combination of the bits above */
};

/*
 * Install the filter on the calling thread; every thread it creates later
 * inherits it (and threads that already exist get it too: the filter is
 * installed with SECCOMP_FILTER_FLAG_TSYNC). Also installs the SIGSYS
 * handler that reports a violation, so SIGSYS must stay unblocked in every
 * thread (vcpus_start() leaves it so). Call after setup, just before
 * vcpus_start(). Sets no_new_privs first (prctl(2)), as the kernel requires.
 * Cannot be undone. 0 or -errno (logged); -EINVAL for extras outside
 * enum seccomp_extras.
 * In a sanitizer build (-Dsanitize=true) it installs nothing and returns 0:
 * the sanitizers' own run-time needs calls no filter should allow.
 * extras: a set of enum seccomp_extras bits, the groups of calls beyond
 * every VM's that this run needs (main.c asks vmm/config.h).
 */
int seccomp_install(unsigned int extras);

/*
 * The program seccomp_install(extras) loads in the process tgid: one of the
 * SECCOMP_PROGRAMS compiled at build time, with tgid as the only process
 * tgkill may signal. Points to static storage (one per program) that the
 * next call for the same program rewrites (tests and benchmarks call it; it
 * allocates nothing and calls nothing). NULL for extras outside enum
 * seccomp_extras.
 */
const struct sock_fprog *seccomp_program(pid_t tgid, unsigned int extras);

/*
 * The name of native system call nr, as libseccomp knew it at build time, for
 * the message of a forbidden call; NULL if unknown. Async-signal-safe.
 */
const char *seccomp_call_name(int nr);

#endif /* KVMINI_SECCOMP_H */
