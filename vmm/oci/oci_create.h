/* SPDX-License-Identifier: MIT */
/*
 * `kvmini oci create` (vmm/oci/oci_create.c): a container's VMM process,
 * waiting for start on ROOT/ID/exec.fifo. Logs its own errors (oci_log).
 */
#ifndef KVMINI_OCI_CREATE_H
#define KVMINI_OCI_CREATE_H

#include <stdbool.h>
#include <sys/types.h>

#define OCI_CREATE_FIFO "exec.fifo" /* in ROOT/ID: start opens it */
/* Tests only: the VMM process execs this program instead of kvmini run (oci_create.c). */
#define OCI_CREATE_TEST_VMM_ENV "KVMINI_OCI_TEST_VMM"

struct oci_create_opts {
	const char *bundle;	    /* --bundle, default "." */
	const char *pid_file;	    /* --pid-file, NULL: none */
	const char *console_socket; /* --console-socket, NULL: none */
	unsigned int preserve_fds;  /* --preserve-fds N: fds 3..3+N-1 go to the VMM */
	bool detach;		    /* create, or run -d: no terminal of our own */
	bool keep;		    /* run --keep: leave the state after the exit */
};

/*
 * Validate everything (ID, bundle, config.json, root, guest, /dev/kvm)
 * before writing anything under root; then make ROOT/ID, fork the VMM
 * process and return once it waits on exec.fifo, with state "created"
 * and the pid file written. On any failure ROOT/ID is removed again.
 * *pid: the VMM process (a child of the caller).
 */
int oci_create(const char *root, const char *id, const struct oci_create_opts *o, pid_t *pid);

#endif /* KVMINI_OCI_CREATE_H */
