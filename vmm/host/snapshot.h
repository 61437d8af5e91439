/* SPDX-License-Identifier: MIT */
/*
 * Taking a snapshot of a running VM (docs/snapshot.md): pause every vCPU,
 * finish the devices' in-flight work, write guest memory, each vCPU's
 * state, the in-kernel devices and clock, the device models' state and
 * last the manifest, then let the vCPUs run on.
 */
#ifndef KVMINI_SNAPSHOT_H
#define KVMINI_SNAPSHOT_H

#include <stdbool.h>

struct vm;

/*
 * Write a snapshot of vm into the directory dir (created if missing; files
 * of an older snapshot there are replaced). On the I/O thread only: it
 * pauses the vCPUs (vcpus_pause()) unless they are paused already, and
 * leaves them as it found them. vm->cfg must be set. 0 or -errno, the
 * cause logged naming dir; a failed snapshot leaves no manifest.json, so
 * restore refuses the directory.
 */
int snapshot_take(struct vm *vm, const char *dir);

/*
 * --snapshot-on ready DIR: when the guest writes KVMINI_MARKER_READY to the
 * test device (on a vCPU thread), the I/O thread takes a snapshot into dir,
 * once; then the run goes on, or ends with status 0 if exit_after. A
 * snapshot that fails ends the run with KVMINI_STATUS_SETUP_ERROR. Call
 * after board_setup(), before the vCPUs start. 0 or -errno (logged).
 */
int snapshot_on_ready(struct vm *vm, const char *dir, bool exit_after);

#endif /* KVMINI_SNAPSHOT_H */
