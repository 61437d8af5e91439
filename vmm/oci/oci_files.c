// SPDX-License-Identifier: MIT
/*
 * Bind mounts whose source is a host file (runtime-spec 1.1.0, config.md
 * "Mounts": a bind source may be a file; podman binds /etc/hosts,
 * /etc/resolv.conf, /etc/hostname and /run/.containerenv so). virtio-fs
 * shares directories, so the file travels as a copy in the container's
 * own share; see oci_files.h for why not a share of its parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"
#include "oci/oci_files.h"

int oci_files_plan(struct oci_config *cfg, char *err, size_t errlen)
{
	size_t nfiles = 0;

	for (size_t i = 0; i < cfg->nmounts; i++) {
		struct oci_mount *m = &cfg->mounts[i];
		struct stat st;

		if (m->kind != OCI_MOUNT_BIND)
			continue;
		if (stat(m->source, &st))
			return errbuf_set(err, errlen, -errno, "bind mount source '%s': %m",
					  m->source);
		if (S_ISDIR(st.st_mode))
			continue;
		m->kind = OCI_MOUNT_SKIPPED;
		if (!S_ISREG(st.st_mode))
			oci_config_warn(cfg,
					"mounts[%zu] (%.60s) is not honoured: its source '%.60s' "
					"is neither a directory nor a regular file",
					i, m->destination, m->source);
		else if (st.st_size > (off_t)OCI_FILES_MAX_BYTES)
			oci_config_warn(
				cfg,
				"mounts[%zu] (%.60s) is not honoured: its source '%.60s' "
				"has %lld bytes; files of at most %u are copied into the VM",
				i, m->destination, m->source, (long long)st.st_size,
				OCI_FILES_MAX_BYTES);
		else if (nfiles == OCI_FILES_MAX)
			oci_config_warn(cfg,
					"mounts[%zu] (%.60s) is not honoured: at most %d files are "
					"bind-mounted into the VM",
					i, m->destination, OCI_FILES_MAX);
		else {
			m->kind = OCI_MOUNT_FILE;
			nfiles++;
		}
	}
	return 0;
}

/* Write all of buf to fd. 0 or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy in to out, at most OCI_FILES_MAX_BYTES: -EFBIG beyond (the file grew). */
static int copy_bytes(int in, int out)
{
	char buf[16384];
	size_t total = 0;

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		total += (size_t)n;
		if (total > OCI_FILES_MAX_BYTES)
			return -EFBIG;
		int ret = write_all(out, buf, (size_t)n);
		if (ret)
			return ret;
	}
}

/* mounts[i]'s source to files/i under dirfd. 0 or -errno, err naming both. */
static int copy_one(const struct oci_mount *m, size_t i, int dirfd, char *err, size_t errlen)
{
	char name[32];
	struct stat st;
	int in, out, ret;

	/* O_NONBLOCK: a FIFO put in the file's place since the plan does not block us. */
	in = open(m->source, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (in < 0)
		return errbuf_set(err, errlen, -errno, "bind mount source '%s': %m", m->source);
	if (fstat(in, &st)) {
		ret = errbuf_set(err, errlen, -errno, "bind mount source '%s': %m", m->source);
		goto close_in;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = errbuf_set(err, errlen, -EINVAL,
				 "bind mount source '%s' is no longer a regular file", m->source);
		goto close_in;
	}
	snprintf(name, sizeof(name), "%zu", i);
	out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = errbuf_set(err, errlen, -errno, "cannot make the copy of '%s': %m",
				 m->source);
		goto close_in;
	}
	ret = copy_bytes(in, out);
	/*
	 * The owner first (chown clears set-id bits), then the mode: the copy
	 * means to the container's user what the file would. Only root may give
	 * a file away; a rootless caller's copy stays its own.
	 */
	if (!ret && fchown(out, st.st_uid, st.st_gid) && errno != EPERM)
		ret = -errno;
	if (!ret && fchmod(out, st.st_mode & 07777))
		ret = -errno;
	if (close(out) && !ret)
		ret = -errno;
	if (ret == -EFBIG)
		errbuf_set(err, errlen, ret, "bind mount source '%s' reads more than %u bytes",
			   m->source, OCI_FILES_MAX_BYTES);
	else if (ret)
		errbuf_set(err, errlen, ret, "cannot copy bind mount source '%s': %s", m->source,
			   strerror(-ret));
close_in:
	close(in);
	return ret;
}

int oci_files_copy(const struct oci_config *cfg, const char *share, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int dirfd = -1, ret = 0;

	for (size_t i = 0; i < cfg->nmounts && !ret; i++) {
		const struct oci_mount *m = &cfg->mounts[i];

		if (m->kind != OCI_MOUNT_FILE)
			continue;
		if (dirfd < 0) {
			if ((size_t)snprintf(path, sizeof(path), "%s/" OCI_FILES_DIR, share) >=
			    sizeof(path))
				return errbuf_set(err, errlen, -ENAMETOOLONG, "'%s': too long",
						  share);
			if (mkdir(path, 0755) && errno != EEXIST)
				return errbuf_set(err, errlen, -errno, "cannot make '%s': %m",
						  path);
			dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dirfd < 0)
				return errbuf_set(err, errlen, -errno, "'%s': %m", path);
		}
		ret = copy_one(m, i, dirfd, err, errlen);
		size_t len = ret ? strnlen(err, errlen) : errlen;
		if (len + 1 < errlen)
			snprintf(err + len, errlen - len, " (mounts[%zu], %s)", i, m->destination);
	}
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}
