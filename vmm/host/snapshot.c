// SPDX-License-Identifier: MIT
/*
 * The snapshot walk (snapshot.h, docs/snapshot.md). Order matters:
 *  1. vcpus_pause(): every vCPU outside KVM_RUN with its I/O completed;
 *  2. board_virtio_serve_all(): no request half-served, disks flushed;
 *  3. memory.bin, vcpu-N.state, vm.state, devices.state, each written to a
 *     temporary name, fsync'ed and renamed;
 *  4. manifest.json last, with every file's size and crc32: a directory
 *     with a manifest is a complete snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/board_state.h"
#include "board/board_virtio.h"
#include "config.h"
#include "host/snapshot.h"
#include "host/snapshot_files.h"
#include "host/snapshot_manifest.h"
#include "kvm/host_quirks.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_pause.h"
#include "kvm/vcpu_state.h"
#include "kvm/vm.h"
#include "kvm/vm_state.h"
#include "kvmini/log.h"

/* What restore must rebuild: from the configuration and the board. */
static void describe(struct vm *vm, struct snapshot_manifest *m)
{
	const struct vm_config *cfg = vm->cfg;
	struct board *b = vm->board;

	memset(m, 0, sizeof(*m));
	m->format_version = SNAPSHOT_FORMAT_VERSION;
	snprintf(m->kvmini_version, sizeof(m->kvmini_version), "%s", KVMINI_VERSION);
	snprintf(m->host_kind, sizeof(m->host_kind), "%s", vm->quirks->name);
	m->mem_size = vm->mem.size;
	m->ncpus = vm->ncpus;
	m->irqchip = vm->has_irqchip;
	m->linux_guest = b->shutdown_is_reboot;
	m->pit = m->irqchip && m->linux_guest; /* main.c creates the PIT for Linux only */
	m->linux_booted = board_linux_booted(b);
	m->console = cfg->console;
	if (cfg->console == CONSOLE_FILE)
		snprintf(m->console_path, sizeof(m->console_path), "%s", cfg->console_path);
	m->rng = cfg->rng;
	m->ndisks = cfg->ndisks;
	for (unsigned int i = 0; i < cfg->ndisks; i++) {
		snprintf(m->disks[i].path, sizeof(m->disks[i].path), "%s", cfg->disks[i].path);
		/* As the board opened it: no open() here, which the filter would refuse. */
		m->disks[i].size = board_virtio_disk_size(b, i);
		m->disks[i].read_only = cfg->disks[i].read_only;
	}
	if (cfg->vsock_path) {
		m->vsock = true;
		m->vsock_cid = cfg->vsock_cid;
		snprintf(m->vsock_path, sizeof(m->vsock_path), "%s", cfg->vsock_path);
	}
}

/* Write w's buffer as state file name and list it in m. 0 or -errno. */
static int write_state(int dirfd, const char *name, uint32_t kind, struct state_writer *w,
		       struct snapshot_manifest *m)
{
	int ret = snapshot_manifest_write_state(m, dirfd, name, kind, w);
	if (ret)
		log_error("cannot write snapshot file %s: %s", name, strerror(-ret));
	return ret;
}

static int write_vcpus(struct vm *vm, int dirfd, struct snapshot_manifest *m)
{
	struct vcpu_state *st = malloc(sizeof(*st));
	int ret = 0;

	if (!st)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->ncpus && !ret; i++) {
		struct state_writer w;
		char name[SNAPSHOT_NAME_MAX];
		snprintf(name, sizeof(name), "vcpu-%u.state", i);
		if ((ret = vcpu_state_get(&vm->vcpus[i], st)))
			break;
		state_writer_init(&w, NULL, 0);
		vcpu_state_save(st, &w);
		ret = write_state(dirfd, name, SNAPSHOT_KIND_VCPU, &w, m);
	}
	free(st);
	return ret;
}

