// SPDX-License-Identifier: MIT
/*
 * seccomp_probe: install the monitor's own system-call filter
 * (seccomp_install() from vmm/host/seccomp.c, the function main.c calls) and then
 * make one kind of system call, chosen by the argument:
 *
 *   allowed        every kind of call the monitor makes at run time (I/O on
 *                  descriptors opened before, epoll, timerfd, getrandom,
 *                  threads, signals between threads, malloc); exits 0
 *   output         console output (kvmini/chardev.h, host/chardev_io.c) on
 *                  every bad path: a reader that stops (EAGAIN, buffering,
 *                  dropping, the I/O thread's EPOLLOUT flush), a closed
 *                  reader (EPIPE), a full device (ENOSPC), the bounded drain
 *                  at exit (poll) and the flags put back (fcntl); exits 0
 *   console        the guest console on a terminal, as a running monitor has
 *                  it (stdin_console.c: raw mode, the Ctrl-A escape), with
 *                  the event loop serving it until a stop: prints
 *                  "guest got XX" for every byte the guest would get and
 *                  exits with the stop's status (tests/hardening/console-keys.py)
 *   net            virtio-net on the socket backend, as a running monitor
 *                  drives it (devices/backends/net_socket.c): a frame each
 *                  way through the I/O thread's event loop (edge-triggered),
 *                  the peer's close, the device polled and destroyed; the
 *                  filter without --net user; exits 0
 *   net-user       --net user's libslirp under the filter built for it:
 *                  a DHCPDISCOVER gets its DHCPOFFER (as tests/unit/
 *                  test_net_backend.c checks without a filter); exits 0,
 *                  or 77 when the build has no libslirp
 *   vsock          virtio-vsock on its Unix-socket backend under the filter
 *                  of a --vsock VM (the host-sockets one), driven as a
 *                  running monitor drives it: a host program's "CONNECT
 *                  1234" accepted and read (accept4, recvfrom), the guest's
 *                  answer written back (sendmsg), a guest connect to a host
 *                  port (socket, connect), bytes each way (sendmsg, recvmsg),
 *                  a guest shutdown (shutdown), and the teardown that removes
 *                  PATH (unlink); exits 0
 *   share          --share's virtio-fs on a real virtiofsd (started before the
 *                  filter, as board setup does) under the base filter: the
 *                  rings handed over at DRIVER_OK (sendmsg with SCM_RIGHTS,
 *                  the acks with recvfrom), a kick (eventfd write), a reset
 *                  (GET_VRING_BASE), one virtiofsd killed and seen by the
 *                  I/O thread's watches (its socket, its pidfd, waitid), the
 *                  other stopped at teardown (pidfd_send_signal, poll,
 *                  waitid); exits 0, or 77 without virtiofsd or root
 *   control        the control socket (vmm/host/control_server.c) under the
 *                  filter config_needs_host_sockets() picks for --control: a
 *                  client connected before the filter is accepted (accept4),
 *                  its request read (recvfrom) and answered (sendto) by the
 *                  event loop, whose stop op ends the loop; the teardown
 *                  closes it and removes the socket file (unlink); exits 0
 *   socket | execve | open | fork | exec-memory | kvm-ioctl | kill |
 *   thread-socket | int80 | terminal
 *                  one call the filter must refuse (see below); the process
 *                  must die with KVMINI_STATUS_SECCOMP and the message
 *                  "kvmini: seccomp: forbidden system call N (name)"
 *   user-MODE      MODE under the filter of a --net user or --vsock VM, which allows
 *                  sockets (user-open, user-execve, user-fork: that filter
 *                  must refuse them all the same)
 *   snap-MODE      MODE under the filter of a VM with a control socket, which
 *                  also allows writing a snapshot (snap-open, snap-execve,
 *                  snap-fork: refused all the same; seccomp_snapshot_probe.c
 *                  tries the opens a snapshot program must refuse)
 *   int80-unfiltered
 *                  the int80 call with no filter installed, to learn whether
 *                  this host's kernel takes 32-bit system calls at all
 *                  (see probe_int80_unfiltered)
 *
 * tests/hardening/seccomp.sh runs every mode and checks status and message.
 * The probe needs no /dev/kvm: the filter refuses a KVM ioctl whatever the
 * file descriptor is.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/pidfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "host/chardev_io.h"
#include "host/control_server.h"
#include "host/stdin_console.h"
#include "host/event_loop.h"
#include "host/watch.h"
#include "kvmini/chardev.h"
#include "kvmini/guest_mem.h"
#include "kvmini/net_backend.h"
#include "kvmini/virtio_net.h"
#include "kvmini/virtio_spec.h"
#include "kvmini/virtio_vsock.h"
#include "../common/vsock_test.h"
#include "host/seccomp.h"
#include "kvm/vm.h"
#include "board/board_fs.h"
#include "probe_filter.h"
#include "probe_net.h"

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	if (!ok)
		failures++;
}

static volatile sig_atomic_t kicked;

static void on_kick(int sig)
{
	(void)sig;
	kicked = 1;
}

static void *thread_spin_for_kick(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&kicked, __ATOMIC_SEQ_CST))
		;
	return NULL;
}

/* The system calls of a running monitor, each on a descriptor made before the filter. */
static int probe_allowed(void)
{
	int pipefd[2], efd, tfd, file;
	char path[] = "/tmp/kvmini-seccomp-probe.XXXXXX";

	if (pipe(pipefd) < 0 || (efd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 ||
	    (file = mkstemp(path)) < 0) {
		perror("seccomp_probe: setup");
		return 1;
	}
	unlink(path);
	struct sigaction sa = {.sa_handler = on_kick};
	sigemptyset(&sa.sa_mask);
	if (probe_filter_install(0, ""))
		return 1;

	/* Signals between our own threads (the vCPU kick), and thread creation. */
	check(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction (vcpus_start's kick handler)");
	pthread_t t;
	check(pthread_create(&t, NULL, thread_spin_for_kick, NULL) == 0, "pthread_create");
	check(pthread_kill(t, SIGUSR1) == 0, "pthread_kill (tgkill within the process)");
	check(pthread_join(t, NULL) == 0 && kicked, "the kicked thread ended; pthread_join");

	/* I/O on descriptors opened during setup. */
	struct epoll_event ev = {.events = EPOLLIN};
	check(epoll_ctl(efd, EPOLL_CTL_ADD, pipefd[0], &ev) == 0, "epoll_ctl");
	check(write(pipefd[1], "x", 1) == 1, "write");
	check(epoll_wait(efd, &ev, 1, 1000) == 1, "epoll_wait");
	char c;
	check(read(pipefd[0], &c, 1) == 1 && c == 'x', "read");
	struct itimerspec its = {.it_value = {.tv_nsec = 1000}};
	check(timerfd_settime(tfd, 0, &its, NULL) == 0, "timerfd_settime");
	uint8_t rnd[16];
	check(getrandom(rnd, sizeof(rnd), 0) == sizeof(rnd), "getrandom");
	char block[512] = "kvmini", back[512] = "";
	struct iovec wv = {block, sizeof(block)}, rv = {back, sizeof(back)};
	check(pwritev(file, &wv, 1, 4096) == sizeof(block), "pwritev");
	check(preadv(file, &rv, 1, 4096) == sizeof(back) && strcmp(back, "kvmini") == 0, "preadv");
	check(fdatasync(file) == 0, "fdatasync");
	struct timespec ts;
	check(clock_gettime(CLOCK_MONOTONIC, &ts) == 0, "clock_gettime");

	/* malloc: a large block is its own mmap, freed with munmap. */
	char *big = malloc(64 << 20);
	check(big != NULL, "malloc of 64 MiB (mmap)");
	if (big)
		memset(big, 1, 1 << 20);
	free(big);
	check(close(file) == 0 && close(tfd) == 0 && close(efd) == 0, "close");
	printf("seccomp_probe: %s\n", failures ? "FAILED" : "every allowed call worked");
	return failures ? 1 : 0;
}

/* The reader of the probe's "stdout" that comes back late; stops the loop when done. */
struct late_reader {
	int fd;
	size_t expected, got;
	struct event_loop *loop;
};

static void *read_late(void *arg)
{
	struct late_reader *r = arg;
	char buf[4096];

	while (r->got < r->expected) {
		ssize_t n = read(r->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		r->got += (size_t)n;
	}
	event_loop_stop(r->loop);
	return NULL;
}

/* Console output's every bad path, under the filter (see the top of this file). */
static int probe_output(void)
{
	static struct chardev out, gone, nospace;
	static struct chardev_io io;
	struct event_loop loop;
	int pipefd[2], closed[2];
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);

	signal(SIGPIPE, SIG_IGN); /* as watch_signals() does */
	alarm(30);		  /* a hang is a failure, not a stuck test (before the filter) */
	if (pipe2(pipefd, O_CLOEXEC) < 0 || pipe2(closed, O_CLOEXEC) < 0 ||
	    event_loop_init(&loop) < 0 || chardev_init(&out, pipefd[1]) < 0 ||
	    chardev_io_attach(&io, &loop, &out) < 0 || chardev_init(&gone, closed[1]) < 0 ||
	    (full >= 0 && chardev_init(&nospace, full) < 0)) {
		perror("seccomp_probe: setup");
		return 1;
	}
	fcntl(pipefd[1], F_SETPIPE_SZ, 4096);
	close(closed[0]); /* nobody will ever read "gone" */
	if (probe_filter_install(0, ""))
		return 1;

	/* A reader that stops: 200 KB of lines, none of it may block. */
	char line[64];
	size_t written = 0;
	for (int i = 0; i < 4000; i++) {
		int n = snprintf(line, sizeof(line), "%05d the guest keeps talking ..........\n",
				 i);
		chardev_write(&out, line, (size_t)n);
		written += (size_t)n;
	}
	check(chardev_pending(&out) == CHARDEV_BUF_SIZE,
	      "a stuck reader: output buffered, bounded");
	check(out.dropped > 0, "a stuck reader: the rest dropped (one warning above)");

	/* The reader resumes: the I/O thread's loop flushes (kick, timer, EPOLLOUT). */
	struct late_reader r = {.fd = pipefd[0], .expected = written - out.dropped, .loop = &loop};
	pthread_t t;
	check(pthread_create(&t, NULL, read_late, &r) == 0, "the reader's thread");
	check(event_loop_run(&loop) == 0, "event_loop_run flushed on EPOLLOUT");
	pthread_join(t, NULL);
	check(r.got == r.expected && chardev_pending(&out) == 0, "every buffered byte was read");

	/* The reader closed: EPIPE, no SIGPIPE death, output discarded. */
	chardev_write(&gone, "to nobody\n", 10);
	check(gone.broken, "a closed reader (EPIPE) stops the output");

	/* A full device: ENOSPC. */
	if (full >= 0) {
		chardev_write(&nospace, "to a full disk\n", 15);
		check(!nospace.broken && nospace.dropped == 15,
		      "ENOSPC loses the bytes, not the device");
		chardev_close(&nospace, 0);
	}

	/* Exit: the bounded drain (poll) with a reader that stopped again, flags back (fcntl). */
	for (int i = 0; i < 200; i++)
		chardev_write(&out, line, strlen(line));
	chardev_io_detach(&io);
	check(fcntl(pipefd[1], F_GETFL) & O_NONBLOCK,
	      "non-blocking until exit (stderr may share it)");
	chardev_io_restore_all(); /* what exit() and the fatal-signal handlers do */
	check(!(fcntl(pipefd[1], F_GETFL) & O_NONBLOCK), "the fd's flags put back");
	chardev_close(&gone, 0);
	event_loop_destroy(&loop);
	printf("seccomp_probe: %s\n", failures ? "FAILED" : "every output path worked");
	return failures ? 1 : 0;
}

/* The guest console's sink for "console": say which bytes the guest got. */
static size_t show_input(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	for (size_t i = 0; i < len; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "guest got %02x\n", buf[i]);
		if (write(STDOUT_FILENO, line, (size_t)n) < 0)
			break;
	}
	return len;
}

/* stdin_console on a terminal, under the filter, until Ctrl-A x (or a signal) stops it. */
static int probe_console(void)
{
	static struct vm vm = {.loop = {.epoll_fd = -1, .wake_fd = -1}};
	static struct watch watch;
	static struct stdin_console input;

	if (event_loop_init(&vm.loop) || watch_signals(&watch, &vm) ||
	    stdin_console_start(&input, &vm, STDIN_FILENO, show_input, NULL))
		return 2;
	if (seccomp_install(0))
		return 2;
	fprintf(stderr, "seccomp_probe: console ready\n");
	if (event_loop_run(&vm.loop))
		return 2;
	if (watch_stop_reason(&watch))
		fprintf(stderr, "kvmini: %s\n", watch_stop_reason(&watch));
	stdin_console_restore();
	return vm.exit_status;
}

/* getpid through the 32-bit system-call ABI (int $0x80): number 20 there, not 39. */
static long int80_getpid(void)
{
	long ret;
	asm volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret;
}

/*
 * Without a filter: does int $0x80 reach the kernel's system-call code here?
 * Only with IA-32 emulation (CONFIG_IA32_EMULATION, and not switched off with
 * ia32_emulation=0) does the kernel install a gate for vector 0x80 that user
 * mode may use. Without it the instruction raises a general-protection fault
 * (Intel SDM vol. 3, 6.12.1.1: a gate's DPL below the CPL), the process dies
 * of SIGSEGV, and a seccomp filter never sees the call. Exits 0 if getpid
 * answered with our pid; any other answer is a failure (1).
 */
static int probe_int80_unfiltered(void)
{
	long ret = int80_getpid();
	printf("seccomp_probe: int $0x80 getpid returned %ld (pid %d)\n", ret, (int)getpid());
	return ret == getpid() ? 0 : 1;
}

/* The net modes' frames: a pattern, so that a cut or mixed-up frame shows. */
static void fill_frame(uint8_t *f, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 5 + seed);
}

struct net_wait {
	struct event_loop *loop;
	struct net_backend *be;
	uint8_t buf[256];
	ssize_t got;
};

/* The event loop saw the backend fd: take one frame and stop the loop. */
static void net_frame_ready(void *opaque, uint32_t events)
{
	struct net_wait *w = opaque;

	(void)events;
	w->got = net_backend_recv(w->be, w->buf, sizeof(w->buf));
	if (w->got != -EAGAIN)
		event_loop_stop(w->loop);
}

static int probe_net(void)
{
	static uint8_t ram[1 << 20];
	static const uint8_t mac[6] = {0x02, 0x4b, 0x56, 0x00, 0x00, 0x00};
	struct guest_mem mem;
	struct irq_line irq = {0};
	struct net_backend *be;
	struct virtio_net *net;
	struct event_loop loop;
	int sv[2];

	guest_mem_layout(&mem, ram, sizeof(ram));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) || net_socket_open(&be, sv[0]) ||
	    virtio_net_create(&net, be, mac, &mem, &irq) || event_loop_init(&loop)) {
		perror("seccomp_probe: setup");
		return 1;
	}
	struct net_wait w = {.loop = &loop, .be = be};
	if (probe_filter_install(0, " (no --net user)"))
		return 1;

	/* The guest's frame out: sendmsg of header-less iovecs; the peer reads it whole. */
	uint8_t frame[100], got[256];
	fill_frame(frame, sizeof(frame), 1);
	struct iovec iov[2] = {{frame, 14}, {frame + 14, sizeof(frame) - 14}};
	check(net_backend_send(be, iov, 2) == 0, "net: send a frame (sendmsg)");
	check(read(sv[1], got, sizeof(got)) == (ssize_t)sizeof(frame) &&
		      memcmp(got, frame, sizeof(frame)) == 0,
	      "net: the peer got it");

	/* A frame in: the I/O thread's loop wakes on the edge, recv (recvfrom) takes it. */
	check(event_loop_add(&loop, be->fd, EPOLLIN | EPOLLOUT | EPOLLET, net_frame_ready, &w) == 0,
	      "net: watch the backend fd, edge-triggered");
	fill_frame(frame, 60, 9);
	check(write(sv[1], frame, 60) == 60, "net: the peer sends");
	check(event_loop_run(&loop) == 0 && w.got == 60 && memcmp(w.buf, frame, 60) == 0,
	      "net: the event loop delivered it (epoll_wait, recvfrom)");

	/* The device's own pass: no queues yet, nothing moves, nothing forbidden. */
	virtio_net_poll(net);
	check(net_backend_recv(be, got, sizeof(got)) == -EAGAIN, "net: nothing more waiting");

	/* The peer goes away: recv() sees 0 and asks SO_TYPE (getsockopt). */
	close(sv[1]);
	check(net_backend_recv(be, got, sizeof(got)) == -ENOTCONN, "net: peer's close seen");
	event_loop_remove(&loop, be->fd);
	virtio_net_destroy(net);
	event_loop_destroy(&loop);
	return failures ? 1 : 0;
}

