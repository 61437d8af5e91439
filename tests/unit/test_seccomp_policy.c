// SPDX-License-Identifier: MIT
/*
 * The system-call filters compiled at build time (vmm/host/seccomp_bpf.h,
 * written by vmm/host/seccomp_gen.c: every VM's, and the wider ones with the
 * host-socket calls, the snapshot writer's, or both) against what
 * libseccomp makes of the same policy
 * (vmm/host/seccomp_policy.c) now, instruction for instruction: a header
 * built from an older policy or another libseccomp fails here.
 *
 * Then what the program decides, run by a small classic-BPF interpreter on
 * made-up calls (struct seccomp_data, linux/seccomp.h): among them the
 * foreign-ABI calls that tests/hardening/seccomp.sh cannot make on a host
 * without IA-32 emulation. Nothing here installs a filter.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/seccomp.h"
#include "host/seccomp_policy.h"
#include "unit_run.h"

/*
 * The program libseccomp exports for (tgid, extras) must be the one
 * seccomp_program(tgid, extras) gives.
 */
static void check_same_program(uint32_t tgid, unsigned int extras)
{
	struct sock_filter *want;
	size_t len;

	ck_assert_int_eq(seccomp_policy_export(tgid, extras, &want, &len), 0);
	const struct sock_fprog *got = seccomp_program((pid_t)tgid, extras);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(got->len, len);
	for (size_t i = 0; i < len; i++) {
		const struct sock_filter *a = &got->filter[i], *b = &want[i];
		ck_assert_msg(memcmp(a, b, sizeof(*a)) == 0,
			      "program %u, instruction %zu: {0x%04x, %u, %u, 0x%08x} built, "
			      "libseccomp exports {0x%04x, %u, %u, 0x%08x}: rebuild seccomp_bpf.h",
			      extras, i, a->code, a->jt, a->jf, a->k, b->code, b->jt, b->jf, b->k);
	}
	free(want);
}

START_TEST(test_build_time_program_is_libseccomps)
{
	/* As generated, before any pid is written into it: every program. */
	for (unsigned int extras = 0; extras < SECCOMP_PROGRAMS; extras++)
		check_same_program(SECCOMP_POLICY_PID_PLACEHOLDER, extras);
	/* Nothing for extras the policy does not know. */
	ck_assert_ptr_null(seccomp_program(getpid(), SECCOMP_PROGRAMS));
	ck_assert_ptr_null(seccomp_policy_filter(1, SECCOMP_PROGRAMS));
}
END_TEST

START_TEST(test_pid_filled_in)
{
	/* What seccomp_install() loads in this process, and in another one. */
	for (unsigned int extras = 0; extras < SECCOMP_PROGRAMS; extras++) {
		check_same_program((uint32_t)getpid(), extras);
		check_same_program(4194304, extras); /* PID_MAX_LIMIT on x86-64 */
		check_same_program(1, extras);
	}
}
END_TEST

START_TEST(test_programs_apart)
{
	/* Filling in one program leaves the others as they were; each extra adds rules. */
	const struct sock_fprog *base = seccomp_program(1, 0);
	for (unsigned int extras = 1; extras < SECCOMP_PROGRAMS; extras++) {
		const struct sock_fprog *wide = seccomp_program(2, extras);
		ck_assert_ptr_ne(base, wide);
		ck_assert_ptr_ne(base->filter, wide->filter);
		ck_assert_uint_gt(wide->len, base->len);
	}
	ck_assert_uint_gt(seccomp_program(2, SECCOMP_HOST_SOCKETS | SECCOMP_SNAPSHOT)->len,
			  seccomp_program(2, SECCOMP_SNAPSHOT)->len);
	check_same_program(1, 0);
}
END_TEST

START_TEST(test_call_names)
{
	for (int nr = -1; nr < 1024; nr++) {
		char *want = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		const char *got = seccomp_call_name(nr);
		if (want && nr < 512)
			ck_assert_msg(got && strcmp(got, want) == 0, "call %d: %s, not %s", nr,
				      got ? got : "(none)", want);
		else
			ck_assert_msg(!got, "call %d: named %s", nr, got);
		free(want);
	}
	ck_assert_str_eq(seccomp_call_name(__NR_socket), "socket");
}
END_TEST

/*
 * Run a seccomp program on one call the way the kernel does (filter(2)'s
 * classic BPF, restricted as seccomp_filter.rst says): only the instructions
 * libseccomp emits are known; anything else fails the test.
 */
