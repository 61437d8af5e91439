/* SPDX-License-Identifier: MIT */
/*
 * `kvmini ctl` and `kvmini list` (vmm/ctl.c): the command-line clients of
 * running VMs' control sockets (docs/control.md). Neither needs /dev/kvm.
 */
#ifndef KVMINI_CTL_H
#define KVMINI_CTL_H

#include <stdio.h>

#include "config.h"

/* ctl: a VM that does not answer in 10 s is reported; a pause may take 5 s (vcpu_pause.h). */
#define CTL_TIMEOUT_MS	10000
#define LIST_TIMEOUT_MS 1000 /* list: per VM, so a hung one does not hold up the rest */

/*
 * Send cfg->ctl_cmd (with cfg->ctl_arg) to cfg->ctl_target, a socket path
 * if it holds a '/', else a VM name, and print the reply on out: status as
 * indented JSON, the others as one short line. Errors go to stderr, naming
 * the VM. Returns the process's exit status: KVMINI_STATUS_OK if the VM
 * answered ok, KVMINI_STATUS_SETUP_ERROR otherwise.
 */
int ctl_command(const struct vm_config *cfg, FILE *out);

/*
 * Print a table of the VMs whose sockets (NAME.sock) are in the runtime
 * directory: NAME PID STATE VCPUS MEM, where STATE is the VM's, or "stale"
 * (nobody listens), "no-answer" or "error" (the reason on stderr). A
 * missing directory is an empty list. Returns the exit status: OK, or
 * SETUP_ERROR if the directory cannot be read.
 */
int ctl_list(FILE *out);

#endif /* KVMINI_CTL_H */
