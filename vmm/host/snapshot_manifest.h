/* SPDX-License-Identifier: MIT */
/*
 * A snapshot's manifest.json (docs/snapshot.md): what the snapshot holds
 * and what a restore must rebuild around it (memory size, vCPUs, in-kernel
 * devices, device models and their backends), and each state file's size
 * and crc32. Written and read with json-c; reading trusts nothing: every
 * field is type-, range- and length-checked, unknown fields are refused,
 * and the first problem is described in err. No KVM here. The table and
 * the writer are snapshot_manifest.c; parse and read are
 * snapshot_manifest_read.c.
 */
#ifndef KVMINI_SNAPSHOT_MANIFEST_H
#define KVMINI_SNAPSHOT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SNAPSHOT_MANIFEST_MAX_BYTES (1u << 20)
#define SNAPSHOT_MAX_FILES	    (64 + 2) /* vCPUs, vm.state, devices.state */
#define SNAPSHOT_NAME_MAX	    32
#define SNAPSHOT_PATH_MAX	    4096
#define SNAPSHOT_MANIFEST_FORMAT    "kvmini-snapshot" /* manifest.json's "format" */

/*
 * manifest.json's names of enum console_kind ("none", "stdio", "file"),
 * indexed by it: what the writer (snapshot_manifest.c) puts in
 * devices.console.kind and the reader (snapshot_manifest_read.c) accepts.
 */
extern const char *const snapshot_manifest_console_names[CONSOLE_FILE + 1];

struct snapshot_file_entry {
	char name[SNAPSHOT_NAME_MAX]; /* a plain name in the directory, no '/' */
	uint64_t size;
	uint32_t crc32; /* of the whole file */
};

struct snapshot_disk {
	char path[SNAPSHOT_PATH_MAX]; /* as the snapshotted VM opened it */
	uint64_t size;		      /* bytes, at snapshot time */
	bool read_only;
};

struct snapshot_manifest {
	unsigned int format_version;
	char kvmini_version[32];
	char host_kind[32]; /* host_quirks->name */
	uint64_t mem_size;
	unsigned int ncpus;
	/* In-kernel devices (vm.state): irqchip (PIC, IOAPIC, LAPICs), PIT. */
	bool irqchip, pit;
	bool linux_guest;  /* a triple fault is a reboot (board->shutdown_is_reboot) */
	bool linux_booted; /* board_linux_booted() at snapshot time */
	/* Device models (devices.state), rebuilt in the board's order. */
	enum console_kind console;
	char console_path[SNAPSHOT_PATH_MAX]; /* CONSOLE_FILE only */
	bool rng;
	struct snapshot_disk disks[CONFIG_MAX_DISKS];
	unsigned int ndisks;
	bool vsock;
	uint32_t vsock_cid;
	char vsock_path[108];
	/* State files and their checksums. */
	struct snapshot_file_entry files[SNAPSHOT_MAX_FILES];
	unsigned int nfiles;
};

/*
 * Add (or update) a state file's entry. 0, or -ENOSPC when the table is
 * full, -EINVAL for a name that is not a plain file name.
 */
int snapshot_manifest_add_file(struct snapshot_manifest *m, const char *name, uint64_t size,
			       uint32_t crc32);

struct state_writer;

/*
 * Write the state file dirfd/name (snapshot_files_write_state()) from w's
 * buffer, of the given kind, and list it in m with its size and crc32. w is
 * released in every case; its sticky error is returned if it has one.
 * 0 or -errno.
 */
int snapshot_manifest_write_state(struct snapshot_manifest *m, int dirfd, const char *name,
				  uint32_t kind, struct state_writer *w);

/* The entry for name, or NULL. */
const struct snapshot_file_entry *snapshot_manifest_file(const struct snapshot_manifest *m,
							 const char *name);

/*
 * Write m as JSON to dirfd/manifest.json (through a temporary file and
 * rename, fsync'ed: the manifest is the last file written, so a directory
 * with one is complete). 0 or -errno.
 */
int snapshot_manifest_write(int dirfd, const struct snapshot_manifest *m);

/*
 * Parse len bytes of JSON into m. Refuses what is not an object, missing
 * or mistyped fields, unknown fields, out-of-range numbers, names with '/'
 * and over-long strings. 0, or -EPROTO (another format version: -ENOTSUP)
 * with the reason in err.
 */
int snapshot_manifest_parse(const char *text, size_t len, struct snapshot_manifest *m, char *err,
			    size_t errlen);

/*
 * Read and parse dirfd/manifest.json (a regular file, not a symlink, of at
 * most SNAPSHOT_MANIFEST_MAX_BYTES). 0 or -errno with the reason in err.
 */
int snapshot_manifest_read(int dirfd, struct snapshot_manifest *m, char *err, size_t errlen);

#endif /* KVMINI_SNAPSHOT_MANIFEST_H */
