// SPDX-License-Identifier: MIT
/*
 * From an OCI config to a VM: the `kvmini run` options and process.sh.
 * Nothing the config says reaches a shell unquoted: every value goes
 * through oci_vm_shell_quote(), and the kernel command line carries only
 * words this file chose.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errbuf.h"
#include "oci/oci_files.h"
#include "oci/oci_signal.h"
#include "oci/oci_vm.h"

void oci_vm_shell_quote(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

static void put_words(FILE *out, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputc(' ', out);
		oci_vm_shell_quote(out, words[i]);
	}
}

int oci_vm_write_process(const struct oci_config *cfg, FILE *out)
{
	size_t bind = 0;

	fprintf(out, "# kvmini oci: the container's process, for the guest agent "
		     "(docs/containers.md).\n");
	fprintf(out, "oci_format %d\n", OCI_VM_FORMAT);
	if (cfg->hostname) {
		fputs("oci_hostname ", out);
		oci_vm_shell_quote(out, cfg->hostname);
		fputc('\n', out);
	}
	fprintf(out, "oci_root %s %s\n", OCI_VM_ROOT_TAG, cfg->root_readonly ? "ro" : "rw");
	if (cfg->terminal && cfg->console_rows && cfg->console_cols)
		fprintf(out, "oci_terminal 1 %u %u\n", cfg->console_rows, cfg->console_cols);
	else
		fprintf(out, "oci_terminal %d\n", cfg->terminal ? 1 : 0);
	for (size_t i = 0; i < cfg->nmounts; i++) {
		const struct oci_mount *m = &cfg->mounts[i];
		char tag[32];
		const char *words[4] = {m->type, m->source, m->destination, m->options};

		if (m->kind == OCI_MOUNT_SKIPPED)
			continue;
		if (m->kind == OCI_MOUNT_FILE) {
			/* Its copy in the share: files/I (oci_files_copy()). */
			fprintf(out, "oci_bind_file %zu", i);
			put_words(out, &m->destination, 1);
			fprintf(out, " %s\n", m->read_only ? "ro" : "rw");
			continue;
		}
		if (m->kind == OCI_MOUNT_BIND) {
			snprintf(tag, sizeof(tag), OCI_VM_BIND_TAG "%zu", bind++);
			words[0] = "virtiofs";
			words[1] = tag;
		}
		fputs("oci_mount", out);
		put_words(out, words, 4);
		fputc('\n', out);
	}
	fprintf(out, "oci_signal_port %d\n", OCI_SIGNAL_PORT);
	fprintf(out, "oci_exec %" PRIu32 " %" PRIu32 " '", cfg->uid, cfg->gid);
	for (size_t i = 0; i < cfg->ngids; i++)
		fprintf(out, "%s%" PRIu32, i ? "," : "", cfg->gids[i]);
	fputc('\'', out);
	put_words(out, (const char *const *)&cfg->cwd, 1);
	put_words(out, cfg->env, cfg->nenv);
	fputs(" --", out);
	put_words(out, cfg->args, cfg->nargs);
	fputc('\n', out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

/* path is a directory we can name in a --share (no ','). 0 or -errno. */
static int check_dir(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st))
		return errbuf_set(err, errlen, -errno, "%s '%s': %m", what, path);
	if (!S_ISDIR(st.st_mode))
		return errbuf_set(err, errlen, -ENOTDIR, "%s '%s' is not a directory", what, path);
	if (strchr(path, ','))
		return errbuf_set(err, errlen, -EINVAL,
				  "%s '%s' contains ',', which --share cannot carry", what, path);
	return 0;
}

static int check_file(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return errbuf_set(err, errlen, -ENOENT,
				  "cannot find the guest '%s' (set %s to a directory with vmlinux "
				  "and initramfs.cpio)",
				  path, OCI_VM_GUEST_ENV);
	return 0;
}

static int add_share(struct oci_vm *vm, const char *dir, const char *tag, bool ro)
{
	if (vm->nshares == sizeof(vm->shares) / sizeof(vm->shares[0]))
		return -E2BIG;
	if (asprintf(&vm->shares[vm->nshares], "%s,%s%s", dir, tag, ro ? ",ro" : "") < 0)
		return -ENOMEM;
	vm->nshares++;
	return 0;
}

