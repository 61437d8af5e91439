/* SPDX-License-Identifier: MIT */
/*
 * A container as a microVM (vmm/oci/oci_vm.c): the `kvmini run` command
 * line that boots the default Linux guest with the container's root and
 * the process description as virtio-fs shares, and process.sh, the
 * description the guest agent sources (docs/containers.md, "The guest
 * contract").
 */
#ifndef KVMINI_OCI_VM_H
#define KVMINI_OCI_VM_H

#include <stddef.h>
#include <stdio.h>

#include "config.h" /* CONFIG_MAX_SHARES */
#include "oci/oci_config.h"

#define OCI_VM_ROOT_TAG	 "rootfs"      /* virtio-fs tag of the container's root */
#define OCI_VM_SHARE_TAG "kvmini-oci"  /* virtio-fs tag of the process description */
#define OCI_VM_BIND_TAG	 "kvmini-bind" /* + the mount's index: a bind-mounted host dir */
#define OCI_VM_FORMAT	 1	       /* process.sh's oci_format */
/* kvmini run's --share limit: the root, the process description and the binds. */
#define OCI_VM_MAX_SHARES CONFIG_MAX_SHARES
#define OCI_VM_MAX_ARGV	  (14 + 2 * OCI_VM_MAX_SHARES) /* kvmini run's */

/* Where the guest comes from: OCI_GUEST_DIR/vmlinux and initramfs.cpio. */
#define OCI_VM_GUEST_ENV     "KVMINI_OCI_GUEST"
#define OCI_VM_GUEST_DEFAULT "/usr/local/share/kvmini/oci-guest"

struct oci_vm {
	char kernel[4096], initrd[4096]; /* the default guest */
	char rootfs[4096];		 /* absolute host path of the container's root */
	char share[4096];		 /* the directory shared as OCI_VM_SHARE_TAG */
	char mem[16], cpus[8];
	char cmdline[256];
	char vsock[32];			 /* "--vsock" value: OCI_SIGNAL_CID,OCI_SIGNAL_SOCKET */
	char *shares[OCI_VM_MAX_SHARES]; /* "--share" values, malloc'd */
	size_t nshares;
	const char *argv[OCI_VM_MAX_ARGV + 1]; /* kvmini run's, NULL-terminated */
};

/*
 * Write s to out as one POSIX shell word that means exactly s: in single
 * quotes, each ' written as '\'' (POSIX.1-2017, XCU 2.2.3). Any byte but
 * NUL is safe, newlines and backslashes included; "" becomes ''.
 */
void oci_vm_shell_quote(FILE *out, const char *s);

/*
 * Write process.sh for cfg to out: calls to the agent's functions, each
 * value quoted by oci_vm_shell_quote(), in this order: oci_format 1,
 * oci_hostname, oci_root TAG ro|rw, oci_terminal 0|1, per honoured mount
 * oci_mount (bind mounts of directories as virtiofs with their tag) or
 * oci_bind_file I DEST ro|rw (a file: its copy files/I in the share), and
 * last oci_exec UID GID GIDS CWD ENV... -- ARGS.... 0, or -EIO if out failed.
 */
int oci_vm_write_process(const struct oci_config *cfg, FILE *out);

/*
 * Plan the VM for cfg, whose bundle is the absolute path bundle, with the
 * process description in share (an absolute directory): find the guest
 * ($KVMINI_OCI_GUEST, else OCI_VM_GUEST_DEFAULT), check the root, sort the
 * bind mounts by their sources (oci_files_plan(): a directory stays
 * OCI_MOUNT_BIND and becomes a share, which a path with ',' cannot be; a
 * small regular file becomes OCI_MOUNT_FILE; anything else is skipped with a
 * warning in cfg), and fill vm->argv with `kvmini run` (argv[0] is exe).
 * 0, or -errno with err naming the file. Free with oci_vm_free().
 */
int oci_vm_plan(struct oci_config *cfg, const char *bundle, const char *share, const char *exe,
		struct oci_vm *vm, char *err, size_t errlen);

/* Free what oci_vm_plan() allocated. */
void oci_vm_free(struct oci_vm *vm);

#endif /* KVMINI_OCI_VM_H */