/* Steps 2-4 with the vCPUs paused. */
static int write_all(struct vm *vm, int dirfd)
{
	struct snapshot_manifest *m = malloc(sizeof(*m));
	struct vm_state vst;
	struct state_writer w;
	int ret;

	if (!m)
		return -ENOMEM;
	board_virtio_serve_all(vm->board);
	describe(vm, m);
	/* Devices first: one that cannot be saved (a NIC) refuses before the big writes. */
	state_writer_init(&w, NULL, 0);
	if ((ret = board_state_save(vm->board, &w))) {
		state_writer_release(&w);
		goto out;
	}
	if ((ret = write_state(dirfd, SNAPSHOT_DEVICES, SNAPSHOT_KIND_DEVICES, &w, m)))
		goto out;
	if ((ret = snapshot_files_write_memory(dirfd, SNAPSHOT_MEMORY, vm->mem.host,
					       vm->mem.size))) {
		log_error("cannot write snapshot file %s: %s", SNAPSHOT_MEMORY, strerror(-ret));
		goto out;
	}
	if ((ret = write_vcpus(vm, dirfd, m)) || (ret = vm_state_get(vm, m->pit, &vst)))
		goto out;
	state_writer_init(&w, NULL, 0);
	vm_state_save(&vst, &w);
	if ((ret = write_state(dirfd, SNAPSHOT_VM, SNAPSHOT_KIND_VM, &w, m)))
		goto out;
	if ((ret = snapshot_manifest_write(dirfd, m)))
		log_error("cannot write snapshot file %s: %s", SNAPSHOT_MANIFEST, strerror(-ret));
out:
	free(m);
	return ret;
}

int snapshot_take(struct vm *vm, const char *dir)
{
	bool was_paused = vcpus_paused(vm);
	int ret;

	int dirfd = snapshot_files_open_dir(dir);
	if (dirfd < 0) {
		log_error("cannot open snapshot directory '%s': %s", dir, strerror(-dirfd));
		return dirfd;
	}
	if (!was_paused && (ret = vcpus_pause(vm))) {
		log_error("cannot snapshot into '%s': the vCPUs did not pause: %s", dir,
			  strerror(-ret));
		goto out;
	}
	uint64_t t0 = vm_now_ns();
	ret = write_all(vm, dirfd);
	if (!was_paused)
		vcpus_resume(vm);
	if (ret)
		log_error("snapshot into '%s' failed: %s", dir, strerror(-ret));
	else
		log_info("snapshot written to '%s' in %llu ms", dir,
			 (unsigned long long)((vm_now_ns() - t0) / 1000000));
out:
	close(dirfd);
	return ret;
}

/* --snapshot-on ready: the I/O thread's side of the ready marker. */
struct on_ready {
	struct vm *vm;
	const char *dir;
	bool exit_after;
	bool done;
};

static void ready(void *opaque, uint32_t events)
{
	struct on_ready *r = opaque;
	uint64_t count;

	(void)events;
	if (read(r->vm->board->ready_fd, &count, sizeof(count)) != sizeof(count) || r->done)
		return;
	r->done = true; /* once: a guest that says "ready" again gets no second snapshot */
	if (snapshot_take(r->vm, r->dir))
		vm_request_stop(r->vm, KVMINI_STATUS_SETUP_ERROR);
	else if (r->exit_after)
		vm_request_stop(r->vm, KVMINI_STATUS_OK);
}

int snapshot_on_ready(struct vm *vm, const char *dir, bool exit_after)
{
	static struct on_ready on_ready; /* one per process, as the run is */
	struct board *b = vm->board;

	on_ready = (struct on_ready){.vm = vm, .dir = dir, .exit_after = exit_after};
	b->ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->ready_fd < 0) {
		int err = -errno;
		log_error("--snapshot-on: cannot create an eventfd: %s", strerror(errno));
		return err;
	}
	int ret = event_loop_add(&vm->loop, b->ready_fd, EPOLLIN, ready, &on_ready);
	if (ret) {
		log_error("--snapshot-on: cannot watch the ready marker: %s", strerror(-ret));
		close(b->ready_fd);
		b->ready_fd = -1;
	}
	return ret;
}
