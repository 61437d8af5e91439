// SPDX-License-Identifier: MIT
/*
 * The VMM process in the caller's cgroup (runtime-spec 1.1.0,
 * config-linux.md "Cgroups Path"), the cgroupfs way runc's fs driver does
 * it: mkdir the path in each hierarchy, write the pid to cgroup.procs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "oci/oci_cgroup.h"
#include "oci/oci_config.h"

#define MAX_HIERARCHIES 32
#define RMDIR_WAIT_MS	1000

/*
 * The mount points of every cgroup hierarchy mounted at its root (a mount
 * of a sub-tree, as in a cgroup namespace, cannot name an absolute path).
 * Returns how many, at most max; each mounts[i] is malloc'ed.
 */
static size_t hierarchies(char **mounts, size_t max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], root[PATH_MAX], point[PATH_MAX], type[64];
	size_t n = 0;

	if (!f)
		return 0;
	/* mountinfo: ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - TYPE SOURCE SUPER */
	while (n < max && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
		    sscanf(dash, " - %63s", type) != 1)
			continue;
		if (strcmp(root, "/") || (strcmp(type, "cgroup") && strcmp(type, "cgroup2")))
			continue;
		if ((mounts[n] = strdup(point)))
			n++;
	}
	fclose(f);
	return n;
}

/* A cpuset cgroup starts with no CPU and no node: give it its parent's, as runc does. */
static int cpuset_inherit(const char *dir)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char path[PATH_MAX + 32], value[4096];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		FILE *f = fopen(path, "re");
		if (!f)
			return 0; /* not the cpuset hierarchy */
		bool empty = !fgets(value, sizeof(value), f) || value[0] == '\n';
		fclose(f);
		if (!empty)
			continue;
		snprintf(path, sizeof(path), "%s/../%s", dir, files[i]);
		if (!(f = fopen(path, "re")))
			return -errno;
		if (!fgets(value, sizeof(value), f))
			value[0] = '\0';
		fclose(f);
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ssize_t w = write(fd, value, strlen(value));
		int ret = w < 0 ? -errno : 0;
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
}

/* mkdir -p mount + path, each new level a usable cgroup. 0 or -errno; err names it. */
static int make_path(const char *mount, const char *path, char *dir, size_t dirlen)
{
	size_t len = (size_t)snprintf(dir, dirlen, "%s/", mount);

	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t seg = strcspn(p, "/");
		if (!seg)
			break;
		if (len + seg + 2 > dirlen)
			return -ENAMETOOLONG;
		memcpy(dir + len, p, seg);
		len += seg;
		dir[len] = '\0';
		p += seg;
		if (mkdir(dir, 0755) == 0) {
			int ret = cpuset_inherit(dir);
			if (ret)
				return ret;
		} else if (errno != EEXIST) {
			return -errno;
		}
		dir[len++] = '/';
		dir[len] = '\0';
	}
	return 0;
}

/* Is path "slice:prefix:name" (systemd's driver), or has it a ".." component? */
static int check_path(const char *path, char *err, size_t errlen)
{
	if (strchr(path, ':'))
		return errbuf_set(err, errlen, -ENOTSUP,
				  "linux.cgroupsPath '%.100s' is systemd's form, which kvmini "
				  "cannot create (no D-Bus client): the VMM process stays in "
				  "the caller's cgroup",
				  path);
	if (oci_config_has_dotdot(path))
		return errbuf_set(err, errlen, -EINVAL,
				  "linux.cgroupsPath '%.100s' has a '..' component", path);
	return 0;
}

int oci_cgroup_join(const char *path, pid_t pid, char *err, size_t errlen)
{
	char *mounts[MAX_HIERARCHIES], dir[PATH_MAX], procs[PATH_MAX + 16];
	size_t n;
	int ret = check_path(path, err, errlen);

	if (ret)
		return ret;
	n = hierarchies(mounts, MAX_HIERARCHIES);
	for (size_t i = 0; i < n && !ret; i++) {
		if ((ret = make_path(mounts[i], path, dir, sizeof(dir)))) {
			errbuf_set(err, errlen, ret, "cannot make cgroup '%s%s': %s", mounts[i],
				   path, strerror(-ret));
			break;
		}
		snprintf(procs, sizeof(procs), "%scgroup.procs", dir);
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || dprintf(fd, "%d\n", (int)pid) < 0)
			ret = errbuf_set(err, errlen, -errno, "cannot move pid %d into '%s': %m",
					 (int)pid, procs);
		if (fd >= 0)
			close(fd);
	}
	for (size_t i = 0; i < n; i++)
		free(mounts[i]);
	return ret;
}

void oci_cgroup_signal(const char *path, int sig)
{
	char *mounts[MAX_HIERARCHIES], procs[PATH_MAX + 16], err[16];
	FILE *f = NULL;
	int pid;

	if (check_path(path, err, sizeof(err)))
		return;
	size_t n = hierarchies(mounts, MAX_HIERARCHIES);
	for (size_t i = 0; i < n; i++) {
		if (!f) {
			snprintf(procs, sizeof(procs), "%s/%s/cgroup.procs", mounts[i], path);
			f = fopen(procs, "re");
		}
		free(mounts[i]);
	}
	if (!f)
		return;
	/* Never kill(0) or kill(-1), whatever the file says. */
	while (fscanf(f, "%d", &pid) == 1)
		if (pid > 0)
			kill(pid, sig);
	fclose(f);
}

void oci_cgroup_remove(const char *path)
{
	char *mounts[MAX_HIERARCHIES], dir[PATH_MAX];
	char err[16];

	if (check_path(path, err, sizeof(err)))
		return;
	size_t n = hierarchies(mounts, MAX_HIERARCHIES);
	/*
	 * A killed VMM's processes leave the cgroup only once reaped, which
	 * their reaper (conmon, the shim, init) does a moment later: retry a
	 * busy one for up to RMDIR_WAIT_MS in all, as runc does.
	 */
	long waited = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", mounts[i], path);
		while (rmdir(dir) && errno == EBUSY && waited < RMDIR_WAIT_MS) {
			struct timespec ts = {.tv_nsec = 10 * 1000000L};
			nanosleep(&ts, NULL);
			waited += 10;
		}
		free(mounts[i]);
	}
}
