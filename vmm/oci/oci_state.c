// SPDX-License-Identifier: MIT
/*
 * The state directory of one container: ROOT/ID/state.json and friends.
 * A directory, not a file, per container so that create's mkdir(2) is the
 * one atomic "this ID is mine" (a duplicate gets EEXIST), and flock(2) on
 * it serialises create/start/kill/delete on one ID.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"
#include "oci/oci_state.h"

#define STATE_FILE     "state.json"
#define STATE_FILE_TMP "state.json.tmp"

static const char *const status_names[] = {
	[OCI_CREATING] = "creating", [OCI_CREATED] = "created", [OCI_RUNNING] = "running",
	[OCI_STOPPED] = "stopped",   [OCI_PAUSED] = "paused",
};

const char *oci_state_status_name(enum oci_status status)
{
	return status_names[status];
}

int oci_state_check_id(const char *id, char *err, size_t errlen)
{
	size_t len = strlen(id);

	if (len == 0)
		return errbuf_set(err, errlen, -EINVAL, "the container ID is empty");
	if (len > OCI_ID_MAX)
		return errbuf_set(err, errlen, -EINVAL,
				  "container ID '%.40s...' is too long (at most %d bytes)", id,
				  OCI_ID_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return errbuf_set(err, errlen, -EINVAL, "invalid container ID '%s'", id);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return errbuf_set(err, errlen, -EINVAL,
					  "invalid container ID '%.60s': only letters, digits and "
					  "'_+-.' are allowed",
					  id);
	return 0;
}

/* mkdir -p root, private to its owner but searchable (as runc's /run/runc). */
static int make_root(const char *root)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", root) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0711) && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		*p = c;
	}
}

static int lock_dir(const char *path, int *dirfd)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	*dirfd = fd;
	return 0;
}

int oci_state_create(const char *root, const char *id, int *dirfd, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret = make_root(root);

	if (ret)
		return errbuf_set(err, errlen, ret,
				  "cannot make the state directory '%s' (--root): "
				  "%s",
				  root, strerror(-ret));
	if (snprintf(path, sizeof(path), "%s/%s", root, id) >= (int)sizeof(path))
		return errbuf_set(err, errlen, -ENAMETOOLONG, "'%s/%s' is too long", root, id);
	if (mkdir(path, 0711))
		return errbuf_set(err, errlen, -errno,
				  errno == EEXIST
					  ? "container '%s' already exists in %s"
					  : "cannot make the state of container '%s' in %s: %m",
				  id, root);
	if ((ret = lock_dir(path, dirfd))) {
		rmdir(path);
		return errbuf_set(err, errlen, ret, "cannot lock '%s': %s", path, strerror(-ret));
	}
	return 0;
}

int oci_state_open(const char *root, const char *id, int *dirfd, struct oci_state *st, char *err,
		   size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	if ((ret = oci_state_check_id(id, err, errlen)))
		return ret;
	snprintf(path, sizeof(path), "%s/%s", root, id);
	if ((ret = lock_dir(path, dirfd)))
		return errbuf_set(err, errlen, ret,
				  ret == -ENOENT ? "container '%s' does not exist in %s"
						 : "cannot open container '%s' in %s: %m",
				  id, root);
	/* A create in progress, or a delete that won the lock: no state.json. */
	if ((ret = oci_state_read(*dirfd, st))) {
		close(*dirfd);
		return errbuf_set(err, errlen, ret == -ENOENT ? -ENOENT : ret,
				  ret == -ENOENT ? "container '%s' does not exist in %s"
						 : "container '%s' in %s has a damaged state.json",
				  id, root);
	}
	return 0;
}

int oci_state_write(int dirfd, const struct oci_state *st)
{
	json_object *j = oci_state_to_json(st);
	json_object *k = json_object_new_object();
	int ret = 0;

	if (!j || !k) {
		json_object_put(j);
		json_object_put(k);
		return -ENOMEM;
	}
	json_object_object_add(k, "pid_start", json_object_new_uint64(st->pid_start));
	json_object_object_add(k, "owner_uid", json_object_new_int64(st->owner));
	if (st->cgroup[0])
		json_object_object_add(k, "cgroups_path", json_object_new_string(st->cgroup));
	json_object_object_add(j, "kvmini", k);
	const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY);
	int fd = openat(dirfd, STATE_FILE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		ret = errno ? -errno : -EIO;
	close(fd);
	/* rename(2) replaces state.json at once: a reader sees the old or the new one. */
	if (!ret && renameat(dirfd, STATE_FILE_TMP, dirfd, STATE_FILE))
		ret = -errno;
out:
	json_object_put(j);
	return ret;
}

