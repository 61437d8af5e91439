// SPDX-License-Identifier: MIT
/*
 * seccomp_gen OUTPUT: compile the monitor's system-call policy
 * (vmm/host/seccomp_policy.c) into a C header, at build time.
 *
 * Building a filter with libseccomp costs a few tenths of a millisecond at
 * every VM start (docs/benchmarks.md, "System-call filter"), and the result
 * is the same every time but for one number, the monitor's pid in the
 * tgkill rule. So the build runs this program (vmm/meson.build), which asks
 * libseccomp for the BPF programs (seccomp_export_bpf) and writes each out as
 * an array of struct sock_filter, with the positions of its pid, one for
 * each set of extras (enum seccomp_extras, host/seccomp.h):
 *   seccomp_bpf_code_0      every VM's calls
 *   seccomp_bpf_code_1      and the host-socket calls (--net user, --vsock,
 *                           a control socket)
 *   seccomp_bpf_code_2      and the snapshot writer's (--snapshot-on)
 *   seccomp_bpf_code_3      both (a control socket, which can ask for a
 *                           snapshot, or --snapshot-on with --vsock)
 * and the table seccomp_bpf_programs[extras] of them.
 * vmm/host/seccomp.c picks one, fills in the pid and loads it with one
 * seccomp(2) call. The header also holds what the SIGSYS handler needs: the
 * native architecture's AUDIT_ARCH_ value and the names of the system calls.
 *
 * tests/unit/test_seccomp_policy.c checks that the header still equals what
 * libseccomp makes of the policy, every program.
 */
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>

#include "host/seccomp_policy.h"

/* Names for the SIGSYS message: x86-64 numbers its calls below this. */
#define NAMED_CALLS 512

/*
 * Write the program of the policy with extras (enum seccomp_extras) as
 * seccomp_bpf_code_EXTRAS, and where the pid goes as seccomp_bpf_pid_at_EXTRAS;
 * its length goes to *len and the number of pid positions to *npid. -1 if
 * the program cannot be made or the placeholder is not where expected.
 */
static int write_program(FILE *out, unsigned int extras, size_t *len, size_t *npid)
{
	struct sock_filter *code;
	size_t pid_at[8];

	*npid = 0;
	if (seccomp_policy_export(SECCOMP_POLICY_PID_PLACEHOLDER, extras, &code, len))
		return -1;
	fprintf(out, "static const struct sock_filter seccomp_bpf_code_%u[%zu] = {\n", extras,
		*len);
	for (size_t i = 0; i < *len; i++) {
		fprintf(out, "\t{0x%04x, %u, %u, 0x%08x},\n", code[i].code, code[i].jt, code[i].jf,
			code[i].k);
		if (code[i].k != SECCOMP_POLICY_PID_PLACEHOLDER)
			continue;
		/* A comparison with the pid, "jeq #pid": nothing else may carry the value. */
		if (code[i].code != (BPF_JMP | BPF_JEQ | BPF_K) ||
		    *npid == sizeof(pid_at) / sizeof(*pid_at)) {
			fprintf(stderr,
				"seccomp_gen: program %u: instruction %zu holds the pid "
				"placeholder\n",
				extras, i);
			free(code);
			return -1;
		}
		pid_at[(*npid)++] = i;
	}
	free(code);
	fprintf(out, "};\n\n");
	if (*npid == 0) {
		fprintf(stderr, "seccomp_gen: program %u: no tgkill pid comparison\n", extras);
		return -1;
	}
	fprintf(out, "/* Where seccomp_program() writes the pid (tgkill's first argument). */\n");
	fprintf(out, "static const unsigned short seccomp_bpf_pid_at_%u[%zu] = {", extras, *npid);
	for (size_t i = 0; i < *npid; i++)
		fprintf(out, "%s%zu", i ? ", " : "", pid_at[i]);
	fprintf(out, "};\n\n");
	return 0;
}

/* Every program, and the table seccomp.c picks from. 0 or -1. */
static int write_programs(FILE *out)
{
	size_t len[SECCOMP_PROGRAMS], npid[SECCOMP_PROGRAMS], longest = 0;

	for (unsigned int extras = 0; extras < SECCOMP_PROGRAMS; extras++) {
		fprintf(out, "/* Extras %#x (enum seccomp_extras). */\n", extras);
		if (write_program(out, extras, &len[extras], &npid[extras]))
			return -1;
		if (len[extras] > longest)
			longest = len[extras];
	}
	fprintf(out, "struct seccomp_bpf_program {\n"
		     "\tconst struct sock_filter *code;\n\tunsigned short len;\n"
		     "\tconst unsigned short *pid_at;\n\tunsigned short npid;\n};\n\n");
	fprintf(out, "#define SECCOMP_BPF_MAX_LEN %zu\n\n", longest);
	fprintf(out, "/* By extras, a set of enum seccomp_extras bits. */\n");
	fprintf(out, "static const struct seccomp_bpf_program seccomp_bpf_programs[%d] = {\n",
		SECCOMP_PROGRAMS);
	for (unsigned int extras = 0; extras < SECCOMP_PROGRAMS; extras++)
		fprintf(out, "\t{seccomp_bpf_code_%u, %zu, seccomp_bpf_pid_at_%u, %zu},\n", extras,
			len[extras], extras, npid[extras]);
	fprintf(out, "};\n\n");
	return 0;
}

static void write_call_names(FILE *out)
{
	fprintf(out, "/* System calls by number, for the SIGSYS message. */\n");
	fprintf(out, "static const char *const seccomp_bpf_call_names[%d] = {\n", NAMED_CALLS);
	for (int nr = 0; nr < NAMED_CALLS; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name)
			fprintf(out, "\t[%d] = \"%s\",\n", nr, name);
		free(name);
	}
	fprintf(out, "};\n");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seccomp_gen OUTPUT.h\n");
		return 2;
	}
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}

	const struct scmp_version *v = seccomp_version();
	fprintf(out,
		"/* Generated by vmm/host/seccomp_gen.c from vmm/host/seccomp_policy.c with\n"
		" * libseccomp %u.%u.%u. Do not edit: change the policy and rebuild. */\n"
		"#ifndef KVMINI_SECCOMP_BPF_H\n#define KVMINI_SECCOMP_BPF_H\n\n"
		"#include <linux/filter.h>\n\n",
		v->major, v->minor, v->micro);
	fprintf(out, "/* siginfo's si_arch for a native call (AUDIT_ARCH_ in linux/audit.h). */\n");
	fprintf(out, "#define SECCOMP_BPF_ARCH 0x%08xu\n\n", seccomp_arch_native());
	int ret = write_programs(out);
	write_call_names(out);
	fprintf(out, "\n#endif /* KVMINI_SECCOMP_BPF_H */\n");
	if (fclose(out) != 0 || ret) {
		if (!ret)
			perror(argv[1]);
		remove(argv[1]);
		return 1;
	}
	return 0;
}