static int probe_net_user(void)
{
	static const uint8_t mac[6] = {0x02, 0x4b, 0x56, 0x00, 0x00, 0x00};
	const uint32_t xid = 0x4b564d32;
	struct net_backend *be;
	uint8_t f[2048];

	if (!net_slirp_available()) {
		printf("SKIP: this build has no libslirp (--net user)\n");
		return 77;
	}
	if (net_slirp_open(&be, NULL, 0)) {
		fprintf(stderr, "seccomp_probe: cannot open slirp\n");
		return 1;
	}
	if (probe_filter_install(SECCOMP_HOST_SOCKETS, " (with --net user)"))
		return 1;

	struct iovec iov = {f, probe_net_dhcp_discover(f, mac, xid)};
	check(net_backend_send(be, &iov, 1) == 0, "net-user: DHCPDISCOVER sent");
	bool offered = false;
	for (int tries = 0; tries < 40 && !offered; tries++) {
		ssize_t n = net_backend_recv(be, f, sizeof(f));
		if (n == -EAGAIN) {
			struct pollfd p = {.fd = be->fd, .events = POLLIN};
			poll(&p, 1, 100);
			continue;
		}
		const uint8_t *bootp = f + 14 + 20 + 8;
		/* A BOOTREPLY to our xid whose option 53 (message type) is 2, DHCPOFFER. */
		offered = n >= 14 + 20 + 8 + 244 && bootp[0] == 2 &&
			  memcmp(bootp + 4, &xid, 4) == 0 && bootp[240] == 53 && bootp[242] == 2;
	}
	check(offered, "net-user: slirp answered with a DHCPOFFER");
	net_backend_close(be);
	return failures ? 1 : 0;
}

