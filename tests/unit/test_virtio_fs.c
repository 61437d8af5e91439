// SPDX-License-Identifier: MIT
/*
 * virtio-fs end to end without KVM: the device model (devices/virtio/virtio_fs.c)
 * on a real virtiofsd started by the same code kvmini uses
 * (vmm/board/board_fs.c, vmm/host/virtiofsd.c, devices/backends/vhost_user.c),
 * driven by this test acting as the guest's driver: registers through the
 * device's MMIO callbacks, split rings laid out in shared (memfd) guest
 * memory, FUSE requests (<linux/fuse.h>) on the request queue, and the
 * backend's call eventfd waited for with a timeout.
 *
 * Skips (77) when virtiofsd is missing ($KVMINI_VIRTIOFSD or
 * /usr/lib/qemu/virtiofsd) or not running as root (virtiofsd's namespace
 * sandbox and the ro remount need it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board_fs.h"
#include "board/board_virtio.h"
#include "unit_run.h"
#include "virtio_test.h"

#define REQ_Q	1 /* the request queue; 0 is hiprio */
#define WAIT_MS 5000
/* Offsets from the rig's gpa: 0, or 4 GiB to test the high RAM region. */
#define IN_GPA	  VT_DATA_GPA		  /* device-readable: header, arguments, data */
#define OUT_GPA	  (VT_DATA_GPA + 0x10000) /* device-writable: the answer */
#define OUT_BYTES 0x10000

static const char hello_text[] = "hello from the host\n";
static const char secret_text[] = "SECRET outside the share\n";

/* One share under test: dirs on the host, virtiofsd, the device, the driver's rings. */
struct rig {
	char base[64], share[96], outside[96];
	struct share_config cfg;
	struct guest_mem mem;
	struct vt_irq irq;
	struct board_fs sh;
	struct virtio_mmio *vmio;
	struct vt_ring rings[VIRTIO_FS_NUM_QUEUES];
	uint64_t gpa; /* where the rings and buffers are: 0, or KVMINI_HIGH_RAM_START */
	uint64_t unique;
};

static struct rig rig;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* share/hello, share/up -> ../outside/secret, share/abs -> BASE/outside (absolute). */
static void make_tree(struct rig *r)
{
	char path[160];

	strcpy(r->base, "/tmp/kvmini-fs-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(r->base));
	snprintf(r->share, sizeof(r->share), "%s/share", r->base);
	snprintf(r->outside, sizeof(r->outside), "%s/outside", r->base);
	ck_assert_int_eq(mkdir(r->share, 0755), 0);
	ck_assert_int_eq(mkdir(r->outside, 0755), 0);
	snprintf(path, sizeof(path), "%s/hello", r->share);
	write_file(path, hello_text);
	snprintf(path, sizeof(path), "%s/secret", r->outside);
	write_file(path, secret_text);
	snprintf(path, sizeof(path), "%s/up", r->share);
	ck_assert_int_eq(symlink("../outside/secret", path), 0);
	snprintf(path, sizeof(path), "%s/abs", r->share);
	ck_assert_int_eq(symlink(r->outside, path), 0);
}

/* Driver: reset, negotiate VERSION_1, both rings, DRIVER_OK (the backend takes the rings). */
static void driver_init(struct rig *r)
{
	for (unsigned int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
		vt_ring_init(&r->rings[q], &r->mem, 64, r->gpa + VT_RING_GPA + 0x4000 * q);
		memset(vt_ptr(&r->mem, r->rings[q].desc), 0, 0x4000);
	}
	/* Under the device lock, as the bus takes it: the board test has an I/O thread. */
	pthread_mutex_lock(&r->vmio->dev.lock);
	uint32_t st = vt_negotiate(r->vmio, 1ULL << VIRTIO_F_VERSION_1);
	for (unsigned int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++)
		vt_queue_setup(r->vmio, q, &r->rings[q]);
	vt_driver_ok(r->vmio);
	bool broken = vt_needs_reset(r->vmio);
	pthread_mutex_unlock(&r->vmio->dev.lock);
	ck_assert_uint_eq(st & VIRTIO_STATUS_FEATURES_OK, VIRTIO_STATUS_FEATURES_OK);
	ck_assert(!broken);
}

/* A share on guest RAM of mem_size bytes, the rings and buffers at gpa. */
static void rig_start_at(struct rig *r, bool read_only, uint64_t mem_size, uint64_t gpa)
{
	sigset_t stop_signals;

	/* As in kvmini (host/watch.c): the stop signals are blocked when virtiofsd starts. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &stop_signals, NULL), 0);
	memset(r, 0, sizeof(*r));
	make_tree(r);
	strcpy(r->cfg.dir_buf, r->share);
	r->cfg.dir = r->cfg.dir_buf;
	strcpy(r->cfg.tag, "hostshare");
	r->cfg.read_only = read_only;
	r->gpa = gpa;
	ck_assert_int_eq(guest_mem_map_shared(&r->mem, mem_size), 0);
	ck_assert_int_ge(r->mem.fd, 0);
	vt_irq_init(&r->irq);
	ck_assert_int_eq(board_fs_create(&r->sh, &r->cfg, &r->mem, &r->irq.line), 0);
	r->vmio = virtio_fs_mmio(r->sh.fs);
	driver_init(r);
}

static void rig_start(struct rig *r, bool read_only)
{
	rig_start_at(r, read_only, VT_MEM_SIZE, 0);
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void rig_stop(struct rig *r)
{
	char cmd[128];
	uint64_t start = now_ms();

	board_fs_destroy(&r->sh);
	ck_assert_int_eq(r->sh.proc.pid, 0); /* reaped */
	/* SIGTERM did it, not the SIGKILL after VIRTIOFSD_STOP_MS (kvmini's mask is not
	 * virtiofsd's). */
	ck_assert_uint_lt(now_ms() - start, VIRTIOFSD_STOP_MS);
	guest_mem_unmap(&r->mem);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->base);
	ck_assert_int_eq(system(cmd), 0);
}

