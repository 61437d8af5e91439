/* SPDX-License-Identifier: MIT */
/*
 * Messages of `kvmini oci` (vmm/oci/oci_log.c), where runc puts them: with
 * --log FILE, warnings and debug lines go to FILE in runc's text or JSON
 * format (containerd's shim and podman read it back on failure); errors go
 * there too and always to stderr as "kvmini: ...".
 */
#ifndef KVMINI_OCI_LOG_H
#define KVMINI_OCI_LOG_H

#include <stdbool.h>

#include "kvmini/log.h" /* enum log_level */

/*
 * Where messages go: path NULL is stderr only; json picks runc's
 * --log-format json ({"level","msg","time"} lines) over text
 * (time="..." level=... msg="..."); debug lets LOG_DEBUG through.
 * 0, or -errno when path cannot be opened for appending.
 */
int oci_log_setup(const char *path, bool json, bool debug);

/* One message at level (formatted). */
void oci_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* KVMINI_OCI_LOG_H */
