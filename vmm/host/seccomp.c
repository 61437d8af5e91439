// SPDX-License-Identifier: MIT
/*
 * The system-call filter of a running VM (see vmm/host/seccomp.h).
 *
 * What is allowed, and why, is vmm/host/seccomp_policy.c. The build turns
 * that policy into BPF programs (vmm/host/seccomp_gen.c, with libseccomp);
 * this file only picks one of them (the narrowest that has the extras the
 * run asked for: host sockets, snapshot writing; a plain run gets the base
 * one), fills in the monitor's pid and hands the program to the kernel, so that a
 * VM start pays for one system call, not for building a filter
 * (docs/benchmarks.md, "System-call filter"). The monitor does not link
 * libseccomp.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/chardev_io.h"
#include "host/stdin_console.h"
#include "kvmini/log.h"
#include "host/seccomp.h"
/* Generated at build time into the build tree's vmm/ (vmm/meson.build). */
#include "seccomp_bpf.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Append the string s to msg (cap bytes, *len used), cutting it short if needed. */
static void append(char *msg, size_t cap, size_t *len, const char *s)
{
	while (*s && *len < cap)
		msg[(*len)++] = *s++;
}

/* Append v in decimal. */
static void append_unsigned(char *msg, size_t cap, size_t *len, unsigned long v)
{
	char digits[21];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0 && *len < cap)
		msg[(*len)++] = digits[--n];
}

/*
 * SIGSYS from SECCOMP_RET_TRAP: the forbidden call did not happen. Only
 * async-signal-safe work here (signal-safety(7)): write(), tcsetattr() via
 * stdin_console_restore(), _exit(). Nothing else is safe: the call may
 * have come from inside malloc, with its lock held.
 */
static void on_sigsys(int sig, siginfo_t *info, void *ucontext)
{
	char msg[128];
	size_t cap = sizeof(msg) - 1, len = 0; /* room for the newline */
	int nr = info->si_syscall;

	(void)sig;
	(void)ucontext;
	append(msg, cap, &len, "kvmini: seccomp: forbidden system call ");
	append_unsigned(msg, cap, &len, (unsigned int)nr);
	if (info->si_arch != SECCOMP_BPF_ARCH) {
		append(msg, cap, &len, " (of another architecture)");
	} else if (seccomp_call_name(nr)) {
		append(msg, cap, &len, " (");
		append(msg, cap, &len, seccomp_call_name(nr));
		append(msg, cap, &len, ")");
	}
	msg[len++] = '\n';
	if (write(STDERR_FILENO, msg, len) < 0) {
		/* Nothing more we can do to report it. */
	}
	stdin_console_restore();
	chardev_io_restore_all(); /* _exit() skips the exit handlers that would */
	_exit(KVMINI_STATUS_SECCOMP);
}

const char *seccomp_call_name(int nr)
{
	return nr >= 0 && (size_t)nr < COUNT(seccomp_bpf_call_names) ? seccomp_bpf_call_names[nr]
								     : NULL;
}

const struct sock_fprog *seccomp_program(pid_t tgid, unsigned int extras)
{
	static struct sock_filter code[SECCOMP_PROGRAMS][SECCOMP_BPF_MAX_LEN];
	static struct sock_fprog progs[SECCOMP_PROGRAMS];

	if (extras >= SECCOMP_PROGRAMS)
		return NULL;
	const struct seccomp_bpf_program *from = &seccomp_bpf_programs[extras];
	memcpy(code[extras], from->code, from->len * sizeof(*from->code));
	for (size_t i = 0; i < from->npid; i++)
		code[extras][from->pid_at[i]].k = (uint32_t)tgid;
	progs[extras].len = from->len;
	progs[extras].filter = code[extras];
	return &progs[extras];
}

/*
 * Sanitizer builds (meson -Dsanitize=true) run without the filter:
 * AddressSanitizer's pthread_create calls sched_getaffinity, and
 * LeakSanitizer's check at exit clones a tracer task that ptraces our
 * threads and reads /proc, which no useful filter allows. Such a build is
 * for finding the monitor's bugs, not for running hostile guests.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif

int seccomp_install(unsigned int extras)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	int ret;

#ifdef SANITIZER_BUILD
	log_info("seccomp: no system-call filter in a sanitizer build");
	return 0;
#endif

	if (extras >= SECCOMP_PROGRAMS) {
		log_error("seccomp: no program for extras %#x", extras);
		return -EINVAL;
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		ret = -errno;
		log_error("seccomp: cannot install the SIGSYS handler: %s", strerror(errno));
		return ret;
	}

	/*
	 * No new privileges (prctl(2)): without CAP_SYS_ADMIN the kernel takes a
	 * filter only from a process that can gain none through execve.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		ret = -errno;
		log_error("seccomp: cannot set no_new_privs: %s", strerror(errno));
		return ret;
	}
	/*
	 * Anything the program does not allow raises SIGSYS (SECCOMP_RET_TRAP),
	 * which on_sigsys() reports. TSYNC puts the filter on every thread of
	 * the process: there are none yet besides this one (main.c installs it
	 * before vcpus_start()), but then a later change of that order cannot
	 * leave a thread unfiltered. glibc 2.36 has no seccomp() wrapper.
	 */
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
			 seccomp_program(getpid(), extras));
	if (r == 0)
		return 0;
	/* TSYNC failed: r is the id of a thread that could not take the filter. */
	ret = r > 0 ? -EAGAIN : -errno;
	if (r > 0)
		log_error("seccomp: thread %ld cannot take the filter", r);
	else
		log_error("seccomp: cannot load the filter: %s", strerror(errno));
	return ret;
}
