/* SPDX-License-Identifier: MIT */
/*
 * A container's state directory, ROOT/ID (vmm/oci/oci_state.c): state.json,
 * written atomically (a temporary file renamed over it), the exec.fifo that
 * `start` opens, and the share/ directory the guest agent reads. Commands on
 * one ID serialise on an flock(2) of the directory.
 */
#ifndef KVMINI_OCI_STATE_H
#define KVMINI_OCI_STATE_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define OCI_ID_MAX	 255 /* NAME_MAX: the ID is a directory name */
#define OCI_SPEC_VERSION "1.1.0"

enum oci_status {
	OCI_CREATING, /* create has not finished (runtime-spec 1.1.0, runtime.md) */
	OCI_CREATED,  /* the VMM process waits on exec.fifo */
	OCI_RUNNING,  /* start opened exec.fifo: the VM runs */
	OCI_STOPPED,  /* the VMM process has exited */
	OCI_PAUSED,   /* pause stopped the VMM process (SIGSTOP) until resume */
};

struct oci_state {
	char id[OCI_ID_MAX + 1];
	enum oci_status status;
	pid_t pid;		      /* the VMM process: the container's pid */
	unsigned long long pid_start; /* its start time (/proc/PID/stat field 22) */
	char bundle[PATH_MAX];	      /* absolute */
	char rootfs[PATH_MAX];	      /* absolute */
	char created[40];	      /* RFC 3339, UTC */
	uid_t owner;		      /* who created it */
	char cgroup[PATH_MAX];	      /* linux.cgroupsPath the VMM joined, "" if none */
	json_object *annotations;     /* NULL or owned (json_object_put) */
};

/* The name of a status as runtime-spec writes it ("created", ...). */
const char *oci_state_status_name(enum oci_status status);

/*
 * Is id usable as a container ID? runc's rule (letters, digits, and
 * "_+-.") without "." and "..", 1 to OCI_ID_MAX bytes. 0, or -EINVAL
 * with the reason in err.
 */
int oci_state_check_id(const char *id, char *err, size_t errlen);

/*
 * Make ROOT (and its parents) and the new, empty directory ROOT/ID, and
 * lock it. *dirfd is the locked directory (close it to unlock). 0, -EEXIST
 * for an ID already in use, or -errno; err says which.
 */
int oci_state_create(const char *root, const char *id, int *dirfd, char *err, size_t errlen);

/*
 * Open and lock ROOT/ID and read its state.json into st (the status as
 * recorded; see oci_state_refresh()). *dirfd is the locked directory.
 * 0, -ENOENT "does not exist", or -errno; err says which.
 */
int oci_state_open(const char *root, const char *id, int *dirfd, struct oci_state *st, char *err,
		   size_t errlen);

/* Write st as dirfd's state.json, atomically. 0 or -errno. */
int oci_state_write(int dirfd, const struct oci_state *st);

/* Read dirfd's state.json into st. 0, or -errno / -EINVAL for a damaged file. */
int oci_state_read(int dirfd, struct oci_state *st);

/* Free st's annotations. */
void oci_state_free(struct oci_state *st);

/*
 * The status as it is now: a recorded created/running whose VMM process has
 * gone (or whose pid now belongs to another process) is stopped.
 */
void oci_state_refresh(struct oci_state *st);

/* A process's start time (/proc/PID/stat field 22), 0 if it does not exist. */
unsigned long long oci_state_pid_start(pid_t pid);

/*
 * Remove ROOT/ID and everything kvmini put in it (dirfd: the locked
 * directory, which stays open). 0 or -errno.
 */
int oci_state_remove(const char *root, const char *id);

/*
 * st as the runtime-spec state (runtime.md "State") plus runc's rootfs,
 * created and owner: a new object the caller puts.
 */
json_object *oci_state_to_json(const struct oci_state *st);

#endif /* KVMINI_OCI_STATE_H */
