/* SPDX-License-Identifier: MIT */
/* `kvmini oci state`, `list` and `ps` (vmm/oci/oci_list.c): what ROOT holds, as runc prints it. */
#ifndef KVMINI_OCI_LIST_H
#define KVMINI_OCI_LIST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

enum oci_list_format {
	OCI_LIST_TABLE, /* runc's table: ID PID STATUS BUNDLE CREATED OWNER */
	OCI_LIST_JSON,	/* a JSON array of states, "null" when there is none (as runc) */
	OCI_LIST_QUIET, /* the IDs, one a line */
};

/*
 * Print container id's state (runtime.md "State", plus runc's rootfs and
 * created) as JSON on stdout. 0 or -errno (logged: "does not exist").
 */
int oci_list_state(const char *root, const char *id);

/*
 * Print every container in root in fmt, sorted by ID; a root that does
 * not exist holds none. 0 or -errno (logged).
 */
int oci_list_print(const char *root, enum oci_list_format fmt);

/*
 * runc's ps: the container's host processes, which for a microVM is its
 * VMM process alone (none once stopped). json: a JSON array of pids
 * (containerd's Pids()); else a table with a PID column (containerd's
 * Top()). 0 or -errno (logged).
 */
int oci_list_ps(const char *root, const char *id, bool json);

/* Print j as indented JSON on stdout (j stays the caller's). 0 or -EIO (logged). */
int oci_list_print_json(json_object *j);

/*
 * runc's table (Go's tabwriter, minimum width 12, padding 3): each
 * column but the last is as wide as its longest cell plus 3, at least 12.
 * rows[i] has ncols cells; row 0 is the header. Written to out.
 */
void oci_list_table(FILE *out, const char *const *cells, size_t nrows, size_t ncols);

#endif /* KVMINI_OCI_LIST_H */
