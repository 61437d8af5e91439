// SPDX-License-Identifier: MIT
/*
 * The system-call filter of a running VM (see vmm/host/seccomp.h).
 *
 * How the list below was found: `strace -f` of real runs (every tiny guest,
 * the virtio disk, console and rng guests, a stop by SIGINT and by
 * --timeout, a console on a terminal), keeping the calls made from
 * vcpus_start() on. tests/hardening/seccomp-strace.sh repeats that survey;
 * run it after changing what the monitor does at run time. Calls glibc makes
 * on our behalf are on the list too, each with the reason.
 *
 * Arguments are checked where that is cheap and meaningful (seccomp sees
 * only register values, never memory): ioctl only with the requests the run
 * loop uses, clone only for threads, tgkill only inside this process, no new
 * executable memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "host/chardev_io.h"
#include "host/stdin_console.h"
#include "kvmini/log.h"
#include "host/seccomp.h"

/* Allowed whatever the arguments. */
static const char *const allowed_calls[] = {
	/* Guest console, eventfds (irqfd, ioeventfd), signalfd, timerfd, stdin. */
	"read",
	"write",
	/* virtio-blk backend: vector I/O at an offset, and FLUSH (virtio 1.2, 5.2.6). */
	"preadv",
	"pwritev",
	"fdatasync",
	/*
	 * The I/O thread's event loop, the console's retry timer, and the
	 * console output's batching deadline (host/chardev_io.c).
	 */
	"epoll_wait",
	"epoll_ctl",
	"timerfd_settime",
	/*
	 * The bounded last flush of console output at exit waits for a full
	 * stdout with poll() (devices/backends/chardev.c, chardev_drain);
	 * glibc's poll() may be either call. Without these, a monitor whose
	 * stdout reader had stopped died at teardown with status 121.
	 */
	"poll",
	"ppoll",
	/* virtio-rng. */
	"getrandom",
	/* Mutexes, pthread_join; what glibc does in every new thread. */
	"futex",
	"set_robust_list",
	"rseq",
	/*
	 * Signals: the vCPU kick (SIGUSR1) and the return from its handler;
	 * pthread_kill() and raise() (host/stdin_console.c's fatal_signal(), abort()).
	 */
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"restart_syscall",
	"getpid",
	"gettid",
	/* SIGCONT: is the terminal ours again (stdin_console.c's on_cont)? */
	"getpgrp",
	/* malloc and free, thread stacks, the teardown of guest RAM (mmap: below). */
	"munmap",
	"madvise",
	"mremap",
	"brk",
	/* Teardown: file descriptors, the end of threads and of the process. */
	"close",
	"exit",
	"exit_group",
	/* Timestamps (--boot-times, --trace) when the vDSO cannot answer. */
	"clock_gettime",
	/*
	 * virtio-net backends on descriptors opened during setup
	 * (devices/backends/net_socket.c: sendmsg, recv, whose syscall is
	 * recvfrom, and SO_TYPE for a 0-byte datagram; net_tap.c: read and
	 * writev, one frame each).
	 */
	"sendmsg",
	"recvfrom",
	"getsockopt",
	"writev",
};

/*
 * --net user only: libslirp (devices/backends/net_slirp.c) opens, connects
 * and closes host sockets while the guest runs, one per TCP or UDP flow,
 * and accepts connections on the hostfwd ports. Too much to allow for
 * every VM, so seccomp_install() adds these only when asked.
 * Not allowed, knowingly: libslirp reads /etc/resolv.conf (fopen, stat)
 * when the guest first asks the built-in DNS proxy (10.0.2.3), and opening
 * files stays forbidden; a guest under --net user should use another DNS
 * server (or run with --seccomp off).
 */
static const char *const user_net_calls[] = {
	"socket",     "connect",     "bind",	    "listen", "accept",	 "accept4",
	"setsockopt", "getsockname", "getpeername", "sendto", "recvmsg", "shutdown",
};

/*
 * ioctls the run loop and the teardown make (vcpu.c, vcpu_exit.c,
 * host_quirks.c, dump.c, vm.c, stdin_console.c). Creating VMs, vCPUs, memory
 * slots or devices is setup work, refused from here on.
 */
static const unsigned long allowed_ioctls[] = {
	/* Running the guest. */
	KVM_RUN,
	/* Crash dumps, reading code at RIP, the int3 injection (host_quirks.c). */
	KVM_GET_REGS,
	KVM_SET_REGS,
	KVM_GET_SREGS,
	KVM_GET_VCPU_EVENTS,
	KVM_SET_VCPU_EVENTS,
	/* Level-triggered lines (the UART), and edges where KVM has no irqfd. */
	KVM_IRQ_LINE,
	/*
	 * The terminal: stdin_console_restore(), also from on_sigsys(); raw
	 * mode undone on SIGTSTP and redone on SIGCONT when in the foreground.
	 */
	TCGETS,
	TCSETS,
	TIOCGPGRP,
	/* virtio-net on a TAP: the guest's offload choice, at FEATURES_OK (net_tap.c). */
	TUNSETOFFLOAD,
	/* libslirp: how many bytes a socket holds, before reading (--net user). */
	FIONREAD,
};

