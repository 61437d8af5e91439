/* SPDX-License-Identifier: MIT */
/* config.json's "linux" object: resources -> guest RAM and vCPUs (vmm/oci/oci_linux.c). */
#ifndef KVMINI_OCI_LINUX_H
#define KVMINI_OCI_LINUX_H

#include <stddef.h>

#include "oci/oci_config.h"

/*
 * Read cfg->json's "linux" object: linux.resources.memory.limit sets
 * cfg->mem_mib and linux.resources.cpu (quota/period, cpus) cfg->vcpus
 * (defaults when absent); every other member is checked against the list
 * of what a VM honours and warned about. 0, or -EINVAL / -ERANGE naming
 * the field.
 */
int oci_linux_parse(struct oci_config *cfg, char *err, size_t errlen);

#endif /* KVMINI_OCI_LINUX_H */