/* A register access as the bus makes it: under the device lock. */
static uint32_t rig_rd(struct rig *r, uint64_t off)
{
	pthread_mutex_lock(&r->vmio->dev.lock);
	uint32_t v = vt_rd(r->vmio, off);
	pthread_mutex_unlock(&r->vmio->dev.lock);
	return v;
}

static void rig_wr(struct rig *r, uint64_t off, uint32_t v)
{
	pthread_mutex_lock(&r->vmio->dev.lock);
	vt_wr(r->vmio, off, v);
	pthread_mutex_unlock(&r->vmio->dev.lock);
}

/*
 * Wait (bounded) until the backend has used a buffer on queue q since
 * used_before and the driver has been interrupted for it (InterruptStatus
 * bit 0: virtiofsd updates the used ring before it signals the call
 * eventfd). Serves the call eventfd as the I/O thread does (board_fs.c's
 * call_ready) unless the board's own I/O thread runs (test_board_share).
 * A call may come without news: libvhost-user signals every call eventfd
 * once when it gets it (SET_VRING_CALL). true if both came.
 */
static bool wait_used(struct rig *r, unsigned int q, uint16_t used_before)
{
	struct pollfd p = {r->sh.fs ? vhost_user_call_fd(virtio_fs_backend(r->sh.fs), q) : -1,
			   POLLIN, 0};
	uint64_t count;

	for (int waited = 0; waited < WAIT_MS; waited += 10) {
		if (poll(&p, 1, 10) == 1 && read(p.fd, &count, sizeof(count)) == sizeof(count))
			virtio_fs_call(r->sh.fs, q);
		if (__atomic_load_n(&vt_used(&r->rings[q])->idx, __ATOMIC_ACQUIRE) != used_before &&
		    (rig_rd(r, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING))
			return true;
	}
	return false;
}

/*
 * One FUSE request: header + args (+ data) readable, OUT_BYTES writable.
 * Returns the answer's error (0 or -errno) and copies up to outlen bytes of
 * its payload (after the fuse_out_header) into out; *got is its length.
 */
static int fuse_call(struct rig *r, uint32_t opcode, uint64_t nodeid, const void *arg,
		     uint32_t arglen, const void *data, uint32_t datalen, void *out,
		     uint32_t outlen, uint32_t *got)
{
	struct vt_ring *ring = &r->rings[REQ_Q];
	struct fuse_in_header in = {
		.len = (uint32_t)sizeof(in) + arglen + datalen,
		.opcode = opcode,
		.unique = ++r->unique,
		.nodeid = nodeid,
	};
	uint64_t in_gpa = r->gpa + IN_GPA, out_gpa = r->gpa + OUT_GPA;
	uint8_t *inbuf = vt_ptr(&r->mem, in_gpa);
	struct fuse_out_header oh;

	memcpy(inbuf, &in, sizeof(in));
	if (arglen)
		memcpy(inbuf + sizeof(in), arg, arglen);
	if (datalen)
		memcpy(inbuf + sizeof(in) + arglen, data, datalen);
	memset(vt_ptr(&r->mem, out_gpa), 0xa5, OUT_BYTES);
	vt_desc(ring, 0, in_gpa, in.len, VIRTQ_DESC_F_NEXT, 1);
	vt_desc(ring, 1, out_gpa, OUT_BYTES, VIRTQ_DESC_F_WRITE, 0);
	uint16_t used_before = vt_used(ring)->idx;
	vt_avail_add(ring, 0);
	rig_wr(r, VIRTIO_MMIO_QUEUE_NOTIFY, REQ_Q);
	ck_assert_msg(wait_used(r, REQ_Q, used_before), "no answer to FUSE opcode %u within %d ms",
		      opcode, WAIT_MS);
	/* The interrupt the guest sees: InterruptStatus bit 0 set, then acknowledged. */
	ck_assert_uint_eq(rig_rd(r, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING,
			  VIRTIO_MMIO_INT_VRING);
	rig_wr(r, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	struct virtq_used *used = vt_used(ring);
	ck_assert_uint_eq((uint16_t)(used->idx - used_before), 1);
	ck_assert_uint_eq(used->ring[used_before % ring->num].id, 0);
	memcpy(&oh, vt_ptr(&r->mem, out_gpa), sizeof(oh));
	ck_assert_uint_eq(oh.unique, in.unique);
	ck_assert_uint_ge(oh.len, sizeof(oh));
	ck_assert_uint_eq(used->ring[used_before % ring->num].len, oh.len);
	uint32_t n = oh.len - (uint32_t)sizeof(oh);
	if (got)
		*got = n;
	if (out)
		memcpy(out, (uint8_t *)vt_ptr(&r->mem, out_gpa) + sizeof(oh),
		       n < outlen ? n : outlen);
	return oh.error;
}

static void fuse_init(struct rig *r)
{
	/* What Linux 6.1 sends: its own minor version and the whole fuse_init_in. */
	struct fuse_init_in in = {.major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION};
	struct fuse_init_out out;

	ck_assert_int_eq(
		fuse_call(r, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, &out, sizeof(out), NULL), 0);
	ck_assert_uint_eq(out.major, FUSE_KERNEL_VERSION);
}

static int lookup(struct rig *r, uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	memset(e, 0, sizeof(*e));
	return fuse_call(r, FUSE_LOOKUP, parent, name, (uint32_t)strlen(name) + 1, NULL, 0, e,
			 sizeof(*e), NULL);
}

static int fuse_open(struct rig *r, uint64_t nodeid, uint32_t flags, uint64_t *fh)
{
	struct fuse_open_in in = {.flags = flags};
	struct fuse_open_out out = {0};
	int err =
		fuse_call(r, FUSE_OPEN, nodeid, &in, sizeof(in), NULL, 0, &out, sizeof(out), NULL);
	*fh = out.fh;
	return err;
}

/* READ up to size bytes at 0 into buf; returns the error, *got the bytes. */
static int fuse_read(struct rig *r, uint64_t nodeid, uint64_t fh, void *buf, uint32_t size,
		     uint32_t *got)
{
	struct fuse_read_in in = {.fh = fh, .offset = 0, .size = size};
	return fuse_call(r, FUSE_READ, nodeid, &in, sizeof(in), NULL, 0, buf, size, got);
}

/* CREATE name in the root; the answer is fuse_entry_out then fuse_open_out. */
static int fuse_create(struct rig *r, const char *name, uint64_t *nodeid, uint64_t *fh)
{
	struct {
		struct fuse_create_in in;
		char name[32];
	} arg = {.in = {.flags = O_WRONLY | O_CREAT | O_EXCL, .mode = S_IFREG | 0644}};
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} out = {0};

	strcpy(arg.name, name);
	int err = fuse_call(r, FUSE_CREATE, FUSE_ROOT_ID, &arg,
			    (uint32_t)(sizeof(arg.in) + strlen(name) + 1), NULL, 0, &out,
			    sizeof(out), NULL);
	*nodeid = out.e.nodeid;
	*fh = out.o.fh;
	return err;
}

static void host_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t n = read(fd, buf, size - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
}

/* A file the host wrote is read by the guest, byte for byte. */
START_TEST(test_guest_reads_host_file)
{
	struct fuse_entry_out e;
	char buf[256] = {0};
	uint64_t fh;
	uint32_t got;

	rig_start(&rig, false);
	/* Config space: the tag, NUL-padded, then num_request_queues = 1 (section 5.11.4). */
	ck_assert_uint_eq(vt_rd(rig.vmio, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_FS);
	ck_assert_uint_eq(vt_rd(rig.vmio, VIRTIO_MMIO_CONFIG), 0x74736f68); /* "host" */
	ck_assert_uint_eq(vt_rd(rig.vmio, VIRTIO_MMIO_CONFIG + 36), 1);
	fuse_init(&rig);
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "hello", &e), 0);
	ck_assert_uint_eq(e.attr.size, strlen(hello_text));
	ck_assert_int_eq(fuse_open(&rig, e.nodeid, O_RDONLY, &fh), 0);
	ck_assert_int_eq(fuse_read(&rig, e.nodeid, fh, buf, sizeof(buf) - 1, &got), 0);
	ck_assert_uint_eq(got, strlen(hello_text));
	ck_assert_str_eq(buf, hello_text);
	ck_assert_int_gt(rig.irq.pulses, 0);
	rig_stop(&rig);
}
END_TEST

/*
 * Guest RAM above 3 GiB is a second region (SET_MEM_TABLE sends two, each on
 * the memfd at its own offset): rings and buffers at 4 GiB are served too.
 */
START_TEST(test_high_memory)
{
	struct fuse_entry_out e;
	char buf[256] = {0};
	uint64_t fh;
	uint32_t got;

	/* 5 GiB of memfd costs only the pages touched (ftruncate allocates nothing). */
	rig_start_at(&rig, false, 5ULL << 30, KVMINI_HIGH_RAM_START);
	ck_assert_uint_eq(rig.mem.high_size, 2ULL << 30);
	fuse_init(&rig);
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "hello", &e), 0);
	ck_assert_int_eq(fuse_open(&rig, e.nodeid, O_RDONLY, &fh), 0);
	ck_assert_int_eq(fuse_read(&rig, e.nodeid, fh, buf, sizeof(buf) - 1, &got), 0);
	ck_assert_str_eq(buf, hello_text);
	rig_stop(&rig);
}
END_TEST

