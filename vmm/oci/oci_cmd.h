/* SPDX-License-Identifier: MIT */
/*
 * `kvmini oci`'s commands (vmm/oci/oci_cmd.c): create, start, run, state,
 * kill, delete, list, ps, spec, features, each parsed as runc parses it.
 * oci_main.c handles the global options before them.
 */
#ifndef KVMINI_OCI_CMD_H
#define KVMINI_OCI_CMD_H

#include <stdio.h>

/*
 * Run the command argv[0] with its options and arguments (argv[1..]) on the
 * state directory root (absolute). Returns the process exit status: 0, 1
 * for any error (logged with oci_log, naming the option or the cause), or
 * for `run` the container's own status. A runc command kvmini cannot do
 * (exec, pause, update, ...) fails with the reason.
 */
int oci_cmd_run(const char *root, int argc, char **argv);

/* One line per command, its synopsis, for `kvmini oci --help`. */
void oci_cmd_usage(FILE *out);

#endif /* KVMINI_OCI_CMD_H */
