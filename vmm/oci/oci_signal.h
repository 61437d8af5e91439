/* SPDX-License-Identifier: MIT */
/*
 * A signal for the container's process inside the VM (vmm/oci/oci_signal.c):
 * `kvmini oci kill` reaches the guest agent's kvmini-exec over the VM's
 * vsock, through the socket kvmini run keeps in the container's state
 * directory (docs/containers.md, "kill").
 */
#ifndef KVMINI_OCI_SIGNAL_H
#define KVMINI_OCI_SIGNAL_H

#include <stddef.h>

/* The state directory's entry for `kvmini run --vsock`, and its guest side. */
#define OCI_SIGNAL_SOCKET "vsock"
#define OCI_SIGNAL_CID	  3
#define OCI_SIGNAL_PORT	  10001 /* kvmini-exec --signal-port (vmm/oci/agent.sh) */

/*
 * Send signal sig (1..64) to the container's process: connect to the
 * socket OCI_SIGNAL_SOCKET in the state directory dirfd, ask kvmini's vsock
 * device for guest port OCI_SIGNAL_PORT ("CONNECT P\n" -> "OK ...\n"), send
 * "SIG\n" and read kvmini-exec's "OK\n", each step within timeout_ms.
 * 0 when the process got the signal; -errno otherwise, with the reason in
 * err: -ENOENT no socket (the VM has no vsock, or it has ended),
 * -ECONNREFUSED nobody listens on the port in the guest (a guest without
 * vsock, or before kvmini-exec runs), -ETIMEDOUT, -EPROTO a garbled answer,
 * -ESRCH when kvmini-exec answered with an error.
 */
int oci_signal_guest(int dirfd, int sig, int timeout_ms, char *err, size_t errlen);

#endif /* KVMINI_OCI_SIGNAL_H */
