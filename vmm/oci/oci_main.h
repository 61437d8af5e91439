/* SPDX-License-Identifier: MIT */
/*
 * `kvmini oci ...`: a runc-compatible command line (vmm/oci/oci_main.c),
 * so that podman and containerd's runc shim can call kvmini as they call
 * runc. Dispatched by vmm/main.c before kvmini's own option parser, since
 * its global options (--root, --log, ...) are runc's.
 */
#ifndef KVMINI_OCI_MAIN_H
#define KVMINI_OCI_MAIN_H

#include <stdbool.h>

/* The name under which kvmini is the runtime (Meson installs this symlink). */
#define OCI_MAIN_RUNTIME_NAME "kvmini-oci"

/*
 * Run one `kvmini oci` command; argv[0] is "oci". Returns the process exit
 * status: 0, 1 for any error (one message on stderr, and in --log), or
 * for `run` the container's own status.
 */
int oci_main(int argc, char **argv);

/*
 * Is argv0's last path component OCI_MAIN_RUNTIME_NAME ("kvmini-oci")?
 * Then kvmini is the runtime itself: `kvmini-oci ARGS` is `kvmini oci ARGS`.
 */
bool oci_main_is_runtime_name(const char *argv0);

#endif /* KVMINI_OCI_MAIN_H */