/* The guest creates and writes a file; the host sees it. */
START_TEST(test_guest_write_shows_on_host)
{
	static const char text[] = "written by the guest\n";
	struct fuse_write_in in = {.offset = 0, .size = sizeof(text) - 1};
	struct fuse_write_out wo = {0};
	uint64_t nodeid, fh;
	char path[160], buf[256];

	rig_start(&rig, false);
	fuse_init(&rig);
	ck_assert_int_eq(fuse_create(&rig, "fromguest", &nodeid, &fh), 0);
	in.fh = fh;
	ck_assert_int_eq(fuse_call(&rig, FUSE_WRITE, nodeid, &in, sizeof(in), text,
				   sizeof(text) - 1, &wo, sizeof(wo), NULL),
			 0);
	ck_assert_uint_eq(wo.size, sizeof(text) - 1);
	snprintf(path, sizeof(path), "%s/fromguest", rig.share);
	host_read(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, text);
	rig_stop(&rig);
}
END_TEST

/* ro: creating, and opening for writing, fail with EROFS; reading still works. */
START_TEST(test_read_only_refuses_writes)
{
	struct fuse_entry_out e;
	uint64_t nodeid, fh;
	char path[160], buf[256] = {0};
	uint32_t got;

	rig_start(&rig, true);
	fuse_init(&rig);
	ck_assert_int_eq(fuse_create(&rig, "nope", &nodeid, &fh), -EROFS);
	snprintf(path, sizeof(path), "%s/nope", rig.share);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "hello", &e), 0);
	ck_assert_int_eq(fuse_open(&rig, e.nodeid, O_RDWR, &fh), -EROFS);
	ck_assert_int_eq(fuse_open(&rig, e.nodeid, O_RDONLY, &fh), 0);
	ck_assert_int_eq(fuse_read(&rig, e.nodeid, fh, buf, sizeof(buf) - 1, &got), 0);
	ck_assert_str_eq(buf, hello_text);
	/* The host's own view of the directory stays writable: only virtiofsd's is ro. */
	snprintf(path, sizeof(path), "%s/hostside", rig.share);
	write_file(path, "ok");
	rig_stop(&rig);
}
END_TEST

