/* SPDX-License-Identifier: MIT */
/*
 * What `kvmini oci` prints about itself (vmm/oci/oci_spec.c): `spec`, a
 * default config.json that `create` accepts without a warning; `features`,
 * runtime-spec 1.1.0 features.md; and `--version`.
 */
#ifndef KVMINI_OCI_SPEC_H
#define KVMINI_OCI_SPEC_H

#include <json-c/json.h>

/*
 * The default config.json, runc-like: process.args ["sh"], terminal true,
 * root "rootfs" (read-only), proc, /dev and /dev/shm tmpfs and sysfs
 * (kernel file systems every guest has), and no field kvmini would warn
 * about. A new object (put it).
 */
json_object *oci_spec_default(void);

/* The features document (features.md): a new object (put it). */
json_object *oci_spec_features(void);

/* The lines of --version, runc's three: "kvmini version X", "commit: X", "spec: 1.1.0". */
const char *oci_spec_version_text(void);

#endif /* KVMINI_OCI_SPEC_H */
