/* SPDX-License-Identifier: MIT */
/*
 * Turning the allow-list (vmm/host/seccomp_policy.c, the tables) into a
 * libseccomp filter and a BPF program (seccomp_policy_program.c): the rule
 * helpers the tables' walk uses. Build-time and test code only, like
 * host/seccomp_policy.h.
 */
#ifndef KVMINI_SECCOMP_POLICY_PROGRAM_H
#define KVMINI_SECCOMP_POLICY_PROGRAM_H

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

/*
 * seccomp_rule_add for the system call called name: action when its nargs
 * argument tests args all pass. 0, or -errno with a message on stderr (also
 * for a name libseccomp does not know: -EINVAL).
 */
int seccomp_policy_program_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
				unsigned int nargs, const struct scmp_arg_cmp *args);

/*
 * Allow ioctl with each of the n requests in reqs (argument 1 equal to it).
 * 0, or -errno with a message on stderr.
 */
int seccomp_policy_program_ioctls(scmp_filter_ctx ctx, const unsigned long *reqs, size_t n);

#endif /* KVMINI_SECCOMP_POLICY_PROGRAM_H */
