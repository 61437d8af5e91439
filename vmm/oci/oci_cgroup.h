/* SPDX-License-Identifier: MIT */
/*
 * linux.cgroupsPath (vmm/oci/oci_cgroup.c): the VMM process joins the
 * cgroup the caller names, in every cgroup hierarchy this host mounts (v1
 * controllers, named ones, the v2 unified tree), so that everything of the
 * VM (its vCPU threads, virtiofsd) is accounted where podman and containerd
 * look. runtime-spec 1.1.0 config-linux.md "Cgroups Path". No limit is
 * written: the VM's size already is the container's memory and CPU limit.
 */
#ifndef KVMINI_OCI_CGROUP_H
#define KVMINI_OCI_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Make the cgroup path (cgroupfs form: "/a/b"; a relative path is taken
 * from each hierarchy's root) in every mounted hierarchy and move pid into
 * it. -ENOTSUP for systemd's "slice:prefix:name" form, which needs
 * systemd's D-Bus API; -EINVAL for a path with a ".." component; else 0 or
 * -errno. err names the file that failed. A failure leaves pid where the
 * hierarchies it did not reach had it.
 */
int oci_cgroup_join(const char *path, pid_t pid, char *err, size_t errlen);

/*
 * Send sig to every process in the cgroup path (runc's kill --all): the
 * VMM process and what it started (virtiofsd), or what outlived it. The
 * first hierarchy whose cgroup.procs can be read names them. Best effort.
 */
void oci_cgroup_signal(const char *path, int sig);

/*
 * Remove the cgroup path (its last component only, as runc does) from
 * every hierarchy. A busy one (processes not reaped yet) is retried for up
 * to a second in all; best effort: one still busy or absent stays as it is.
 */
void oci_cgroup_remove(const char *path);

#endif /* KVMINI_OCI_CGROUP_H */