/* ".." at the root is the root, and symlinks do not lead out of the share. */
START_TEST(test_no_escape)
{
	struct fuse_entry_out e, root_parent;
	struct stat st;
	char buf[256] = {0};
	uint64_t fh;
	uint32_t got;

	rig_start(&rig, false);
	fuse_init(&rig);
	ck_assert_int_eq(stat(rig.share, &st), 0);
	/* LOOKUP ".." of the root: the share itself, not its host parent. */
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "..", &root_parent), 0);
	ck_assert_uint_eq(root_parent.attr.ino, st.st_ino);
	ck_assert_int_eq(lookup(&rig, root_parent.nodeid, "outside", &e), -ENOENT);
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "../outside", &e) < 0, 1);
	/* A relative symlink out: the guest resolves it, and ".." stops at the root. */
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "up", &e), 0);
	ck_assert_uint_eq(e.attr.mode & S_IFMT, S_IFLNK);
	ck_assert_int_eq(fuse_call(&rig, FUSE_READLINK, e.nodeid, NULL, 0, NULL, 0, buf,
				   sizeof(buf) - 1, &got),
			 0);
	ck_assert_str_eq(buf, "../outside/secret");
	/* Opening the link itself does not follow it to the secret. */
	int err = fuse_open(&rig, e.nodeid, O_RDONLY, &fh);
	if (err == 0) {
		memset(buf, 0, sizeof(buf));
		err = fuse_read(&rig, e.nodeid, fh, buf, sizeof(buf) - 1, &got);
		ck_assert(err < 0 || strstr(buf, "SECRET") == NULL);
	}
	/* An absolute symlink to a host directory: nothing can be looked up through it. */
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "abs", &e), 0);
	ck_assert_uint_eq(e.attr.mode & S_IFMT, S_IFLNK);
	ck_assert_int_lt(lookup(&rig, e.nodeid, "secret", &root_parent), 0);
	rig_stop(&rig);
}
END_TEST

