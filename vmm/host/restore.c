// SPDX-License-Identifier: MIT
/*
 * Restore (restore.h, docs/snapshot.md). Everything that can be wrong with
 * a snapshot directory is found by restore_check(), before KVM: a restore
 * that fails later fails for a reason of this host's KVM, never of the
 * files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "board/board_state.h"
#include "board/board_virtio.h"
#include "boot/boot_linux.h"
#include "host/restore.h"
#include "host/snapshot_files.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_state.h"
#include "kvm/vm.h"
#include "kvmini/log.h"

#define CMD_MAX 4096 /* one console line; a pipe takes it whole */

/* One message for every refusal: the snapshot, the file, the cause. Returns ret. */
static int refuse(const struct restore *r, const char *file, int ret, const char *why)
{
	log_error("cannot restore snapshot '%s': %s: %s", r->dir, file, why);
	return ret;
}

/*
 * Read a state file listed in the manifest: its size and whole-file crc32
 * as listed, its header sound. *payload points into *buf (the caller frees).
 */
static int read_state(struct restore *r, const char *name, uint32_t kind, uint8_t **buf,
		      const uint8_t **payload, size_t *len)
{
	const struct snapshot_file_entry *e = snapshot_manifest_file(&r->manifest, name);
	char err[256], why[320];
	size_t size;
	uint32_t crc;
	int ret;

	*buf = NULL;
	if (!e)
		return refuse(r, SNAPSHOT_MANIFEST, -EPROTO, "does not list a file it needs");
	if ((ret = snapshot_files_read(r->dirfd, name, SNAPSHOT_MAX_STATE, buf, &size, &crc, err,
				       sizeof(err))))
		return refuse(r, name, ret, err);
	if (size != e->size) {
		snprintf(why, sizeof(why), "%s: %zu bytes, the manifest says %llu",
			 size < e->size ? "truncated" : "wrong size", size,
			 (unsigned long long)e->size);
		ret = refuse(r, name, -EPROTO, why);
	} else if (crc != e->crc32) {
		ret = refuse(r, name, -EPROTO, "corrupt: checksum differs from the manifest's");
	} else if ((ret = snapshot_files_parse_state(*buf, size, kind, payload, len, err,
						     sizeof(err)))) {
		ret = refuse(r, name, ret, err);
	}
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

static int check_vcpus(struct restore *r)
{
	r->vcpus = calloc(r->manifest.ncpus, sizeof(*r->vcpus));
	if (!r->vcpus)
		return -ENOMEM;
	for (unsigned int i = 0; i < r->manifest.ncpus; i++) {
		char name[SNAPSHOT_NAME_MAX];
		const uint8_t *payload;
		uint8_t *buf;
		size_t len;
		struct state_reader sr;
		snprintf(name, sizeof(name), "vcpu-%u.state", i);
		int ret = read_state(r, name, SNAPSHOT_KIND_VCPU, &buf, &payload, &len);
		if (ret)
			return ret;
		state_reader_init(&sr, payload, len);
		ret = vcpu_state_load(&r->vcpus[i], &sr);
		if (!ret && sr.pos != len)
			ret = -EPROTO;
		if (!ret && r->vcpus[i].id != i)
			ret = -EINVAL;
		if (!ret && r->vcpus[i].has_lapic != r->manifest.irqchip)
			ret = -EINVAL;
		free(buf);
		if (ret)
			return refuse(r, name, ret, "not a valid vCPU state (see above)");
	}
	return 0;
}

static int check_vm(struct restore *r)
{
	const uint8_t *payload;
	uint8_t *buf;
	size_t len;
	struct state_reader sr;

	int ret = read_state(r, SNAPSHOT_VM, SNAPSHOT_KIND_VM, &buf, &payload, &len);
	if (ret)
		return ret;
	state_reader_init(&sr, payload, len);
	ret = vm_state_load(&r->vm, &sr);
	if (!ret && (sr.pos != len || r->vm.has_irqchip != r->manifest.irqchip ||
		     r->vm.has_pit != r->manifest.pit))
		ret = -EINVAL;
	free(buf);
	return ret ? refuse(r, SNAPSHOT_VM, ret, "not a valid VM state (see above)") : 0;
}

/* The manifest's disks, or the restore's --disk in their place, as they were. */
static int check_disks(struct restore *r, const struct vm_config *opts)
{
	const struct snapshot_manifest *m = &r->manifest;
	char why[256];

	if (opts->ndisks > m->ndisks) {
		snprintf(why, sizeof(why), "%u --disk given, the snapshot has %u disk(s)",
			 opts->ndisks, m->ndisks);
		return refuse(r, "--disk", -EINVAL, why);
	}
	for (unsigned int i = 0; i < m->ndisks; i++) {
		struct disk_config *d = &r->cfg.disks[i];
		const char *path = i < opts->ndisks ? opts->disks[i].path : m->disks[i].path;
		snprintf(d->path_buf, sizeof(d->path_buf), "%s", path);
		d->path = d->path_buf;
		d->read_only = i < opts->ndisks ? opts->disks[i].read_only : m->disks[i].read_only;
		uint64_t size;
		int ret = snapshot_files_disk_size(path, &size);
		if (ret)
			return refuse(r, path, ret, strerror(-ret));
		if (size != m->disks[i].size) {
			snprintf(why, sizeof(why),
				 "disk %u is %llu bytes, it was %llu when the snapshot was taken",
				 i, (unsigned long long)size, (unsigned long long)m->disks[i].size);
			return refuse(r, path, -EINVAL, why);
		}
	}
	r->cfg.ndisks = m->ndisks;
	return 0;
}

/* The run's configuration: the snapshot's devices, the restore's options. */
static int build_config(struct restore *r, const struct vm_config *opts)
{
	const struct snapshot_manifest *m = &r->manifest;
	struct vm_config *cfg = &r->cfg;

	cfg->mem_size = m->mem_size;
	cfg->cpus = m->ncpus;
	cfg->console = m->console;
	cfg->console_path = m->console == CONSOLE_FILE ? m->console_path : NULL;
	cfg->rng = m->rng;
	if (opts->vsock_path && !m->vsock)
		return refuse(r, "--vsock", -EINVAL, "the snapshot has no vsock device");
	if (m->vsock) {
		/* The guest read its CID at boot (virtio 1.2, 5.10.4); only the path may change. */
		if (opts->vsock_path && opts->vsock_cid != m->vsock_cid)
			return refuse(r, "--vsock", -EINVAL,
				      "a restored guest keeps the snapshot's CID; give it with the "
				      "new PATH");
		cfg->vsock_cid = m->vsock_cid;
		cfg->vsock_path = opts->vsock_path ? opts->vsock_path : m->vsock_path;
	}
	cfg->timeout_s = opts->timeout_s;
	cfg->seccomp = opts->seccomp;
	cfg->verbosity = opts->verbosity;
	cfg->trace = opts->trace;
	cfg->boot_times = opts->boot_times;
	cfg->restore_dir = opts->restore_dir;
	cfg->restore_cmd = opts->restore_cmd;
	cfg->restore_ncmd = opts->restore_ncmd;
	return check_disks(r, opts);
}

int restore_check(struct restore *r, const struct vm_config *opts, const char *host_kind)
{
	char err[256], why[320];
	int ret;

	memset(r, 0, sizeof(*r));
	r->dir = opts->restore_dir;
	r->mem_fd = -1;
	r->dirfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->dirfd < 0) {
		ret = -errno;
		log_error("cannot restore snapshot '%s': %s", r->dir, strerror(errno));
		return ret;
	}
	if ((ret = snapshot_manifest_read(r->dirfd, &r->manifest, err, sizeof(err))))
		return refuse(r, SNAPSHOT_MANIFEST, ret, err);
	if (strcmp(r->manifest.host_kind, host_kind)) {
		snprintf(why, sizeof(why),
			 "taken on a '%s' KVM host, this one is '%s' (their vCPU state differs)",
			 r->manifest.host_kind, host_kind);
		return refuse(r, SNAPSHOT_MANIFEST, -EXDEV, why);
	}
	if ((ret = check_vcpus(r)) || (ret = check_vm(r)) ||
	    (ret = read_state(r, SNAPSHOT_DEVICES, SNAPSHOT_KIND_DEVICES, &r->devices_file,
			      &r->devices, &r->devices_len)))
		return ret;
	r->mem_fd = snapshot_files_open_memory(r->dirfd, SNAPSHOT_MEMORY, r->manifest.mem_size, err,
					       sizeof(err));
	if (r->mem_fd < 0)
		return refuse(r, SNAPSHOT_MEMORY, r->mem_fd, err);
	return build_config(r, opts);
}