/*
 * Names of system calls for the SIGSYS handler, looked up before the filter
 * is installed: a signal handler may not call into libseccomp (it allocates).
 */
#define NAMED_CALLS 512
static char *call_names[NAMED_CALLS];
static unsigned int native_arch; /* AUDIT_ARCH_X86_64 here: what siginfo's si_arch says */

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
	if (info->si_arch != native_arch) {
		append(msg, cap, &len, " (of another architecture)");
	} else if (nr >= 0 && nr < NAMED_CALLS && call_names[nr]) {
		append(msg, cap, &len, " (");
		append(msg, cap, &len, call_names[nr]);
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

static void name_calls(void)
{
	native_arch = (unsigned int)seccomp_arch_native();
	for (int nr = 0; nr < NAMED_CALLS; nr++)
		if (!call_names[nr])
			call_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

/* seccomp_rule_add for a call by name; -errno with a message. */
static int allow(scmp_filter_ctx ctx, const char *name, unsigned int nargs,
		 const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		log_error("seccomp: system call '%s' is unknown to libseccomp", name);
		return -EINVAL;
	}
	int ret = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, nargs, args);
	if (ret)
		log_error("seccomp: cannot add a rule for %s: %s", name, strerror(-ret));
	return ret;
}

static int add_rules(scmp_filter_ctx ctx, bool user_net)
{
	int ret = 0;

	for (size_t i = 0; i < sizeof(allowed_calls) / sizeof(allowed_calls[0]) && !ret; i++)
		ret = allow(ctx, allowed_calls[i], 0, NULL);
	for (size_t i = 0;
	     user_net && i < sizeof(user_net_calls) / sizeof(user_net_calls[0]) && !ret; i++)
		ret = allow(ctx, user_net_calls[i], 0, NULL);
	for (size_t i = 0; i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]) && !ret; i++) {
		struct scmp_arg_cmp req = SCMP_A1(SCMP_CMP_EQ, allowed_ioctls[i]);
		ret = allow(ctx, "ioctl", 1, &req);
	}
	if (ret)
		return ret;

	/* Memory, but never executable: a guest must not get code into the monitor. */
	struct scmp_arg_cmp no_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	if ((ret = allow(ctx, "mmap", 1, &no_exec)) || (ret = allow(ctx, "mprotect", 1, &no_exec)))
		return ret;

	/* pthread_create: threads of this process only, never a new process. */
	struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	if ((ret = allow(ctx, "clone", 1, &thread)))
		return ret;
	/*
	 * clone3 passes its flags in memory, which a filter cannot read. It
	 * fails with ENOSYS instead, and glibc then falls back to clone.
	 */
	ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), seccomp_syscall_resolve_name("clone3"),
			       0);
	if (ret)
		return ret;

	/*
	 * fcntl(F_GETFL/F_SETFL) only: console output's fd gets its blocking
	 * flag back at teardown, or from a dying monitor's signal handler
	 * (chardev_restore_fd). Nothing else (no F_DUPFD, no locks, no F_SETOWN).
	 */
	struct scmp_arg_cmp getfl = SCMP_A1(SCMP_CMP_EQ, F_GETFL);
	struct scmp_arg_cmp setfl = SCMP_A1(SCMP_CMP_EQ, F_SETFL);
	if ((ret = allow(ctx, "fcntl", 1, &getfl)) || (ret = allow(ctx, "fcntl", 1, &setfl)))
		return ret;

	/* pthread_kill() and raise(): signals to our own threads only. */
	struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
	return allow(ctx, "tgkill", 1, &self);
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

int seccomp_install(bool user_net)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	int ret;

#ifdef SANITIZER_BUILD
	log_info("seccomp: no system-call filter in a sanitizer build");
	return 0;
#endif

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		ret = -errno;
		log_error("seccomp: cannot install the SIGSYS handler: %s", strerror(errno));
		return ret;
	}
	name_calls();

	/* Anything not allowed below: SIGSYS, which on_sigsys() reports. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		log_error("seccomp: cannot create a filter");
		return -ENOMEM;
	}
	/*
	 * A call through another ABI (int $0x80, x32) would get around a
	 * filter written for x86-64 numbers: trap those too.
	 */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (!ret)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!ret)
		ret = add_rules(ctx, user_net);
	if (!ret) {
		ret = seccomp_load(ctx);
		if (ret)
			log_error("seccomp: cannot load the filter: %s", strerror(-ret));
	}
	seccomp_release(ctx);
	return ret;
}
