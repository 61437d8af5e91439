/* SPDX-License-Identifier: MIT */
/*
 * The container's terminal for --console-socket (vmm/oci/oci_console.c):
 * a new pseudo-terminal whose master goes to the caller over a Unix socket
 * (SCM_RIGHTS, as runc does) and whose slave becomes the VMM's stdio.
 */
#ifndef KVMINI_OCI_CONSOLE_H
#define KVMINI_OCI_CONSOLE_H

#include <stddef.h>

/*
 * Open a pseudo-terminal, connect to the Unix socket at socket_path and
 * send the master to it (the message data is the slave's name). *slave is
 * the slave's fd (O_CLOEXEC; the caller closes it). 0, or -errno with err
 * naming the socket.
 */
int oci_console_send(const char *socket_path, int *slave, char *err, size_t errlen);

/*
 * In the VMM process, before exec: a new session with slave as its
 * controlling terminal and stdin, stdout and stderr. 0 or -errno.
 */
int oci_console_attach(int slave);

#endif /* KVMINI_OCI_CONSOLE_H */
