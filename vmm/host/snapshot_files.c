// SPDX-License-Identifier: MIT
/*
 * A snapshot's memory file and state files (snapshot_files.h). Files are
 * opened relative to the snapshot directory's fd and never through a
 * symlink (O_NOFOLLOW), so a planted link cannot make restore read, or a
 * snapshot overwrite, a file outside the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "errbuf.h"
#include "host/snapshot_files.h"

static const char magic[8] = {'K', 'V', 'M', 'I', 'N', 'I', 'S', 'T'};

#define PAGE 4096u

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* zlib's crc32 takes a uInt length: feed it in pieces. */
static uint32_t crc_update(uint32_t crc, const uint8_t *buf, size_t len)
{
	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
		crc = (uint32_t)crc32(crc, buf, n);
		buf += n;
		len -= n;
	}
	return crc;
}

/* write() all of buf at offset; 0 or -errno. */
static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	if (!len)
		return 0;
	while (len) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * Create dirfd/"name.tmp" for writing: a new file, never an existing one
 * nor a symlink (O_EXCL), which is also all the system-call filter of a
 * run that may snapshot lets openat create (vmm/host/seccomp_policy.c,
 * snapshot_if). A leftover of a snapshot that failed half-way goes first.
 * fd or -errno.
 */
static int create_tmp(int dirfd, const char *name, char *tmp, size_t tmplen)
{
	if ((size_t)snprintf(tmp, tmplen, "%s.tmp", name) >= tmplen)
		return -ENAMETOOLONG;
	if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
		return -errno;
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

/* fsync fd, close it and rename tmp to name. 0 or -errno (tmp removed). */
static int commit_tmp(int dirfd, int fd, const char *tmp, const char *name, int ret)
{
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && renameat(dirfd, tmp, dirfd, name) < 0)
		ret = -errno;
	if (ret)
		unlinkat(dirfd, tmp, 0);
	return ret;
}

/* Write dirfd/name as head then body, atomically (tmp + rename), fsync'ed. 0 or -errno. */
static int write_file(int dirfd, const char *name, const void *head, size_t hlen, const void *body,
		      size_t blen)
{
	char tmp[256];
	int fd = create_tmp(dirfd, name, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	int ret = write_all(fd, head, hlen, 0);
	if (!ret)
		ret = write_all(fd, body, blen, (off_t)hlen);
	return commit_tmp(dirfd, fd, tmp, name, ret);
}

int snapshot_files_write_raw(int dirfd, const char *name, const void *data, size_t len)
{
	return write_file(dirfd, name, NULL, 0, data, len);
}

int snapshot_files_write_state(int dirfd, const char *name, uint32_t kind, const void *payload,
			       size_t len, uint32_t *file_crc)
{
	uint8_t hdr[SNAPSHOT_HEADER_SIZE] = {0};

	memcpy(hdr, magic, sizeof(magic));
	put_le32(hdr + 8, SNAPSHOT_FORMAT_VERSION);
	put_le32(hdr + 12, kind);
	put_le32(hdr + 16, (uint32_t)len);
	put_le32(hdr + 20, (uint32_t)((uint64_t)len >> 32));
	put_le32(hdr + 24, crc_update(0, payload, len));
	*file_crc = crc_update(crc_update(0, hdr, sizeof(hdr)), payload, len);
	return write_file(dirfd, name, hdr, sizeof(hdr), payload, len);
}

int snapshot_files_parse_state(const uint8_t *buf, size_t size, uint32_t kind,
			       const uint8_t **payload, size_t *len, char *err, size_t errlen)
{
	if (size < SNAPSHOT_HEADER_SIZE)
		return errbuf_set(err, errlen, -EPROTO,
				  "truncated: %zu bytes, the header alone is %d", size,
				  SNAPSHOT_HEADER_SIZE);
	if (memcmp(buf, magic, sizeof(magic)))
		return errbuf_set(err, errlen, -EPROTO, "not a kvmini state file (bad magic)");
	uint32_t version = get_le32(buf + 8);
	if (version != SNAPSHOT_FORMAT_VERSION)
		return errbuf_set(err, errlen, -EPROTO,
				  "state format version %u, this kvmini reads version %d", version,
				  SNAPSHOT_FORMAT_VERSION);
	if (get_le32(buf + 12) != kind)
		return errbuf_set(err, errlen, -EPROTO, "holds another kind of state (%#x)",
				  get_le32(buf + 12));
	uint64_t length = (uint64_t)get_le32(buf + 16) | (uint64_t)get_le32(buf + 20) << 32;
	if (length != size - SNAPSHOT_HEADER_SIZE)
		return errbuf_set(err, errlen, -EPROTO,
				  "%s: the header says %llu payload bytes, the file has %zu",
				  length > size - SNAPSHOT_HEADER_SIZE ? "truncated"
								       : "trailing bytes",
				  (unsigned long long)length, size - SNAPSHOT_HEADER_SIZE);
	if (get_le32(buf + 28) != 0)
		return errbuf_set(err, errlen, -EPROTO, "reserved header field is not 0");
	const uint8_t *p = buf + SNAPSHOT_HEADER_SIZE;
	if (crc_update(0, p, (size_t)length) != get_le32(buf + 24))
		return errbuf_set(err, errlen, -EPROTO, "corrupt: payload checksum mismatch");
	*payload = p;
	*len = (size_t)length;
	return 0;
}

/* openat without following a symlink; the reason in err. fd or -errno. */
static int open_regular(int dirfd, const char *name, struct stat *st, char *err, size_t errlen)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return errbuf_set(err, errlen, -e, "%s",
				  e == ELOOP ? "is a symbolic link, which a snapshot never holds"
					     : strerror(e));
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return errbuf_set(err, errlen, -EINVAL, "not a regular file");
	}
	return fd;
}

