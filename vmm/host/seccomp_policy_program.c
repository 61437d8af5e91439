// SPDX-License-Identifier: MIT
/*
 * The allow-list's program builder: a libseccomp filter with the policy's
 * default action and attributes, filled from the tables in
 * seccomp_policy.c (seccomp_policy_add_rules()), and its export as a BPF
 * program (which vmm/host/seccomp_gen.c writes into the build). To change
 * what a VM may call, edit the tables, not this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/seccomp_policy.h"
#include "host/seccomp_policy_program.h"

/* seccomp_rule_add for a call by name; -errno with a message. */
int seccomp_policy_program_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
				unsigned int nargs, const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		fprintf(stderr, "seccomp: system call '%s' is unknown to libseccomp\n", name);
		return -EINVAL;
	}
	int ret = seccomp_rule_add_array(ctx, action, nr, nargs, args);
	if (ret)
		fprintf(stderr, "seccomp: cannot add a rule for %s: %s\n", name, strerror(-ret));
	return ret;
}

/* The ioctl requests of table reqs (n of them) by request number (argument 1). */
int seccomp_policy_program_ioctls(scmp_filter_ctx ctx, const unsigned long *reqs, size_t n)
{
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		struct scmp_arg_cmp req = SCMP_A1(SCMP_CMP_EQ, reqs[i]);
		ret = seccomp_policy_program_rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, &req);
	}
	return ret;
}

scmp_filter_ctx seccomp_policy_filter(uint32_t tgid, unsigned int extras)
{
	if (extras >= SECCOMP_PROGRAMS) {
		fprintf(stderr, "seccomp: no such group of calls: %#x\n", extras);
		return NULL;
	}
	/* Anything not allowed: SIGSYS, which seccomp.c's on_sigsys() reports. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		fprintf(stderr, "seccomp: cannot create a filter\n");
		return NULL;
	}
	/*
	 * A call through another ABI (int $0x80, x32) would get around a
	 * filter written for x86-64 numbers: trap those too.
	 */
	int ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (!ret)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!ret)
		ret = seccomp_policy_add_rules(ctx, tgid, extras);
	if (ret) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

int seccomp_policy_export(uint32_t tgid, unsigned int extras, struct sock_filter **code,
			  size_t *len)
{
	scmp_filter_ctx ctx = seccomp_policy_filter(tgid, extras);
	if (!ctx)
		return -EINVAL;

	/* libseccomp 2.5 exports to a file descriptor only: go through a temporary file. */
	FILE *tmp = tmpfile();
	struct stat st;
	int ret = 0;
	if (!tmp || (ret = seccomp_export_bpf(ctx, fileno(tmp))) != 0 ||
	    fstat(fileno(tmp), &st) < 0) {
		ret = ret ? ret : -errno;
		fprintf(stderr, "seccomp: cannot export the filter: %s\n", strerror(-ret));
		goto out;
	}
	size_t size = (size_t)st.st_size;
	if (size == 0 || size % sizeof(**code) != 0) {
		fprintf(stderr, "seccomp: the exported filter has %zu bytes\n", size);
		ret = -EINVAL;
		goto out;
	}
	*code = malloc(size);
	if (!*code || pread(fileno(tmp), *code, size, 0) != (ssize_t)size) {
		ret = *code ? -EIO : -ENOMEM;
		fprintf(stderr, "seccomp: cannot read the exported filter back\n");
		free(*code);
		*code = NULL;
		goto out;
	}
	*len = size / sizeof(**code);
out:
	if (tmp)
		fclose(tmp);
	seccomp_release(ctx);
	return ret;
}
