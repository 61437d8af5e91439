/* SPDX-License-Identifier: MIT */
/*
 * The monitor's system-call allow-list (vmm/host/seccomp_policy.c), turned
 * into a libseccomp filter (vmm/host/seccomp_policy_program.c). Only build-time and test code links
 * this: vmm/host/seccomp_gen.c compiles the filter into a BPF program when kvmini is built, and the
 * monitor (vmm/host/seccomp.c) loads that program without libseccomp.
 * tests/unit/test_seccomp_policy.c checks that the compiled program is still what libseccomp makes
 * of this policy.
 */
#ifndef KVMINI_SECCOMP_POLICY_H
#define KVMINI_SECCOMP_POLICY_H

#include <linux/filter.h> /* struct sock_filter */
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "host/seccomp.h" /* enum seccomp_extras */

/*
 * tgkill is allowed towards the monitor's own process only, and its pid is
 * known at run time only. The build-time program carries this value in its
 * place, and seccomp_program() (vmm/host/seccomp.c) writes the pid over it.
 * It is above any pid (the kernel's PID_MAX_LIMIT is 2^22, proc(5)), so a
 * program that was not filled in allows no tgkill at all.
 */
#define SECCOMP_POLICY_PID_PLACEHOLDER 0x7ead7eadu

/*
 * The filter of the policy for the process tgid (SECCOMP_POLICY_PID_PLACEHOLDER
 * for the build-time program): forbidden calls trap (SIGSYS), calls through
 * another ABI too, and it is to be loaded on every thread (TSYNC). extras
 * (enum seccomp_extras, host/seccomp.h) adds groups of calls: the run-time
 * socket calls (host_socket_calls) for SECCOMP_HOST_SOCKETS, the snapshot
 * writer's (snapshot_calls) for SECCOMP_SNAPSHOT. NULL on error (also for
 * unknown extras), with a message on stderr. Free it with seccomp_release().
 */
scmp_filter_ctx seccomp_policy_filter(uint32_t tgid, unsigned int extras);

/*
 * Add the policy's rules to ctx: the base tables, the groups extras asks
 * for, tgid in place of SECCOMP_POLICY_PID_PLACEHOLDER. The tables' walk,
 * in seccomp_policy.c; seccomp_policy_filter() (seccomp_policy_program.c)
 * calls it on a fresh filter. 0, or -errno with a message on stderr.
 */
int seccomp_policy_add_rules(scmp_filter_ctx ctx, uint32_t tgid, unsigned int extras);

/*
 * The BPF program libseccomp makes of seccomp_policy_filter(tgid, extras)
 * (seccomp_export_bpf): *code is malloc'ed, *len instructions long.
 * 0, or -errno with a message on stderr.
 */
int seccomp_policy_export(uint32_t tgid, unsigned int extras, struct sock_filter **code,
			  size_t *len);

#endif /* KVMINI_SECCOMP_POLICY_H */
