/* SPDX-License-Identifier: MIT */
/*
 * The files of a snapshot directory other than its manifest
 * (docs/snapshot.md): guest memory as one sparse raw file, and state files
 * (vCPUs, the VM's in-kernel devices, the device models), each a 32-byte
 * header and a payload:
 *
 *   u8  magic[8]   "KVMINIST"
 *   u32 version    SNAPSHOT_FORMAT_VERSION
 *   u32 kind       SNAPSHOT_KIND_*: what the payload is
 *   u64 length     payload bytes that follow
 *   u32 crc32      zlib crc32 of the payload
 *   u32 reserved   0
 *
 * every number little-endian. The manifest also records each file's size
 * and the crc32 of the whole file, so a file swapped between snapshots is
 * refused too. No KVM here: restore checks every file before /dev/kvm.
 */
#ifndef KVMINI_SNAPSHOT_FILES_H
#define KVMINI_SNAPSHOT_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "kvmini/device_state.h" /* STATE_KIND() */

#define SNAPSHOT_FORMAT_VERSION 1
#define SNAPSHOT_HEADER_SIZE	32
/* The largest state file restore reads: 64 vCPUs' XSAVE and MSRs fit well below. */
#define SNAPSHOT_MAX_STATE (16u << 20)

#define SNAPSHOT_KIND_VCPU    STATE_KIND('V', 'C', 'P', 'U')
#define SNAPSHOT_KIND_VM      STATE_KIND('K', 'V', 'M', 'S')
#define SNAPSHOT_KIND_DEVICES STATE_KIND('D', 'E', 'V', 'S')

/* Fixed file names inside a snapshot directory (vCPU n: "vcpu-n.state"). */
#define SNAPSHOT_MANIFEST "manifest.json"
#define SNAPSHOT_MEMORY	  "memory.bin"
#define SNAPSHOT_VM	  "vm.state"
#define SNAPSHOT_DEVICES  "devices.state"

/*
 * The directory dir for a new snapshot, made (0700) if missing, with the
 * manifest of an older snapshot there removed first: until the new one is
 * written, restore refuses the directory. The directory's fd (O_RDONLY,
 * O_CLOEXEC: the only kind of open besides creating a file that the
 * snapshot's system-call filter allows), for the writers below, or -errno.
 */
int snapshot_files_open_dir(const char *dir);

/*
 * Write a state file dirfd/name: header and payload, replacing any file of
 * that name (through a temporary name and rename, so a reader never sees
 * half a file; the temporary file is created anew, O_EXCL), fsync'ed. *file_crc gets the crc32 of
 * the whole file, for the manifest. 0 or -errno.
 */
int snapshot_files_write_state(int dirfd, const char *name, uint32_t kind, const void *payload,
			       size_t len, uint32_t *file_crc);

/* Write len bytes of data as dirfd/name, atomically and fsync'ed (the manifest). 0 or -errno. */
int snapshot_files_write_raw(int dirfd, const char *name, const void *data, size_t len);

/*
 * Check a state file's bytes: header magic, version, kind, length (the
 * file's rest, exactly) and payload crc32. On success *payload points into
 * buf and *len is its length. 0, or -EPROTO with the reason in err.
 */
int snapshot_files_parse_state(const uint8_t *buf, size_t size, uint32_t kind,
			       const uint8_t **payload, size_t *len, char *err, size_t errlen);

/*
 * Read dirfd/name (not following a symlink; a regular file of at most max
 * bytes) into a malloc'd buffer the caller frees; *file_crc is the crc32 of
 * all of it. 0 or -errno with the reason in err.
 */
int snapshot_files_read(int dirfd, const char *name, size_t max, uint8_t **buf, size_t *size,
			uint32_t *file_crc, char *err, size_t errlen);

/*
 * Write size bytes of guest memory at mem to dirfd/name as a sparse file:
 * pages of zeros are holes, never written (a 4 GiB guest that used 50 MiB
 * costs about 50 MiB on disk). fsync'ed. 0 or -errno.
 */
int snapshot_files_write_memory(int dirfd, const char *name, const uint8_t *mem, uint64_t size);

/*
 * Open dirfd/name read-only for a copy-on-write mapping (not following a
 * symlink): a regular file of exactly size bytes. The fd, or -errno with the
 * reason in err (a short file is -EPROTO).
 */
int snapshot_files_open_memory(int dirfd, const char *name, uint64_t size, char *err,
			       size_t errlen);

/*
 * The size in bytes of the disk image or block device at path (its end, as
 * the disk backend sees it), recorded in the manifest and compared on
 * restore. 0 or -errno.
 */
int snapshot_files_disk_size(const char *path, uint64_t *size);

#endif /* KVMINI_SNAPSHOT_FILES_H */
