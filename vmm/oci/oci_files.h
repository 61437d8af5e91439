/* SPDX-License-Identifier: MIT */
/*
 * Bind mounts of single host files (vmm/oci/oci_files.c). A VM sees host
 * paths only through virtio-fs shares of directories, kvmini run takes few
 * of them, and sharing a file's parent would show the guest its siblings
 * (a bind of /etc/passwd would share all of /etc). So create copies each
 * such file into the container's own share, ROOT/ID/share/files/N, and the
 * agent bind-mounts /run/files/N at the destination (docs/containers.md,
 * "Bind mounts of files"). The container sees a snapshot taken at create;
 * its writes stay in the copy.
 */
#ifndef KVMINI_OCI_FILES_H
#define KVMINI_OCI_FILES_H

#include <stddef.h>

#include "oci/oci_config.h"

#define OCI_FILES_DIR	    "files"    /* in the share: files/N for mounts[N] */
#define OCI_FILES_MAX_BYTES (1u << 20) /* a larger file is skipped: a copy, not a database */
#define OCI_FILES_MAX	    64	       /* file bind mounts per container */

/*
 * Classify each OCI_MOUNT_BIND mount of cfg by what its source is
 * (stat(2), which follows a symbolic link as runc does): a directory stays
 * OCI_MOUNT_BIND (a virtio-fs share); a regular file of at most
 * OCI_FILES_MAX_BYTES becomes OCI_MOUNT_FILE (the first OCI_FILES_MAX of
 * them); a larger file, one beyond that count, or a source of any other kind
 * (FIFO, socket, device) becomes OCI_MOUNT_SKIPPED with a warning in cfg
 * naming the mount. Nothing is opened. 0, or -errno with err naming the
 * source when it cannot be examined (a missing one: -ENOENT, which runc
 * refuses too).
 */
int oci_files_plan(struct oci_config *cfg, char *err, size_t errlen);

/*
 * Copy the source of each OCI_MOUNT_FILE mount i of cfg to
 * SHARE/files/i (SHARE: an existing directory; files/ is made), with the
 * source's mode and, where the caller may give it, its owner. A source is
 * opened with O_NONBLOCK and must still be a regular file of at most
 * OCI_FILES_MAX_BYTES: one replaced by a FIFO or device since the plan
 * neither blocks nor is read. 0, or -errno with err naming the mount and
 * the file; what was written stays for the caller to remove (create
 * removes the whole state directory).
 */
int oci_files_copy(const struct oci_config *cfg, const char *share, char *err, size_t errlen);

#endif /* KVMINI_OCI_FILES_H */