/* A device reset takes the rings back; the driver can start again and be served. */
START_TEST(test_reset_and_restart)
{
	struct fuse_entry_out e;

	rig_start(&rig, false);
	fuse_init(&rig);
	vt_wr(rig.vmio, VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(vt_rd(rig.vmio, VIRTIO_MMIO_STATUS), 0);
	driver_init(&rig);
	fuse_init(&rig);
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "hello", &e), 0);
	rig_stop(&rig);
}
END_TEST

/* virtiofsd killed mid-run: NEEDS_RESET and a config interrupt, no hang anywhere. */
START_TEST(test_virtiofsd_killed)
{
	struct vhost_user *vu;
	char why[96];

	rig_start(&rig, false);
	fuse_init(&rig);
	vu = virtio_fs_backend(rig.sh.fs);
	ck_assert_int_eq(kill(rig.sh.proc.pid, SIGKILL), 0);
	/* The I/O thread's watch: the socket turns readable (closed) within the timeout. */
	struct pollfd p = {vhost_user_socket_fd(vu), POLLIN, 0};
	ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
	int pulses = rig.irq.pulses;
	ck_assert(!virtio_fs_check_backend(rig.sh.fs));
	ck_assert(vt_needs_reset(rig.vmio));
	ck_assert_uint_eq(vt_rd(rig.vmio, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG,
			  VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(rig.irq.pulses, pulses + 1);
	/* Its pidfd turns readable once it is a zombie (the I/O thread's other watch). */
	struct pollfd pp = {rig.sh.proc.pidfd, POLLIN, 0};
	ck_assert_int_eq(poll(&pp, 1, WAIT_MS), 1);
	ck_assert(virtiofsd_exited(&rig.sh.proc, why, sizeof(why)));
	ck_assert_str_eq(why, "was killed by signal 9 (Killed)");
	/* A kick now is dropped at once; a reset and a new DRIVER_OK fail fast, not hang. */
	vt_wr(rig.vmio, VIRTIO_MMIO_QUEUE_NOTIFY, REQ_Q);
	vt_wr(rig.vmio, VIRTIO_MMIO_STATUS, 0);
	for (unsigned int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++)
		vt_ring_init(&rig.rings[q], &rig.mem, 64, VT_RING_GPA + 0x4000 * q);
	vt_negotiate(rig.vmio, 1ULL << VIRTIO_F_VERSION_1);
	for (unsigned int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++)
		vt_queue_setup(rig.vmio, q, &rig.rings[q]);
	vt_driver_ok(rig.vmio);
	ck_assert(vt_needs_reset(rig.vmio));
	rig_stop(&rig);
}
END_TEST

/* SIGKILL this process's children called virtiofsd (the board keeps their pids private). */
static int kill_virtiofsd_children(void)
{
	char path[64], comm[32];
	int pid, killed = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fscanf(f, "%d", &pid) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		FILE *c = fopen(path, "r");
		if (c && fgets(comm, sizeof(comm), c) && strcmp(comm, "virtiofsd\n") == 0 &&
		    kill(pid, SIGKILL) == 0)
			killed++;
		if (c)
			fclose(c);
	}
	fclose(f);
	return killed;
}

static void *run_loop(void *loop)
{
	return (void *)(intptr_t)event_loop_run(loop);
}

/*
 * The board's path (board_virtio*.c, board_fs.c) on a VM without KVM: the
 * share's slot comes after the other devices, and the I/O thread turns
 * virtiofsd's call into InterruptStatus bit 0, then notices it die.
 */
START_TEST(test_board_share)
{
	static struct vm vm;
	static struct board board;
	static struct vm_config cfg;
	struct fuse_entry_out e;
	pthread_t t;
	void *ret;

	memset(&rig, 0, sizeof(rig));
	make_tree(&rig);
	ck_assert_int_eq(guest_mem_map_shared(&rig.mem, VT_MEM_SIZE), 0);
	vm.kvm_fd = vm.vm_fd = -1;
	vm.mem = rig.mem; /* the same mapping and memfd */
	bus_init(&vm.pio, "pio");
	bus_init(&vm.mmio, "mmio");
	ck_assert_int_eq(event_loop_init(&vm.loop), 0);
	board_init(&board, &vm);
	cfg.rng = true;
	cfg.nshares = 1;
	strcpy(cfg.shares[0].dir_buf, rig.share);
	cfg.shares[0].dir = cfg.shares[0].dir_buf;
	strcpy(cfg.shares[0].tag, "boardshare");
	ck_assert_int_eq(board_virtio_setup(&board, &cfg), 0);

	/* The rng first, the share after it: slot 1, GSI 6, and a virtio_mmio.device= entry. */
	ck_assert_uint_eq(board.res.nvirtio, 2);
	uint64_t base = board.res.virtio[1].base;
	ck_assert_uint_eq(base, KVMINI_VIRTIO_MMIO_BASE + KVMINI_VIRTIO_MMIO_STRIDE);
	ck_assert_int_eq(board.res.virtio[1].gsi, KVMINI_VIRTIO_MMIO_FIRST_GSI + 1);
	char cmdline[256] = "";
	ck_assert_int_eq(board_virtio_cmdline(&board, cmdline, sizeof(cmdline)), 0);
	ck_assert_msg(strstr(cmdline, " virtio_mmio.device=0x200@0xd0001000:6"), "%s", cmdline);
	struct device *dev = bus_find(&vm.mmio, base, 4);
	ck_assert_ptr_nonnull(dev);
	rig.vmio = dev->priv;
	ck_assert_uint_eq(rig_rd(&rig, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_FS);

	ck_assert_int_eq(pthread_create(&t, NULL, run_loop, &vm.loop), 0);
	driver_init(&rig);
	fuse_init(&rig); /* answered through the I/O thread's call_ready() */
	ck_assert_int_eq(lookup(&rig, FUSE_ROOT_ID, "hello", &e), 0);

	/* virtiofsd killed: the I/O thread's watch marks the device, within the timeout. */
	ck_assert_int_eq(kill_virtiofsd_children(), 1);
	for (int waited = 0; waited < WAIT_MS && !vt_needs_reset(rig.vmio); waited += 10)
		usleep(10000);
	ck_assert(rig_rd(&rig, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	event_loop_stop(&vm.loop);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_int_eq((int)(intptr_t)ret, 0);
	board_virtio_destroy(&board);
	event_loop_destroy(&vm.loop);
	rig_stop(&rig); /* the memory, the tree */
}
END_TEST

/*
 * virtiofsd that cannot start: an exec failure comes back through the
 * status pipe with its errno; a program that exits at once (here
 * /bin/false) fails the vhost-user hello with -EPIPE, not a hang. Either
 * way nothing is left running.
 */
START_TEST(test_virtiofsd_fails_to_start)
{
	struct board_fs sh;
	struct guest_mem mem;
	struct share_config cfg = {.dir = "/tmp", .tag = "t"};
	struct irq_line irq = {0};

	ck_assert_int_eq(guest_mem_map_shared(&mem, VT_MEM_SIZE), 0);
	setenv("KVMINI_VIRTIOFSD", "/nonexistent/virtiofsd", 1);
	ck_assert_int_eq(board_fs_create(&sh, &cfg, &mem, &irq), -ENOENT);
	ck_assert_int_eq(sh.proc.pid, 0);
	board_fs_destroy(&sh);
	setenv("KVMINI_VIRTIOFSD", "/bin/false", 1);
	uint64_t start = now_ms();
	ck_assert_int_eq(board_fs_create(&sh, &cfg, &mem, &irq), -EPIPE);
	ck_assert_uint_lt(now_ms() - start, VHOST_USER_TIMEOUT_MS);
	board_fs_destroy(&sh);
	ck_assert_int_eq(sh.proc.pid, 0);
	unsetenv("KVMINI_VIRTIOFSD");
	guest_mem_unmap(&mem);
}
END_TEST

/* What kvmini refuses before it starts anything: a missing program, a file as HOSTDIR. */
START_TEST(test_check_shares)
{
	struct vm_config cfg = {0};
	char err[512];

	cfg.nshares = 1;
	cfg.shares[0].dir = "/etc/hostname";
	ck_assert_int_eq(virtiofsd_check_shares(&cfg, err, sizeof(err)), -ENOTDIR);
	ck_assert_ptr_nonnull(strstr(err, "not a directory"));
	cfg.shares[0].dir = "/nonexistent-kvmini-dir";
	ck_assert_int_eq(virtiofsd_check_shares(&cfg, err, sizeof(err)), -ENOENT);
	cfg.shares[0].dir = "/tmp";
	ck_assert_int_eq(virtiofsd_check_shares(&cfg, err, sizeof(err)), 0);
	setenv("KVMINI_VIRTIOFSD", "/nonexistent/virtiofsd", 1);
	ck_assert_int_eq(virtiofsd_check_shares(&cfg, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/virtiofsd"));
	char plain[] = "/tmp/kvmini-fs-notexec-XXXXXX";
	int fd = mkstemp(plain); /* mode 0600: not executable */
	ck_assert_int_ge(fd, 0);
	close(fd);
	setenv("KVMINI_VIRTIOFSD", plain, 1);
	ck_assert_int_eq(virtiofsd_check_shares(&cfg, err, sizeof(err)), -EACCES);
	ck_assert_ptr_nonnull(strstr(err, "not an executable file"));
	unlink(plain);
	unsetenv("KVMINI_VIRTIOFSD");
}
END_TEST

static Suite *virtio_fs_suite(void)
{
	Suite *s = suite_create("virtio_fs");
	TCase *tc = tcase_create("virtiofsd");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_guest_reads_host_file);
	tcase_add_test(tc, test_guest_write_shows_on_host);
	tcase_add_test(tc, test_high_memory);
	tcase_add_test(tc, test_read_only_refuses_writes);
	tcase_add_test(tc, test_no_escape);
	tcase_add_test(tc, test_reset_and_restart);
	tcase_add_test(tc, test_virtiofsd_killed);
	tcase_add_test(tc, test_check_shares);
	tcase_add_test(tc, test_board_share);
	tcase_add_test(tc, test_virtiofsd_fails_to_start);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *prog = virtiofsd_program();

	if (access(prog, X_OK) != 0) {
		printf("SKIP: virtiofsd '%s' is missing (Debian: qemu-system-common; or set "
		       "KVMINI_VIRTIOFSD)\n",
		       prog);
		return 77;
	}
	if (geteuid() != 0) {
		printf("SKIP: virtiofsd's namespace sandbox and the ro remount need root\n");
		return 77;
	}
	return unit_run(virtio_fs_suite());
}