static uint32_t run(const struct sock_fprog *prog, const struct seccomp_data *call)
{
	uint32_t a = 0;

	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *in = &prog->filter[pc];
		uint32_t taken;

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			ck_assert(in->k + 4 <= sizeof(*call) && in->k % 4 == 0);
			memcpy(&a, (const char *)call + in->k, 4);
			continue;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= in->k;
			continue;
		case BPF_RET | BPF_K:
			return in->k;
		case BPF_JMP | BPF_JA:
			pc += in->k;
			continue;
		case BPF_JMP | BPF_JEQ | BPF_K:
			taken = a == in->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			taken = a > in->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			taken = a >= in->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			taken = (a & in->k) != 0;
			break;
		default:
			ck_abort_msg("instruction %zu: code 0x%04x not known to this test", pc,
				     in->code);
		}
		pc += taken ? in->jt : in->jf;
	}
	ck_abort_msg("the program ran off its end");
	return 0;
}

/* What the monitor's filter with extras does with call nr(args) via ABI arch. */
static uint32_t decide_in(unsigned int extras, uint32_t arch, int nr, uint64_t a0, uint64_t a1,
			  uint64_t a2)
{
	struct seccomp_data call = {.nr = nr, .arch = arch, .args = {a0, a1, a2}};
	return run(seccomp_program(getpid(), extras), &call);
}

/* What every VM's filter (no extras: a plain run) does. */
static uint32_t decide(uint32_t arch, int nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return decide_in(0, arch, nr, a0, a1, a2);
}

#define X86_64 AUDIT_ARCH_X86_64

START_TEST(test_decisions)
{
	/* Allowed, also with the argument tests passing. */
	ck_assert_uint_eq(decide(X86_64, __NR_write, 1, 0, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(decide(X86_64, __NR_mmap, 0, 4096, PROT_READ | PROT_WRITE),
			  SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(decide(X86_64, __NR_tgkill, (uint64_t)getpid(), 1, 10),
			  SECCOMP_RET_ALLOW);
	/* Refused: the call, or its arguments. */
	ck_assert_uint_eq(decide(X86_64, __NR_socket, 2, 1, 0), SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide(X86_64, __NR_mmap, 0, 4096, PROT_READ | PROT_EXEC),
			  SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide(X86_64, __NR_tgkill, (uint64_t)getpid() + 1, 1, 10),
			  SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide(X86_64, __NR_tgkill, SECCOMP_POLICY_PID_PLACEHOLDER, 1, 10),
			  SECCOMP_RET_TRAP);
	/* clone3 fails with ENOSYS, so that glibc falls back to clone. */
	ck_assert_uint_eq(decide(X86_64, __NR_clone3, 0, 0, 0), SECCOMP_RET_ERRNO | ENOSYS);
}
END_TEST

START_TEST(test_net_decisions)
{
	for (unsigned int extras = 0; extras < SECCOMP_PROGRAMS; extras++) {
		/* The net backends' calls on descriptors opened during setup: every VM. */
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_sendmsg, 3, 0, 0),
				  SECCOMP_RET_ALLOW);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_recvfrom, 3, 0, 0),
				  SECCOMP_RET_ALLOW);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_getsockopt, 3, 1, 3),
				  SECCOMP_RET_ALLOW);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_writev, 3, 0, 1),
				  SECCOMP_RET_ALLOW);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_ioctl, 3, TUNSETOFFLOAD, 0),
				  SECCOMP_RET_ALLOW);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_ioctl, 3, FIONREAD, 0),
				  SECCOMP_RET_ALLOW);
		/* Never, not even with --net user or snapshots: reading files, exec, a new process.
		 */
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_execve, 0, 0, 0),
				  SECCOMP_RET_TRAP);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_open, 0, 0, 0), SECCOMP_RET_TRAP);
		ck_assert_uint_eq(
			decide_in(extras, X86_64, __NR_openat, AT_FDCWD, 0, O_RDONLY | O_CLOEXEC),
			SECCOMP_RET_TRAP);
		/*
		 * fopen(path, "r") (openat with O_RDONLY exactly): libslirp's lookup of
		 * /etc/resolv.conf fails with EACCES where libslirp may run, else traps.
		 */
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_openat, AT_FDCWD, 0, O_RDONLY),
				  extras & SECCOMP_HOST_SOCKETS ? SECCOMP_RET_ERRNO | EACCES
								: SECCOMP_RET_TRAP);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_clone, SIGCHLD, 0, 0),
				  SECCOMP_RET_TRAP);
		/* Through another ABI: refused by both. */
		ck_assert_uint_eq(decide_in(extras, AUDIT_ARCH_I386, 102 /* socketcall */, 1, 0, 0),
				  SECCOMP_RET_TRAP);
		ck_assert_uint_eq(decide_in(extras, X86_64, 0x40000000 | __NR_socket, 2, 1, 0),
				  SECCOMP_RET_TRAP);
	}
	/* libslirp's socket calls: only the --net user program allows them. */
	static const int user_net_only[] = {
		__NR_socket,	  __NR_connect, __NR_bind,	 __NR_listen,
		__NR_accept,	  __NR_accept4, __NR_setsockopt, __NR_getsockname,
		__NR_getpeername, __NR_sendto,	__NR_recvmsg,	 __NR_shutdown,
	};
	for (size_t i = 0; i < sizeof(user_net_only) / sizeof(user_net_only[0]); i++) {
		int nr = user_net_only[i];
		ck_assert_msg(decide_in(false, X86_64, nr, 2, 1, 0) == SECCOMP_RET_TRAP,
			      "call %d allowed without --net user", nr);
		ck_assert_msg(decide_in(true, X86_64, nr, 2, 1, 0) == SECCOMP_RET_ALLOW,
			      "call %d refused with --net user", nr);
	}
	/* The wider program keeps every argument test of the base one. */
	ck_assert_uint_eq(decide_in(true, X86_64, __NR_mmap, 0, 4096, PROT_READ | PROT_EXEC),
			  SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide_in(true, X86_64, __NR_tgkill, (uint64_t)getpid(), 1, 10),
			  SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(decide_in(true, X86_64, __NR_tgkill, (uint64_t)getpid() + 1, 1, 10),
			  SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide_in(true, X86_64, __NR_ioctl, 3, KVM_CREATE_VM, 0),
			  SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide_in(true, X86_64, __NR_clone3, 0, 0, 0),
			  SECCOMP_RET_ERRNO | ENOSYS);
}
END_TEST

