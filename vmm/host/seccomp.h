/* SPDX-License-Identifier: MIT */
/*
 * The monitor's system-call filter (seccomp, see seccomp(2) and
 * Documentation/userspace-api/seccomp_filter.rst in the Linux sources).
 *
 * A guest is hostile, and the device models parse what it writes. Once the VM
 * is set up, the monitor needs only a short list of system calls: KVM_RUN and
 * a few other KVM ioctls, reads and writes on descriptors it already holds,
 * epoll, futexes, memory for malloc. Everything else (opening files, sockets,
 * exec, fork, new executable memory) is refused, so that a bug in a device
 * model that a guest exploits gains little. vmm/host/seccomp.c says why each call
 * is on the list.
 *
 * A forbidden call does not return: the process prints
 *	kvmini: seccomp: forbidden system call 41 (socket)
 * on stderr, restores the terminal and exits with KVMINI_STATUS_SECCOMP.
 */
#ifndef KVMINI_SECCOMP_H
#define KVMINI_SECCOMP_H

#include <stdbool.h>

#include "abi/kvmini_abi.h" /* KVMINI_STATUS_SECCOMP */

/*
 * Exit status after a forbidden system call. Next to the statuses of
 * include/abi/kvmini_abi.h (122-125), below them so as not to collide.
 */

/*
 * Install the filter on the calling thread; every thread it creates later
 * inherits it (and threads that already exist get it too: the filter is
 * installed with SECCOMP_FILTER_FLAG_TSYNC). Also installs the SIGSYS
 * handler that reports a violation, so SIGSYS must stay unblocked in every
 * thread (vcpus_start() leaves it so). Call after setup, just before
 * vcpus_start(). Cannot be undone. 0 or -errno (logged).
 * In a sanitizer build (-Dsanitize=true) it installs nothing and returns 0:
 * the sanitizers' own run-time needs calls no filter should allow.
 * user_net: a --net user NIC exists, whose libslirp opens host sockets at
 * run time; only then are socket(), connect() and the like allowed.
 */
int seccomp_install(bool user_net);

#endif /* KVMINI_SECCOMP_H */
