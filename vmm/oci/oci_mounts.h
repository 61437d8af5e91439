/* SPDX-License-Identifier: MIT */
/* config.json's mounts, classified for the guest (vmm/oci/oci_mounts.c). */
#ifndef KVMINI_OCI_MOUNTS_H
#define KVMINI_OCI_MOUNTS_H

#include <stddef.h>

#include "oci/oci_config.h"

/*
 * Read cfg->json's "mounts" into cfg->mounts, in order, each classified:
 * proc, sysfs, tmpfs, devpts and mqueue are made by the guest kernel
 * (OCI_MOUNT_GUEST); a bind mount ("bind"/"rbind" among the options, or
 * type "bind") of a host path is OCI_MOUNT_BIND (oci_files_plan() later
 * tells a file, copied, from a directory, shared by virtio-fs);
 * anything else is OCI_MOUNT_SKIPPED with a warning. Options the guest
 * cannot apply are dropped with a warning. 0, or -EINVAL naming the mount
 * for a wrong type, a missing or relative destination, or a ".." in it.
 */
int oci_mounts_parse(struct oci_config *cfg, char *err, size_t errlen);

#endif /* KVMINI_OCI_MOUNTS_H */