/* ---- vsock: a minimal driver on the device's register file ------------------ */

enum {
	VQ_NUM = 16,
	VQ_RX_RING = 0x10000,
	VQ_TX_RING = 0x14000,
	VQ_EV_RING = 0x18000,
	VQ_RX_BUF = 0x40000, /* receive buffer i at VQ_RX_BUF + i * VQ_BUF */
	VQ_TX_BUF = 0x60000,
	VQ_BUF = 0x1000,
	VSOCK_PROBE_CID = 3,
};

struct vq {
	uint8_t *ram;
	uint64_t desc, avail, used;
	uint16_t next; /* descriptors and avail entries used so far (never wraps here) */
	uint16_t seen; /* used entries read so far */
};

static uint8_t vsock_ram[1 << 20] __attribute__((aligned(4096)));
static struct virtio_mmio *vsock_vmio;

static void vsock_wr(uint64_t off, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	vsock_vmio->dev.ops->write(&vsock_vmio->dev, off, b, 4);
}

/* Lay out ring q at gpa (section 2.7) and program it (section 4.2.3.2). */
static void vq_setup(struct vq *r, unsigned int q, uint64_t gpa)
{
	r->ram = vsock_ram;
	r->desc = gpa;
	r->avail = gpa + VIRTQ_DESC_SIZE(VQ_NUM);
	r->used = (r->avail + VIRTQ_AVAIL_SIZE(VQ_NUM) + 3) & ~3ULL;
	vsock_wr(VIRTIO_MMIO_QUEUE_SEL, q);
	vsock_wr(VIRTIO_MMIO_QUEUE_NUM, VQ_NUM);
	vsock_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)r->desc);
	vsock_wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)r->avail);
	vsock_wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)r->used);
	vsock_wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Offer one buffer of len bytes at gpa (device-writable if flags say so). */
