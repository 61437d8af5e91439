/* SPDX-License-Identifier: MIT */
/* config.json's "process" section (vmm/oci/oci_process.c). */
#ifndef KVMINI_OCI_PROCESS_H
#define KVMINI_OCI_PROCESS_H

#include <stddef.h>

#include "oci/oci_config.h"

/*
 * Fill cfg's process fields (args, env, cwd, uid/gid/gids, terminal,
 * console size) from cfg->json's required "process" object, warning about
 * the fields that are not honoured. 0, or -EINVAL with the field named in
 * err. Strings point into cfg->json; cfg->gids is allocated (oci_config_free).
 */
int oci_process_parse(struct oci_config *cfg, char *err, size_t errlen);

#endif /* KVMINI_OCI_PROCESS_H */