/* The snapshot writer's calls: only in the programs with SECCOMP_SNAPSHOT, and only so. */
START_TEST(test_snapshot_decisions)
{
	static const int snapshot_only[] = {__NR_mkdir, __NR_pwrite64, __NR_fsync, __NR_renameat};
	const unsigned int snap = SECCOMP_SNAPSHOT, both = SECCOMP_SNAPSHOT | SECCOMP_HOST_SOCKETS;

	for (size_t i = 0; i < sizeof(snapshot_only) / sizeof(snapshot_only[0]); i++) {
		int nr = snapshot_only[i];
		ck_assert_msg(decide_in(0, X86_64, nr, 3, 0, 0) == SECCOMP_RET_TRAP,
			      "call %d allowed in a plain run", nr);
		ck_assert_msg(decide_in(SECCOMP_HOST_SOCKETS, X86_64, nr, 3, 0, 0) ==
				      SECCOMP_RET_TRAP,
			      "call %d allowed with host sockets only", nr);
		ck_assert_msg(decide_in(snap, X86_64, nr, 3, 0, 0) == SECCOMP_RET_ALLOW,
			      "call %d refused to a snapshot", nr);
		ck_assert_msg(decide_in(both, X86_64, nr, 3, 0, 0) == SECCOMP_RET_ALLOW,
			      "call %d refused to a snapshot with host sockets", nr);
	}
	/* Every KVM_GET_* a snapshot makes; no KVM_SET_* and no setup ioctl. */
	static const unsigned long gets[] = {
		KVM_CHECK_EXTENSION, KVM_GET_MSR_INDEX_LIST, KVM_GET_XSAVE, KVM_GET_FPU,
		KVM_GET_XCRS,	     KVM_GET_LAPIC,	     KVM_GET_MSRS,  KVM_GET_MP_STATE,
		KVM_GET_DEBUGREGS,   KVM_GET_IRQCHIP,	     KVM_GET_PIT2,  KVM_GET_CLOCK,
	};
	for (size_t i = 0; i < sizeof(gets) / sizeof(gets[0]); i++) {
		ck_assert_uint_eq(decide_in(0, X86_64, __NR_ioctl, 5, gets[i], 0),
				  SECCOMP_RET_TRAP);
		ck_assert_uint_eq(decide_in(snap, X86_64, __NR_ioctl, 5, gets[i], 0),
				  SECCOMP_RET_ALLOW);
	}
	ck_assert_uint_eq(decide_in(snap, X86_64, __NR_ioctl, 5, KVM_SET_MSRS, 0),
			  SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide_in(snap, X86_64, __NR_ioctl, 5, KVM_CREATE_VM, 0),
			  SECCOMP_RET_TRAP);

	for (unsigned int extras = snap; extras <= both; extras++) {
		/* openat(dirfd, path, flags): a directory, and files this call creates. */
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_openat, AT_FDCWD, 0,
					    O_RDONLY | O_DIRECTORY | O_CLOEXEC),
				  SECCOMP_RET_ALLOW);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_openat, 3, 0,
					    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC),
				  SECCOMP_RET_ALLOW);
		/* Never an existing file for writing, nor any file for reading. */
		static const int refused[] = {
			O_WRONLY | O_CREAT | O_TRUNC, O_WRONLY,
			O_RDWR | O_CREAT | O_EXCL,    O_RDONLY,
			O_RDONLY | O_CREAT | O_EXCL,  O_WRONLY | O_TMPFILE,
			O_RDWR | O_TMPFILE,	      O_RDWR | O_DIRECTORY,
			O_WRONLY | O_APPEND,
		};
		for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
			/* fopen's bare O_RDONLY fails with EACCES where libslirp may run. */
			uint32_t want = refused[i] == O_RDONLY && (extras & SECCOMP_HOST_SOCKETS)
						? SECCOMP_RET_ERRNO | EACCES
						: SECCOMP_RET_TRAP;
			ck_assert_msg(decide_in(extras, X86_64, __NR_openat, AT_FDCWD, 0,
						(uint64_t)refused[i]) == want,
				      "extras %u: openat flags %#o not refused", extras,
				      refused[i]);
		}
		/* The other ways to open a file stay closed: open, creat, openat2. */
		ck_assert_uint_eq(
			decide_in(extras, X86_64, __NR_open, 0, O_RDONLY | O_DIRECTORY, 0),
			SECCOMP_RET_TRAP);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_creat, 0, 0600, 0),
				  SECCOMP_RET_TRAP);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_openat2, AT_FDCWD, 0, 24),
				  SECCOMP_RET_TRAP);
		/* A file may be removed, a directory not; no ftruncate, no lseek, no stat. */
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_unlinkat, 3, 0, 0),
				  SECCOMP_RET_ALLOW);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_ftruncate, 3, 4096, 0),
				  SECCOMP_RET_TRAP);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_lseek, 3, 0, SEEK_END),
				  SECCOMP_RET_TRAP);
		ck_assert_uint_eq(decide_in(extras, X86_64, __NR_newfstatat, AT_FDCWD, 0, 0),
				  SECCOMP_RET_TRAP);
	}
	ck_assert_uint_eq(decide_in(snap, X86_64, __NR_unlinkat, 3, 0, AT_REMOVEDIR),
			  SECCOMP_RET_TRAP);
	/* Without snapshots: no unlinkat at all in the base program. */
	ck_assert_uint_eq(decide_in(0, X86_64, __NR_unlinkat, 3, 0, 0), SECCOMP_RET_TRAP);
}
END_TEST