/* Shares and argv once every input is known good. */
static int compose(struct oci_config *cfg, const char *exe, struct oci_vm *vm, char *err,
		   size_t errlen)
{
	size_t n = 0, bind = 0;
	char tag[32];
	int ret;

	if ((ret = add_share(vm, vm->rootfs, OCI_VM_ROOT_TAG, cfg->root_readonly)) ||
	    (ret = add_share(vm, vm->share, OCI_VM_SHARE_TAG, false)))
		return errbuf_set(err, errlen, ret, "out of memory");
	for (size_t i = 0; i < cfg->nmounts; i++) {
		struct oci_mount *m = &cfg->mounts[i];
		if (m->kind != OCI_MOUNT_BIND)
			continue;
		if ((ret = check_dir(m->source, "bind mount source", err, errlen)))
			return ret;
		snprintf(tag, sizeof(tag), OCI_VM_BIND_TAG "%zu", bind++);
		if ((ret = add_share(vm, m->source, tag, m->read_only)))
			return errbuf_set(err, errlen, ret, "too many bind mounts (at most %zu)",
					  sizeof(vm->shares) / sizeof(vm->shares[0]) - 2);
	}
	snprintf(vm->mem, sizeof(vm->mem), "%uM", cfg->mem_mib);
	snprintf(vm->cpus, sizeof(vm->cpus), "%u", cfg->vcpus);
	/*
	 * quiet loglevel=1: the console is the container's stdout, and quiet
	 * alone still lets error-level kernel lines through (the minimal
	 * guest's "PCI: Fatal: No config space access function found" came
	 * out before a podman container's own output); only KERN_EMERG remains.
	 */
	/* kvmini.agent=TAG: /init mounts the share on /run and sources agent.sh. */
	snprintf(vm->cmdline, sizeof(vm->cmdline), "console=ttyS0 quiet loglevel=1 kvmini.agent=%s",
		 OCI_VM_SHARE_TAG);
	/*
	 * --vsock: `kvmini oci kill`'s way to the process (oci_signal.c). Its
	 * socket is named relative to the state directory, where the VMM
	 * process starts (oci_create.c): ROOT/ID with a 64-character ID would
	 * not fit in a socket address.
	 */
	snprintf(vm->vsock, sizeof(vm->vsock), "%d,%s", OCI_SIGNAL_CID, OCI_SIGNAL_SOCKET);
	const char *fixed[] = {exe,	    "run",	 "--kernel", vm->kernel, "--initrd",
			       vm->initrd,  "--mem",	 vm->mem,    "--cpus",	 vm->cpus,
			       "--cmdline", vm->cmdline, "--vsock",  vm->vsock};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		vm->argv[n++] = fixed[i];
	for (size_t i = 0; i < vm->nshares && n + 2 <= OCI_VM_MAX_ARGV; i++) {
		vm->argv[n++] = "--share";
		vm->argv[n++] = vm->shares[i];
	}
	vm->argv[n] = NULL;
	return 0;
}

int oci_vm_plan(struct oci_config *cfg, const char *bundle, const char *share, const char *exe,
		struct oci_vm *vm, char *err, size_t errlen)
{
	const char *guest = getenv(OCI_VM_GUEST_ENV);
	int ret;

	memset(vm, 0, sizeof(*vm));
	if (!guest || !guest[0])
		guest = OCI_VM_GUEST_DEFAULT;
	if (cfg->root_path[0] == '/')
		ret = snprintf(vm->rootfs, sizeof(vm->rootfs), "%s", cfg->root_path);
	else
		ret = snprintf(vm->rootfs, sizeof(vm->rootfs), "%s/%s", bundle, cfg->root_path);
	if ((size_t)ret >= sizeof(vm->rootfs) ||
	    (size_t)snprintf(vm->share, sizeof(vm->share), "%s", share) >= sizeof(vm->share) ||
	    (size_t)snprintf(vm->kernel, sizeof(vm->kernel), "%s/vmlinux", guest) >=
		    sizeof(vm->kernel) ||
	    (size_t)snprintf(vm->initrd, sizeof(vm->initrd), "%s/initramfs.cpio", guest) >=
		    sizeof(vm->initrd))
		return errbuf_set(err, errlen, -ENAMETOOLONG, "a path is too long");
	if ((ret = check_dir(vm->rootfs, "root.path: the container's root", err, errlen)) ||
	    (ret = check_file(vm->kernel, err, errlen)) ||
	    (ret = check_file(vm->initrd, err, errlen)) ||
	    (ret = oci_files_plan(cfg, err, errlen)) ||
	    (ret = compose(cfg, exe, vm, err, errlen))) {
		oci_vm_free(vm);
		return ret;
	}
	return 0;
}

void oci_vm_free(struct oci_vm *vm)
{
	for (size_t i = 0; i < vm->nshares; i++)
		free(vm->shares[i]);
	vm->nshares = 0;
}