static void copy_string(json_object *j, const char *key, char *out, size_t len)
{
	json_object *v;

	out[0] = '\0';
	if (json_object_object_get_ex(j, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(out, len, "%s", json_object_get_string(v));
}

int oci_state_read(int dirfd, struct oci_state *st)
{
	json_object *j, *v, *k;
	int ret = -EINVAL;

	memset(st, 0, sizeof(*st));
	int fd = openat(dirfd, STATE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	j = json_object_from_fd(fd);
	close(fd);
	if (!j || !json_object_is_type(j, json_type_object))
		goto out;
	copy_string(j, "id", st->id, sizeof(st->id));
	copy_string(j, "bundle", st->bundle, sizeof(st->bundle));
	copy_string(j, "rootfs", st->rootfs, sizeof(st->rootfs));
	copy_string(j, "created", st->created, sizeof(st->created));
	if (!json_object_object_get_ex(j, "status", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto out;
	for (st->status = OCI_CREATING; st->status <= OCI_PAUSED; st->status++)
		if (strcmp(status_names[st->status], json_object_get_string(v)) == 0)
			break;
	if (st->status > OCI_PAUSED || !json_object_object_get_ex(j, "pid", &v) ||
	    !json_object_object_get_ex(j, "kvmini", &k))
		goto out;
	st->pid = (pid_t)json_object_get_int(v);
	if (json_object_object_get_ex(k, "pid_start", &v))
		st->pid_start = json_object_get_uint64(v);
	if (json_object_object_get_ex(k, "owner_uid", &v))
		st->owner = (uid_t)json_object_get_int64(v);
	copy_string(k, "cgroups_path", st->cgroup, sizeof(st->cgroup));
	if (json_object_object_get_ex(j, "annotations", &v) &&
	    json_object_is_type(v, json_type_object))
		st->annotations = json_object_get(v);
	ret = st->id[0] && st->pid >= 0 ? 0 : -EINVAL;
out:
	if (ret)
		oci_state_free(st);
	json_object_put(j);
	return ret;
}

void oci_state_free(struct oci_state *st)
{
	if (st->annotations)
		json_object_put(st->annotations);
	st->annotations = NULL;
}

unsigned long long oci_state_pid_start(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			 "%*d %*d %*d %llu",
			 &start) != 1)
		return 0;
	return start;
}

void oci_state_refresh(struct oci_state *st)
{
	/* Stopped stays stopped; "creating" has no pid yet (a create that died leaves it). */
	if (st->status == OCI_STOPPED || (st->status == OCI_CREATING && st->pid <= 0))
		return;
	/* A zombie still has its /proc entry; a dead child of ours must count as stopped. */
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)st->pid);
	FILE *f = fopen(path, "re");
	bool zombie = false;
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		zombie = p && p[1] == ' ' && p[2] == 'Z';
		fclose(f);
	}
	if (st->pid <= 0 || zombie || oci_state_pid_start(st->pid) != st->pid_start)
		st->status = OCI_STOPPED;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT ? -1 : 0;
}

int oci_state_remove(const char *root, const char *id)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", root, id) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* FTW_PHYS: never follow a link out of the state directory. */
	return nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) ? -errno : 0;
}

json_object *oci_state_to_json(const struct oci_state *st)
{
	json_object *j = json_object_new_object();

	if (!j)
		return NULL;
	json_object_object_add(j, "ociVersion", json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(j, "id", json_object_new_string(st->id));
	json_object_object_add(j, "pid",
			       json_object_new_int(st->status == OCI_STOPPED ? 0 : st->pid));
	json_object_object_add(j, "status",
			       json_object_new_string(oci_state_status_name(st->status)));
	json_object_object_add(j, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(j, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(j, "created", json_object_new_string(st->created));
	if (st->annotations)
		json_object_object_add(j, "annotations", json_object_get(st->annotations));
	return j;
}
