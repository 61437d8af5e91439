/* SPDX-License-Identifier: MIT */
/*
 * `kvmini restore DIR`: the other way to set up a VM (vmm/main.c,
 * setup_restore()). restore_check() reads and checks everything in DIR
 * before /dev/kvm is opened and rebuilds the configuration the snapshot was
 * taken with; main.c then makes the VM with the same steps as a run, but
 * with RAM mapped copy-on-write from memory.bin and, instead of booting a
 * kernel, restore_apply() sets every piece of state back.
 */
#ifndef KVMINI_RESTORE_H
#define KVMINI_RESTORE_H

#include "config.h"
#include "host/snapshot_manifest.h"
#include "kvm/vm_state.h"

struct vm;
struct vcpu_state;

/* A checked snapshot directory, ready to apply. */
struct restore {
	const char *dir;
	int dirfd;  /* -1 when closed */
	int mem_fd; /* memory.bin, -1 when closed */
	struct snapshot_manifest manifest;
	struct vcpu_state *vcpus; /* manifest.ncpus of them */
	struct vm_state vm;
	uint8_t *devices_file;	/* devices.state as read */
	const uint8_t *devices; /* its payload, inside devices_file */
	size_t devices_len;
	struct vm_config cfg; /* the snapshotted VM's configuration, with the options applied */
};

/*
 * Step 0 of a restore, before KVM: read opts->restore_dir's manifest and
 * refuse another format version or host kind (host_kind: this host's
 * host_quirks name); read every state file and check its size and crc32
 * against the manifest and its own header, and parse the vCPU and VM
 * state; check that memory.bin is as long as the manifest says and that
 * each disk (the manifest's path, or the restore's --disk in its place)
 * still has the size it had. Fills r->cfg for board_setup() from the
 * manifest and opts (--disk, --vsock path, --timeout, --seccomp, -v).
 * Logs one message naming the snapshot, the file and the cause. 0 or
 * -errno; restore_free() in every case.
 */
int restore_check(struct restore *r, const struct vm_config *opts, const char *host_kind);

/*
 * Set the snapshot's state into a VM built from r->cfg (vm_open(),
 * vm_create_memory_file() with r->mem_fd, the irqchip, board_setup(),
 * vcpus_create()): irqchip and PIT, device models, each vCPU, and last the
 * KVM clock, stepped to the host's time. Then the board is told what the
 * guest is (a booted Linux) and queued virtio requests are served. 0 or
 * -errno (logged).
 */
int restore_apply(struct restore *r, struct vm *vm);

/*
 * `-- CMD...`: make CMD's words, joined by spaces, and a newline the input
 * of the guest console (in place of stdin: a pipe that then ends), where
 * the restored guest's /init reads its command (guest/linux/README.md).
 * Call before board_start_console(). 0 or -errno (logged).
 */
int restore_feed_command(const struct vm_config *opts);

/* Close and free what restore_check() opened. Safe to call twice. */
void restore_free(struct restore *r);

#endif /* KVMINI_RESTORE_H */
