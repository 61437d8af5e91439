/* SPDX-License-Identifier: MIT */
/*
 * A container's life after create (vmm/oci/oci_lifecycle.c), runc's way:
 * start opens ROOT/ID/exec.fifo, on which the VMM process waits, and it
 * becomes `kvmini run` (exec: the pid stays the container's); kill signals
 * it; delete removes the state; run is all of them. Each function logs its
 * own error (oci_log) and returns 0 or -errno.
 */
#ifndef KVMINI_OCI_LIFECYCLE_H
#define KVMINI_OCI_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/oci_create.h"

/* Let a created container's VMM run the VM: state "running". */
int oci_lifecycle_start(const char *root, const char *id);

/*
 * runc's kill. A running container's process in the guest gets sig itself
 * (oci_signal_guest()), unless sig is KILL, STOP, CONT or 0, which go to the
 * VMM process (kill the VM, freeze it, thaw it, probe it). When the guest
 * cannot be reached, and for a created or paused container, only the
 * signals of oci_lifecycle_signal_ok() are sent, to the VMM; others are
 * refused with -ENOTSUP. With all (runc's kill --all), the VMM and every
 * process in the container's cgroup get sig (the VMM's virtiofsd), and a
 * stopped container is no error.
 */
int oci_lifecycle_kill(const char *root, const char *id, int sig, bool all);

/*
 * A signal as runc's kill takes it: "TERM", "SIGTERM", "term" or "15".
 * The number, or -1 if s names none.
 */
int oci_lifecycle_parse_signal(const char *s);

/*
 * Does the VMM process do something defined with sig? TERM, INT, HUP end
 * the VM (kvmini's status 122), KILL ends it at once, STOP and CONT
 * freeze and thaw it, and 0 only probes.
 */
bool oci_lifecycle_signal_ok(int sig);

/*
 * pause: freeze a running container's VM, the whole VMM process (SIGSTOP;
 * runc freezes the cgroup), state "paused"; !pause (resume): thaw a paused
 * one (SIGCONT), state "running". 0, or -EINVAL from another state.
 */
int oci_lifecycle_pause(const char *root, const char *id, bool pause);

/*
 * Remove a stopped or created container's state (a created one is killed
 * first, as runc does); a running one only with force, after SIGKILL. With
 * force, a container that does not exist is no error (runc's rule).
 */
int oci_lifecycle_delete(const char *root, const char *id, bool force);

/*
 * create + start, then (unless o->detach) wait for the VMM process,
 * forwarding SIGINT/SIGTERM/SIGHUP to it, and delete the state unless
 * o->keep. Returns the exit status for the shell: the one the guest
 * agent wrote to share/exit-status, else the VMM's (which is the
 * container's, written by the agent to kvmini's test device), 128 + N
 * when signal N killed it, 1 on a setup error.
 */
int oci_lifecycle_run(const char *root, const char *id, const struct oci_create_opts *o);

#endif /* KVMINI_OCI_LIFECYCLE_H */