START_TEST(test_foreign_abi_refused)
{
	/* int $0x80 getpid (20 in the i386 table) and write (4): not allowed by x86-64 rules. */
	ck_assert_uint_eq(decide(AUDIT_ARCH_I386, 20, 0, 0, 0), SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide(AUDIT_ARCH_I386, 4, 1, 0, 0), SECCOMP_RET_TRAP);
	/* x32: the x86-64 ABI with bit 30 of the number set (__X32_SYSCALL_BIT). */
	ck_assert_uint_eq(decide(X86_64, 0x40000000 | __NR_write, 1, 0, 0), SECCOMP_RET_TRAP);
	ck_assert_uint_eq(decide(X86_64, 0x40000000 | __NR_socket, 2, 1, 0), SECCOMP_RET_TRAP);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("seccomp_policy");
	TCase *tc = tcase_create("seccomp_policy");

	tcase_add_test(tc, test_build_time_program_is_libseccomps);
	tcase_add_test(tc, test_pid_filled_in);
	tcase_add_test(tc, test_call_names);
	tcase_add_test(tc, test_programs_apart);
	tcase_add_test(tc, test_decisions);
	tcase_add_test(tc, test_net_decisions);
	tcase_add_test(tc, test_snapshot_decisions);
	tcase_add_test(tc, test_foreign_abi_refused);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