int restore_apply(struct restore *r, struct vm *vm)
{
	struct board *b = vm->board;
	struct state_reader sr;
	int ret;

	/* The irqchip before any LAPIC; device models after RAM (their rings are checked). */
	if ((ret = vm_state_set_chips(vm, &r->vm)))
		return ret;
	state_reader_init(&sr, r->devices, r->devices_len);
	if ((ret = board_state_load(b, &sr)))
		return refuse(r, SNAPSHOT_DEVICES, ret, "the device models refused it (see above)");
	for (unsigned int i = 0; i < vm->ncpus; i++)
		if ((ret = vcpu_state_set(&vm->vcpus[i], &r->vcpus[i])))
			return ret;
	/* Last: the clock, once every vCPU's TSC is back. */
	if ((ret = vm_state_set_clock(vm, &r->vm)))
		return ret;
	if (r->manifest.linux_guest)
		boot_linux_watch_console(b);
	if (r->manifest.linux_booted)
		board_note_marker(b, KVMINI_MARKER_LINUX_INIT);
	board_virtio_serve_all(b);
	return 0;
}

int restore_feed_command(const struct vm_config *opts)
{
	char line[CMD_MAX];
	size_t len = 0;
	int fds[2];

	if (!opts->restore_ncmd)
		return 0;
	for (int i = 0; i < opts->restore_ncmd; i++) {
		int n = snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "",
				 opts->restore_cmd[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - len - 1) {
			log_error("the command after -- is longer than %d bytes", CMD_MAX - 2);
			return -E2BIG;
		}
		len += (size_t)n;
	}
	line[len++] = '\n';
	/* A pipe holds 4 KiB at least (pipe(7)): one write, then the end of input. */
	int ret = 0;
	if (pipe2(fds, O_CLOEXEC) < 0)
		fds[0] = fds[1] = -1;
	if (fds[0] < 0 || write(fds[1], line, len) != (ssize_t)len ||
	    dup2(fds[0], STDIN_FILENO) < 0) {
		ret = errno ? -errno : -EIO;
		log_error("cannot hand the command to the guest console: %s", strerror(-ret));
	}
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
	return ret;
}

void restore_free(struct restore *r)
{
	if (r->dirfd >= 0)
		close(r->dirfd);
	if (r->mem_fd >= 0)
		close(r->mem_fd);
	r->dirfd = r->mem_fd = -1;
	free(r->vcpus);
	free(r->devices_file);
	r->vcpus = NULL;
	r->devices_file = NULL;
}
