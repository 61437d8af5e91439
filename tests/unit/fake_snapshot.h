/* SPDX-License-Identifier: MIT */
/*
 * A complete, valid snapshot directory made without KVM, through the same
 * writers the monitor uses (host/snapshot_files.h, snapshot_manifest.h,
 * kvm/vcpu_state.h, kvm/vm_state.h, the device models' save functions).
 * The vCPU and VM state is zeroed (no KVM to read it from): restore_check()
 * accepts it, which is the point; tests then break one thing at a time.
 */
#ifndef KVMINI_FAKE_SNAPSHOT_H
#define KVMINI_FAKE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

struct fake_snapshot_opts {
	const char *host_kind; /* the manifest's; this host's for a restorable one */
	const char *disk;      /* a raw image to list as disk 0 (with its device state), or NULL */
	unsigned int ncpus;
	uint64_t mem_size; /* bytes, whole pages */
	bool irqchip;	   /* with LAPICs, PICs, IOAPIC and a PIT (a Linux-like VM) */
};

/* Write the snapshot into dir (created if missing). 0 or -errno. */
int fake_snapshot_write(const char *dir, const struct fake_snapshot_opts *o);

#endif /* KVMINI_FAKE_SNAPSHOT_H */
