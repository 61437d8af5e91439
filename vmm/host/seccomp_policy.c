// SPDX-License-Identifier: MIT
/*
 * The system calls a running VM may make (see vmm/host/seccomp.h), each with
 * the reason it is needed. This file is the one place to change the list: to
 * allow a call, add one line to the table it belongs in. The build compiles
 * the list into the monitor's BPF programs (vmm/host/seccomp_gen.c): the
 * base one, and one for each combination of the groups a run may add
 * (enum seccomp_extras): host_socket_calls for a VM with a --net user NIC,
 * --vsock or a control socket, snapshot_calls for one that may write a
 * snapshot (--snapshot-on, or a control socket).
 *
 * How the list was found: `strace -f` of real runs (every tiny guest,
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
 *
 * After the tables, seccomp_policy_add_rules() says which of them go into
 * which program; seccomp_policy_program.c makes the filter and exports it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "host/seccomp_policy.h"
#include "host/seccomp_policy_program.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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
	/*
	 * --share: stopping virtiofsd at teardown (host/virtiofsd.c,
	 * virtiofsd_stop): a signal through the pidfd kvmini holds for its own
	 * child (so no pid can be misdirected), and reaping it. The vhost-user
	 * messages themselves are sendmsg (with SCM_RIGHTS) and recvfrom, above.
	 */
	"pidfd_send_signal",
	"waitid",
};

/*
 * Host sockets used while the guest runs, for --net user, --vsock and the
 * control socket only. The control socket (--control, --name;
 * host/control_server.c) accepts clients (accept4), answers them (sendto)
 * and removes its socket file at teardown (unlink). libslirp
 * (devices/backends/net_slirp.c) opens, connects and closes
 * one per TCP or UDP flow and accepts connections on the hostfwd ports;
 * the vsock backend (devices/backends/vsock_unix.c) accepts host clients
 * on PATH, connects to PATH_P for a guest connect, shuts connections down
 * (virtio_vsock.c) and, at teardown, removes its socket file (unlink; on
 * other C libraries unlinkat). Too much to allow for every VM, so these
 * are only in the programs with SECCOMP_HOST_SOCKETS, which
 * seccomp_install() loads only when asked.
 * libslirp's DNS forwarder: see host_socket_failing_if below.
 */
static const char *const host_socket_calls[] = {
	"socket",      "connect",     "bind",	"listen",  "accept",   "accept4", "setsockopt",
	"getsockname", "getpeername", "sendto", "recvmsg", "shutdown", "unlink",  "unlinkat",
};

/*
 * A call allowed when one argument passes a test: {argument number,
 * comparison, operand, operand} as in struct scmp_arg_cmp (seccomp_rule_add(3)).
 * A call on several lines is allowed when any of them passes.
 */
struct arg_rule {
	const char *name;
	struct scmp_arg_cmp arg;
};

/*
 * Refused with an error, in the host-socket programs only. A --net user
 * guest asks a DNS server kvmini read from /etc/resolv.conf at setup
 * (devices/backends/net_slirp_dns.c), not libslirp's forwarder, which reads
 * that file at each query. Where no such server exists (a loopback one other
 * than 127.0.0.1) the forwarder stays at 10.0.2.3: its fopen (openat with
 * O_RDONLY exactly) gets EACCES and the query goes unanswered, where SIGSYS
 * would kill the VM. Any other open still traps; stat() is never reached.
 */
static const struct {
	const char *name;
	struct scmp_arg_cmp arg;
	int error;
} host_socket_failing_if[] = {
	{"openat", {2, SCMP_CMP_EQ, O_RDONLY, 0}, EACCES},
};

/*
 * Writing a snapshot (host/snapshot.c, host/snapshot_files.c,
 * docs/snapshot.md), for --snapshot-on and the control socket's snapshot
 * command only: the I/O thread makes the directory if missing (mkdir),
 * writes each file under a temporary name (pwrite64), syncs it (fsync) and
 * renames it into place (renameat), so a reader never sees half a file.
 * Found with `strace -f` of tests/hardening/seccomp_snapshot_probe.c, which
 * drives the same writer. The file sizes come from descriptors and the board,
 * never from lseek or stat, and memory.bin gets its length from its last
 * byte, not ftruncate: three calls fewer. Opening and removing files, the
 * rest of a snapshot's work, are argument-checked (snapshot_if, below).
 */
static const char *const snapshot_calls[] = {"mkdir", "pwrite64", "fsync", "renameat"};

/*
 * The state a snapshot reads (vcpu_state_get(), vm_state_get()): every one a
 * KVM_GET_* that copies state out and changes nothing, and the two queries
 * on /dev/kvm that say which to make (KVM_CHECK_EXTENSION, the MSR list).
 */
static const unsigned long snapshot_ioctls[] = {
	KVM_CHECK_EXTENSION, KVM_GET_MSR_INDEX_LIST, KVM_GET_XSAVE, KVM_GET_FPU,
	KVM_GET_XCRS,	     KVM_GET_LAPIC,	     KVM_GET_MSRS,  KVM_GET_MP_STATE,
	KVM_GET_DEBUGREGS,   KVM_GET_IRQCHIP,	     KVM_GET_PIT2,  KVM_GET_CLOCK,
};

/*
 * openat's flags (argument 2) that decide what an open may do. O_TMPFILE is
 * O_DIRECTORY plus a bit of its own; both are in the mask so that neither
 * rule lets an unnamed file through.
 */