int snapshot_files_read(int dirfd, const char *name, size_t max, uint8_t **buf, size_t *size,
			uint32_t *file_crc, char *err, size_t errlen)
{
	struct stat st;
	int fd = open_regular(dirfd, name, &st, err, errlen);
	if (fd < 0)
		return fd;
	int ret = 0;
	if ((uint64_t)st.st_size > max) {
		ret = errbuf_set(err, errlen, -EFBIG, "too large: %lld bytes, at most %zu",
				 (long long)st.st_size, max);
		goto out;
	}
	*size = (size_t)st.st_size;
	*buf = malloc(*size ? *size : 1);
	if (!*buf) {
		ret = errbuf_set(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	size_t got = 0;
	while (got < *size) {
		ssize_t n = pread(fd, *buf + got, *size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = errbuf_set(err, errlen, n < 0 ? -errno : -EPROTO, "cannot read: %s",
					 n < 0 ? strerror(errno) : "shorter than it was");
			free(*buf);
			*buf = NULL;
			goto out;
		}
		got += (size_t)n;
	}
	*file_crc = crc_update(0, *buf, *size);
out:
	close(fd);
	return ret;
}

/* Is the page all zeros? Word-wise: guest memory is page-aligned. */
static int page_is_zero(const uint8_t *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

int snapshot_files_write_memory(int dirfd, const char *name, const uint8_t *mem, uint64_t size)
{
	char tmp[256];
	int fd = create_tmp(dirfd, name, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;

	/*
	 * Pages of zeros are skipped: every page never written stays a hole.
	 * The file gets its full length from its last byte (below), not from
	 * ftruncate, which the snapshot's system-call filter does not allow.
	 */
	int ret = 0;
	uint64_t off = 0;
	while (!ret && off < size) {
		uint64_t n = size - off < PAGE ? size - off : PAGE;
		if (page_is_zero(mem + off, (size_t)n)) {
			off += n;
			continue;
		}
		/* A run of non-zero pages goes out in one write. */
		uint64_t end = off + n;
		while (end < size && end - off < (64u << 20) &&
		       !page_is_zero(mem + end, (size_t)(size - end < PAGE ? size - end : PAGE)))
			end += size - end < PAGE ? size - end : PAGE;
		ret = write_all(fd, mem + off, (size_t)(end - off), (off_t)off);
		off = end;
	}
	/*
	 * Memory ending in zeros: its last byte, written again, gives the file
	 * its length (a hole before it reads as zeros, as the memory was).
	 */
	if (!ret && size > 0 && mem[size - 1] == 0)
		ret = write_all(fd, mem + size - 1, 1, (off_t)(size - 1));
	return commit_tmp(dirfd, fd, tmp, name, ret);
}

int snapshot_files_open_dir(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	/* An old manifest would vouch for files about to be replaced. */
	if (unlinkat(dirfd, SNAPSHOT_MANIFEST, 0) < 0 && errno != ENOENT) {
		int ret = -errno;
		close(dirfd);
		return ret;
	}
	return dirfd;
}

int snapshot_files_open_memory(int dirfd, const char *name, uint64_t size, char *err, size_t errlen)
{
	struct stat st;
	int fd = open_regular(dirfd, name, &st, err, errlen);
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size != size) {
		close(fd);
		return errbuf_set(err, errlen, -EPROTO, "%s: %lld bytes, the manifest says %llu",
				  (uint64_t)st.st_size < size ? "truncated" : "wrong size",
				  (long long)st.st_size, (unsigned long long)size);
	}
	/* O_NONBLOCK was for opening only (a FIFO cannot get here: not regular). */
	fcntl(fd, F_SETFL, 0);
	return fd;
}

int snapshot_files_disk_size(const char *path, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	off_t end = lseek(fd, 0, SEEK_END);
	int ret = end < 0 ? -errno : 0;
	close(fd);
	*size = end < 0 ? 0 : (uint64_t)end;
	return ret;
}