static void vq_add(struct vq *r, uint64_t gpa, uint32_t len, uint16_t flags)
{
	struct virtq_desc *d = (struct virtq_desc *)(r->ram + r->desc) + r->next;
	struct virtq_avail *a = (struct virtq_avail *)(r->ram + r->avail);

	*d = (struct virtq_desc){.addr = gpa, .len = len, .flags = flags};
	a->ring[r->next % VQ_NUM] = r->next;
	r->next++;
	__atomic_store_n(&a->idx, r->next, __ATOMIC_RELEASE);
}

/* The next packet the device put in rx: 1 with its header and payload copied out, or 0. */
static int vq_rx_next(struct vq *r, struct virtio_vsock_hdr *h, char *payload, size_t size)
{
	struct virtq_used *u = (struct virtq_used *)(r->ram + r->used);

	if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == r->seen)
		return 0;
	const uint8_t *p = r->ram + VQ_RX_BUF + (uint64_t)u->ring[r->seen % VQ_NUM].id * VQ_BUF;
	r->seen++;
	memcpy(h, p, sizeof(*h));
	if (h->len < size)
		size = h->len;
	memcpy(payload, p + VIRTIO_VSOCK_HDR_SIZE, size);
	return 1;
}

/* The guest sends op from guest_port to host_port, with len bytes of payload. */
static void vsock_tx(struct vq *tx, uint16_t op, uint32_t guest_port, uint32_t host_port,
		     const void *payload, uint32_t len, uint32_t flags)
{
	uint64_t gpa = VQ_TX_BUF + (uint64_t)tx->next * VQ_BUF;
	struct virtio_vsock_hdr h =
		vsock_test_guest_hdr(VSOCK_PROBE_CID, op, guest_port, host_port, len, flags);

	h.buf_alloc = 64 * 1024;
	memcpy(vsock_ram + gpa, &h, sizeof(h));
	memcpy(vsock_ram + gpa + VIRTIO_VSOCK_HDR_SIZE, payload, len);
	vq_add(tx, gpa, VIRTIO_VSOCK_HDR_SIZE + len, 0);
	vsock_wr(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
}

/* Is the packet the device gave the guest op from host_port to guest_port? */
static int vsock_expect(struct vq *rx, uint16_t op, uint32_t guest_port, uint32_t *host_port,
			char *payload, size_t size)
{
	struct virtio_vsock_hdr h;

	if (!vq_rx_next(rx, &h, payload, size) || h.op != op || h.dst_port != guest_port ||
	    h.dst_cid != VSOCK_PROBE_CID)
		return 0;
	if (host_port && *host_port && h.src_port != *host_port)
		return 0;
	if (host_port)
		*host_port = h.src_port;
	return 1;
}

static void no_pulse(struct irq_line *line)
{
	(void)line;
}

/* A Unix stream socket connected to (or, if listen_too, listening on) path. */
static int unix_socket(const char *path, bool listen_too)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0)
		return -1;
	if (listen_too ? bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)
		       : connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int probe_vsock(void)
{
	struct guest_mem mem;
	struct irq_line irq = {.pulse = no_pulse};
	struct virtio_vsock *vs;
	struct vq rx = {0}, tx = {0}, ev = {0};
	const char *tmpdir = getenv("TMPDIR");
	char dir[64], path[80], port_path[96], buf[64];
	uint32_t hp = 0, gp = 0;

	/* Setup, as before seccomp_install() in main.c: the device binds PATH. */
	guest_mem_layout(&mem, vsock_ram, sizeof(vsock_ram));
	/* In TMPDIR if set (seccomp.sh's own directory, which it removes): a short path fits
	 * sun_path. */
	snprintf(dir, sizeof(dir), "%s/kvmini-vsock-XXXXXX", tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		perror("seccomp_probe: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/v.sock", dir);
	snprintf(port_path, sizeof(port_path), "%s_5000", path);
	if (virtio_vsock_create(&vs, VSOCK_PROBE_CID, path, &mem, &irq)) {
		perror("seccomp_probe: virtio_vsock_create");
		return 1;
	}
	vsock_vmio = virtio_vsock_mmio(vs);
	vsock_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vsock_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vsock_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_VSOCK_F_STREAM);
	vsock_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vsock_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	vsock_wr(VIRTIO_MMIO_STATUS,
		 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	vq_setup(&rx, VIRTIO_VSOCK_RX_QUEUE, VQ_RX_RING);
	vq_setup(&tx, VIRTIO_VSOCK_TX_QUEUE, VQ_TX_RING);
	vq_setup(&ev, VIRTIO_VSOCK_EVENT_QUEUE, VQ_EV_RING);
	vsock_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	for (uint16_t i = 0; i < VQ_NUM; i++)
		vq_add(&rx, VQ_RX_BUF + (uint64_t)i * VQ_BUF, VQ_BUF, VIRTQ_DESC_F_WRITE);
	vsock_wr(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_RX_QUEUE);
	/* The host programs: one that connects to PATH, one listening on PATH_5000. */
	int client = unix_socket(path, false);
	int listener = unix_socket(port_path, true);
	if (client < 0 || listener < 0) {
		perror("seccomp_probe: host programs");
		return 1;
	}
	if (probe_filter_install(SECCOMP_HOST_SOCKETS, " (with --vsock)"))
		return 1;

	/* Host to guest: accept4 and the CONNECT line (recvfrom); the guest accepts. */
	check(write(client, "CONNECT 1234\n", 13) == 13, "vsock: the host client writes CONNECT");
	virtio_vsock_poll(vs);
	check(vsock_expect(&rx, VIRTIO_VSOCK_OP_REQUEST, 1234, &hp, buf, 0),
	      "vsock: OP_REQUEST for guest port 1234 (accept4, recvfrom)");
	vsock_tx(&tx, VIRTIO_VSOCK_OP_RESPONSE, 1234, hp, NULL, 0, 0);
	virtio_vsock_poll(vs);
	ssize_t n = recv(client, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	check(n > 3 && memcmp(buf, "OK ", 3) == 0, "vsock: the host client reads OK (sendmsg)");

	/* Guest to host port 5000: socket and connect to PATH_5000. */
	vsock_tx(&tx, VIRTIO_VSOCK_OP_REQUEST, 7000, 5000, NULL, 0, 0);
	virtio_vsock_poll(vs);
	gp = 5000;
	check(vsock_expect(&rx, VIRTIO_VSOCK_OP_RESPONSE, 7000, &gp, buf, 0),
	      "vsock: OP_RESPONSE from host port 5000 (socket, connect)");
	int server = accept(listener, NULL, NULL);
	check(server >= 0, "vsock: the host server accepts the device's connection");

	/* Bytes each way: the guest's go out with sendmsg, the server's come in with recvmsg. */
	vsock_tx(&tx, VIRTIO_VSOCK_OP_RW, 7000, 5000, "ping", 4, 0);
	virtio_vsock_poll(vs);
	check(recv(server, buf, sizeof(buf), MSG_DONTWAIT) == 4 && memcmp(buf, "ping", 4) == 0,
	      "vsock: the server got the guest's bytes (sendmsg)");
	check(write(server, "pong", 4) == 4, "vsock: the server answers");
	virtio_vsock_poll(vs);
	check(vsock_expect(&rx, VIRTIO_VSOCK_OP_RW, 7000, &gp, buf, sizeof(buf)) &&
		      memcmp(buf, "pong", 4) == 0,
	      "vsock: the guest got the server's bytes (recvmsg)");

	/* The guest will send no more: shutdown(SHUT_WR) on the host socket. */
	vsock_tx(&tx, VIRTIO_VSOCK_OP_SHUTDOWN, 7000, 5000, NULL, 0, VIRTIO_VSOCK_SHUTDOWN_F_SEND);
	virtio_vsock_poll(vs);
	check(recv(server, buf, sizeof(buf), MSG_DONTWAIT) == 0,
	      "vsock: the server sees the guest's shutdown (shutdown)");

	/* Teardown: every connection closed, PATH removed (unlink). */
	virtio_vsock_destroy(vs);
	check(recv(client, buf, sizeof(buf), MSG_DONTWAIT) == 0,
	      "vsock: the client sees the close");
	check(unix_socket(path, false) < 0 && errno == ENOENT, "vsock: PATH is gone (unlink)");
	close(client);
	close(server);
	close(listener);
	/* dir and PATH_5000 stay: removing a directory is forbidden (seccomp.sh's TMPDIR goes). */
	printf("seccomp_probe: vsock: %s\n", failures ? "FAILED" : "every call worked");
	return failures ? 1 : 0;
}

/* The I/O thread's loop, until the killed share's two watches have fired (or 5 s). */
static struct board_fs *share_killed;
static struct event_loop *share_loop;
static int share_ticks;

static void share_tick(void *opaque, uint32_t events)
{
	uint64_t n;

	(void)events;
	if (read(*(int *)opaque, &n, sizeof(n)) != sizeof(n))
		return;
	if ((!share_killed->socket_watched && !share_killed->proc_watched) || ++share_ticks > 50)
		event_loop_stop(share_loop);
}

/* Driver: features, both fs queues, DRIVER_OK; true if the device took it (no NEEDS_RESET). */
static bool share_driver_ok(struct board_fs *sh)
{
	struct vq q0 = {0}, q1 = {0};

	vsock_vmio =
		virtio_fs_mmio(sh->fs); /* the vsock probe's register helpers, on this device */
	vsock_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vsock_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vsock_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	vsock_wr(VIRTIO_MMIO_STATUS,
		 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	vq_setup(&q0, 0, VQ_RX_RING);
	vq_setup(&q1, 1, VQ_TX_RING);
	vsock_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	return !(vsock_vmio->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static int probe_share(void)
{
	static struct share_config cfg[2];
	static struct board_fs sh[2];
	struct guest_mem mem;
	struct event_loop loop = {.epoll_fd = -1, .wake_fd = -1};
	struct irq_line irq = {.pulse = no_pulse};
	const char *tmpdir = getenv("TMPDIR");
	struct itimerspec every_100ms = {{0, 100000000}, {0, 100000000}};

	if (access(virtiofsd_program(), X_OK) || geteuid() != 0) {
		printf("SKIP: share: needs virtiofsd ('%s') and root\n", virtiofsd_program());
		return 77;
	}
	/* Setup, as before seccomp_install() in main.c: shared RAM, virtiofsd started. */
	snprintf(cfg[0].dir_buf, sizeof(cfg[0].dir_buf), "%s/kvmini-share-XXXXXX",
		 tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(cfg[0].dir_buf) || guest_mem_map_shared(&mem, 1 << 20) ||
	    event_loop_init(&loop)) {
		perror("seccomp_probe: share setup");
		return 1;
	}
	cfg[1] = cfg[0];
	for (int i = 0; i < 2; i++) {
		cfg[i].dir = cfg[i].dir_buf;
		snprintf(cfg[i].tag, sizeof(cfg[i].tag), "probe%d", i);
		if (board_fs_create(&sh[i], &cfg[i], &mem, &irq) || board_fs_watch(&sh[i], &loop))
			return 1;
	}
	int tick = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (tick < 0 || event_loop_add(&loop, tick, EPOLLIN, share_tick, &tick))
		return 1;
	if (probe_filter_install(0, " (with --share)"))
		return 1;

	check(share_driver_ok(&sh[0]), "share: DRIVER_OK hands the rings over (sendmsg, recvfrom)");
	vsock_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	vsock_wr(VIRTIO_MMIO_STATUS, 0);
	check(vsock_vmio->status == 0 && virtio_fs_check_backend(sh[0].fs),
	      "share: a kick (write), a reset (GET_VRING_BASE), the backend still there");
	check(share_driver_ok(&sh[0]) && share_driver_ok(&sh[1]), "share: both devices started");

	/* virtiofsd dies: the I/O thread's watches see the socket close and reap it. */
	check(pidfd_send_signal(sh[0].proc.pidfd, SIGKILL, NULL, 0) == 0,
	      "share: virtiofsd killed (pidfd_send_signal)");
	share_killed = &sh[0];
	share_loop = &loop;
	timerfd_settime(tick, 0, &every_100ms, NULL);
	event_loop_run(&loop);
	check(sh[0].proc.pid == 0 &&
		      virtio_fs_mmio(sh[0].fs)->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET,
	      "share: NEEDS_RESET, and the dead virtiofsd reaped (epoll, waitid)");

	/* Teardown: the rings taken back, virtiofsd stopped and reaped. */
	board_fs_destroy(&sh[1]);
	check(sh[1].proc.pid == 0, "share: teardown stops virtiofsd (pidfd_send_signal, waitid)");
	board_fs_destroy(&sh[0]);
	printf("seccomp_probe: share: %s\n", failures ? "FAILED" : "every call worked");
	return failures ? 1 : 0;
}

static int control_status(void *opaque, struct json_object *reply, char *err, size_t errlen)
{
	(void)opaque;
	(void)err;
	(void)errlen;
	return json_object_object_add(reply, "state", json_object_new_string("running"));
}

static int control_stop(void *opaque, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	event_loop_stop(opaque);
	return 0;
}

static int probe_control(void)
{
	static const struct control_ops ops = {.status = control_status, .stop = control_stop};
	static const char request[] = "{\"cmd\":\"status\"}\n{\"cmd\":\"stop\"}\n";
	const char *tmpdir = getenv("TMPDIR");
	struct vm_config cfg = {0};
	struct event_loop loop;
	struct control_server srv;
	char path[80], err[256], buf[256];

	/* Setup, as main.c's step 0 and 2 do: the socket exists before the filter. */
	snprintf(path, sizeof(path), "%s/ctl-%d.sock", tmpdir ? tmpdir : "/tmp", (int)getpid());
	cfg.control_path = path;
	if (event_loop_init(&loop) || control_server_open(&srv, path, err, sizeof(err)) ||
	    control_server_start(&srv, &loop, &ops, &loop)) {
		fprintf(stderr, "seccomp_probe: control socket: %s\n", err);
		return 1;
	}
	/* The client: connected and its requests written before the filter (it is not the
	 * monitor). */
	int client = unix_socket(path, false);
	if (client < 0 || write(client, request, sizeof(request) - 1) != sizeof(request) - 1) {
		perror("seccomp_probe: control client");
		return 1;
	}
	unsigned int extras = config_seccomp_extras(&cfg, &cfg);
	check(extras == (SECCOMP_HOST_SOCKETS | SECCOMP_SNAPSHOT),
	      "control: --control selects the host-sockets and snapshot filter");
	if (probe_filter_install(extras, " (with --control)"))
		return 1;

	check(event_loop_run(&loop) == 0, "control: the loop served the socket until stop");
	ssize_t n = recv(client, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	check(strstr(buf, "{\"ok\":true,\"state\":\"running\"}\n{\"ok\":true}\n") == buf,
	      "control: both replies came back (accept4, recvfrom, sendto)");
	control_server_close(&srv);
	check(unix_socket(path, false) < 0 && errno == ENOENT,
	      "control: the socket file is gone (unlink)");
	close(client);
	printf("seccomp_probe: control: %s\n", failures ? "FAILED" : "every call worked");
	return failures ? 1 : 0;
}

static void *thread_socket(void *arg)
{
	(void)arg;
	socket(AF_INET, SOCK_STREAM, 0);
	return NULL;
}

static size_t discard(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	(void)buf;
	return len;
}

/* Make the forbidden call of this mode. Returns only if the filter let it through. */
static void forbidden(const char *mode)
{
	if (strcmp(mode, "socket") == 0) {
		socket(AF_INET, SOCK_STREAM, 0);
	} else if (strcmp(mode, "execve") == 0) {
		char *argv[] = {"true", NULL};
		execve("/bin/true", argv, NULL);
	} else if (strcmp(mode, "open") == 0) {
		/*
		 * O_CLOEXEC, as the monitor opens files: the host-sockets filter
		 * refuses a bare O_RDONLY open (fopen's) with EACCES instead, for
		 * libslirp (seccomp_dns_probe.c tests that).
		 */
		open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	} else if (strcmp(mode, "fork") == 0) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0); /* the child of a broken filter */
	} else if (strcmp(mode, "exec-memory") == 0) {
		mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	} else if (strcmp(mode, "kvm-ioctl") == 0) {
		/* Creating a VM is setup work: refused at run time. */
		ioctl(STDIN_FILENO, KVM_CREATE_VM, 0);
	} else if (strcmp(mode, "kill") == 0) {
		kill(1, 0);
	} else if (strcmp(mode, "thread-socket") == 0) {
		/* Like a vCPU thread: every signal blocked but SIGSYS and the faults. */
		sigset_t set;
		pthread_t t;
		sigfillset(&set);
		sigdelset(&set, SIGSYS);
		pthread_sigmask(SIG_SETMASK, &set, NULL);
		if (pthread_create(&t, NULL, thread_socket, NULL) == 0)
			pthread_join(t, NULL);
	} else if (strcmp(mode, "int80") == 0) {
		int80_getpid();
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr,
			"usage: seccomp_probe allowed|output|console|int80-unfiltered|MODE (see the source)\n");
		return 2;
	}
	if (strcmp(argv[1], "allowed") == 0)
		return probe_allowed();
	if (strcmp(argv[1], "output") == 0)
		return probe_output();
	if (strcmp(argv[1], "console") == 0)
		return probe_console();
	if (strcmp(argv[1], "net") == 0)
		return probe_net();
	if (strcmp(argv[1], "net-user") == 0)
		return probe_net_user();
	if (strcmp(argv[1], "vsock") == 0)
		return probe_vsock();
	if (strcmp(argv[1], "share") == 0)
		return probe_share();
	if (strcmp(argv[1], "control") == 0)
		return probe_control();
	if (strcmp(argv[1], "int80-unfiltered") == 0)
		return probe_int80_unfiltered();

	const char *mode = argv[1];
	struct vm vm = {.loop = {.epoll_fd = -1, .wake_fd = -1}};
	if (strcmp(mode, "terminal") == 0) {
		/* Raw mode as a running monitor has it; the handler must undo it. */
		struct termios t;
		static struct stdin_console input;
		if (event_loop_init(&vm.loop) ||
		    stdin_console_start(&input, &vm, STDIN_FILENO, discard, NULL))
			return 2;
		if (tcgetattr(STDIN_FILENO, &t) || (t.c_lflag & ICANON)) {
			fprintf(stderr, "seccomp_probe: stdin is not a terminal in raw mode\n");
			return 2;
		}
		fprintf(stderr, "seccomp_probe: the terminal is in raw mode\n");
		mode = "socket";
	}
	/*
	 * "user-MODE": the same call under the wider filter of a --net user VM;
	 * "snap-MODE": under the widest, a VM with a control socket's.
	 */
	unsigned int extras = 0;
	if (strncmp(mode, "user-", 5) == 0) {
		extras = SECCOMP_HOST_SOCKETS;
		mode += 5;
	} else if (strncmp(mode, "snap-", 5) == 0) {
		extras = SECCOMP_HOST_SOCKETS | SECCOMP_SNAPSHOT;
		mode += 5;
	}
	fprintf(stderr, "seccomp_probe: installing the filter, then: %s\n", argv[1]);
	if (probe_filter_install(extras, ""))
		return 2;
	forbidden(mode);
	fprintf(stderr, "seccomp_probe: FAILED: the forbidden call returned (errno %d: %s)\n",
		errno, strerror(errno));
	return 3;
}