#define OPEN_MODE_BITS (O_ACCMODE | O_CREAT | O_EXCL | O_DIRECTORY | (O_TMPFILE & ~O_DIRECTORY))

/*
 * A filter sees register values, never the path a pointer points to: the
 * snapshot program cannot tell DIR from any other directory. What it can
 * hold to is what an open may do, whatever the path:
 *  - a directory, read-only: the snapshot directory's fd (O_DIRECTORY fails
 *    on anything else, so no file's contents can be read this way);
 *  - a file created by this very call, write-only (O_CREAT | O_EXCL, so
 *    never an existing file, nor a symlink, opened for writing);
 *  - unlinkat of a file (flags 0: never a directory, AT_REMOVEDIR).
 * What stays possible: creating new files and renaming or removing files
 * wherever the user kvmini runs as may write (docs/architecture.md,
 * "Hardening", says what that costs).
 */
static const struct arg_rule snapshot_if[] = {
	{"openat", {2, SCMP_CMP_MASKED_EQ, OPEN_MODE_BITS, O_RDONLY | O_DIRECTORY}},
	{"openat", {2, SCMP_CMP_MASKED_EQ, OPEN_MODE_BITS, O_WRONLY | O_CREAT | O_EXCL}},
	{"unlinkat", {2, SCMP_CMP_EQ, 0, 0}},
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

/* Every VM's calls allowed when one argument passes a test (struct arg_rule). */
static const struct arg_rule allowed_if[] = {
	/* Memory, but never executable: a guest must not get code into the monitor. */
	{"mmap", {2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0}},
	{"mprotect", {2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0}},
	/* pthread_create: threads of this process only, never a new process. */
	{"clone", {0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD}},
	/*
	 * fcntl(F_GETFL/F_SETFL) only: console output's fd gets its blocking
	 * flag back at teardown, or from a dying monitor's signal handler
	 * (chardev_restore_fd). Nothing else (no F_DUPFD, no locks, no F_SETOWN).
	 */
	{"fcntl", {1, SCMP_CMP_EQ, F_GETFL, 0}},
	{"fcntl", {1, SCMP_CMP_EQ, F_SETFL, 0}},
	/* pthread_kill() and raise(): signals to our own threads only (the pid: below). */
	{"tgkill", {0, SCMP_CMP_EQ, SECCOMP_POLICY_PID_PLACEHOLDER, 0}},
};

/* Refused, but with an error the caller handles instead of SIGSYS. */
static const struct {
	const char *name;
	int error;
} failing_calls[] = {
	/*
	 * clone3 passes its flags in memory, which a filter cannot read. It
	 * fails with ENOSYS instead, and glibc then falls back to clone.
	 */
	{"clone3", ENOSYS},
};

/* SECCOMP_SNAPSHOT's group: snapshot_calls, snapshot_ioctls, snapshot_if. */
static int add_snapshot_rules(scmp_filter_ctx ctx)
{
	int ret = seccomp_policy_program_ioctls(ctx, snapshot_ioctls, COUNT(snapshot_ioctls));

	for (size_t i = 0; i < COUNT(snapshot_calls) && !ret; i++)
		ret = seccomp_policy_program_rule(ctx, SCMP_ACT_ALLOW, snapshot_calls[i], 0, NULL);
	for (size_t i = 0; i < COUNT(snapshot_if) && !ret; i++)
		ret = seccomp_policy_program_rule(ctx, SCMP_ACT_ALLOW, snapshot_if[i].name, 1,
						  &snapshot_if[i].arg);
	return ret;
}

int seccomp_policy_add_rules(scmp_filter_ctx ctx, uint32_t tgid, unsigned int extras)
{
	int ret = seccomp_policy_program_ioctls(ctx, allowed_ioctls, COUNT(allowed_ioctls));

	for (size_t i = 0; i < COUNT(allowed_calls) && !ret; i++)
		ret = seccomp_policy_program_rule(ctx, SCMP_ACT_ALLOW, allowed_calls[i], 0, NULL);
	for (size_t i = 0; (extras & SECCOMP_HOST_SOCKETS) && i < COUNT(host_socket_calls) && !ret;
	     i++)
		ret = seccomp_policy_program_rule(ctx, SCMP_ACT_ALLOW, host_socket_calls[i], 0,
						  NULL);
	for (size_t i = 0;
	     (extras & SECCOMP_HOST_SOCKETS) && i < COUNT(host_socket_failing_if) && !ret; i++)
		ret = seccomp_policy_program_rule(
			ctx, SCMP_ACT_ERRNO(host_socket_failing_if[i].error),
			host_socket_failing_if[i].name, 1, &host_socket_failing_if[i].arg);
	if (!ret && (extras & SECCOMP_SNAPSHOT))
		ret = add_snapshot_rules(ctx);
	for (size_t i = 0; i < COUNT(allowed_if) && !ret; i++) {
		struct scmp_arg_cmp arg = allowed_if[i].arg;
		if (arg.datum_a == SECCOMP_POLICY_PID_PLACEHOLDER)
			arg.datum_a = tgid;
		ret = seccomp_policy_program_rule(ctx, SCMP_ACT_ALLOW, allowed_if[i].name, 1, &arg);
	}
	for (size_t i = 0; i < COUNT(failing_calls) && !ret; i++)
		ret = seccomp_policy_program_rule(ctx, SCMP_ACT_ERRNO(failing_calls[i].error),
						  failing_calls[i].name, 0, NULL);
	return ret;
}
