// SPDX-License-Identifier: MIT
/*
 * seccomp_snapshot_probe MODE PATH: the snapshot writer under the monitor's
 * real system-call filter, without KVM. The vCPU and VM state is zeroed and
 * the devices are the board's fixed ones (tests/unit/fake_snapshot.c), but
 * every file goes through the writers snapshot_take() uses
 * (host/snapshot_files.c, host/snapshot_manifest.c), so the system calls
 * are the real ones.
 *
 *   snapshot DIR   a child installs the program of a --snapshot-on VM
 *                  (SECCOMP_SNAPSHOT) and writes a snapshot into DIR twice
 *                  (made, then replaced); the parent then checks DIR as
 *                  restore does (restore_check(): manifest, sizes, crc32,
 *                  state files) and memory.bin's bytes and holes; exits 0
 *   snapshot-control DIR
 *                  the same under the program of a VM with a control
 *                  socket (host sockets and snapshot)
 *   snapshot-base DIR
 *                  the same writer under every VM's program (a plain run):
 *                  the child must die of the filter (KVMINI_STATUS_SECCOMP,
 *                  "forbidden system call ... (mkdir)") and leave no
 *                  manifest; exits 0 if it did: the choice of program is
 *                  what lets a snapshot through
 *   overwrite FILE | read FILE | tmpfile DIR
 *                  under the snapshot program, what it must still refuse:
 *                  an existing file opened for writing, a file opened for
 *                  reading, an unnamed file (O_TMPFILE); the process must
 *                  die with KVMINI_STATUS_SECCOMP ("... (openat)")
 *
 * tests/hardening/seccomp.sh runs every mode. Exit 77 where the build
 * installs no filter (sanitizers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "config.h"
#include "fake_snapshot.h"
#include "host/restore.h"
#include "host/seccomp.h"
#include "host/snapshot_files.h"
#include "probe_filter.h"

#define MEM_SIZE (4u << 20)
#define PAGE	 4096u
#define HOST	 "seccomp-probe" /* the manifest's host kind, checked back */

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	if (!ok)
		failures++;
}

/* In a child: the filter with extras, then the snapshot, twice. Never returns. */
static void write_filtered(const char *dir, unsigned int extras)
{
	const struct fake_snapshot_opts o = {.host_kind = HOST, .ncpus = 2, .mem_size = MEM_SIZE};

	if (probe_filter_install(extras, extras ? " (a VM that may snapshot)" : " (a plain run)"))
		_exit(1);
	for (int round = 0; round < 2; round++) {
		int ret = fake_snapshot_write(dir, &o);
		if (ret) {
			printf("seccomp_snapshot_probe: snapshot %d: %s\n", round, strerror(-ret));
			_exit(1);
		}
	}
	_exit(0);
}

/* Run write_filtered() in a child; its wait status. */
static int run_child(const char *dir, unsigned int extras)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("seccomp_snapshot_probe: fork");
		exit(1);
	}
	if (pid == 0)
		write_filtered(dir, extras);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* memory.bin as fake_snapshot_write() fills RAM: a page of 0xab, the last 16 bytes, holes. */
static void check_memory(int fd)
{
	static uint8_t mem[MEM_SIZE];
	struct stat st;

	check(pread(fd, mem, MEM_SIZE, 0) == MEM_SIZE, "memory.bin: read back whole");
	bool page_ok = true, zeros_ok = true;
	for (size_t i = 0; i < PAGE; i++)
		page_ok &= mem[PAGE + i] == 0xab;
	for (size_t i = 2 * PAGE; i < MEM_SIZE - 16; i++)
		zeros_ok &= mem[i] == 0;
	check(page_ok && zeros_ok && memcmp(mem + MEM_SIZE - 16, "last page data!", 16) == 0,
	      "memory.bin: the guest's bytes, zeros elsewhere");
	check(fstat(fd, &st) == 0 && (uint64_t)st.st_blocks * 512 < MEM_SIZE / 2,
	      "memory.bin: sparse (pages of zeros are holes)");
}

/* DIR must be a snapshot restore accepts, with the probe's contents. */
static void check_snapshot(const char *dir)
{
	struct vm_config opts = {.restore_dir = dir, .seccomp = true};
	struct restore r;

	check(restore_check(&r, &opts, HOST) == 0, "restore_check() accepts the snapshot");
	check(r.manifest.ncpus == 2 && r.manifest.mem_size == MEM_SIZE && r.manifest.nfiles == 4,
	      "manifest: 2 vCPUs, the memory size, devices + 2 vCPU + VM state files");
	if (r.mem_fd >= 0)
		check_memory(r.mem_fd);
	restore_free(&r);
	/* No temporary file is left behind. */
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, SNAPSHOT_MEMORY);
	check(access(tmp, F_OK) < 0 && errno == ENOENT, "no memory.bin.tmp left");
}

static int probe_snapshot(const char *dir, unsigned int extras)
{
	int status = run_child(dir, extras);

	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return 77;
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the snapshot was written twice under the filter, the process alive");
	if (!failures)
		check_snapshot(dir);
	printf("seccomp_snapshot_probe: %s\n", failures ? "FAILED" : "snapshot written and whole");
	return failures ? 1 : 0;
}

static int probe_snapshot_base(const char *dir)
{
	int status = run_child(dir, 0);
	char manifest[512];

	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return 77;
	check(WIFEXITED(status) && WEXITSTATUS(status) == KVMINI_STATUS_SECCOMP,
	      "under every VM's program the snapshot dies of the filter");
	snprintf(manifest, sizeof(manifest), "%s/%s", dir, SNAPSHOT_MANIFEST);
	check(access(manifest, F_OK) < 0, "and leaves no manifest");
	printf("seccomp_snapshot_probe: %s\n",
	       failures ? "FAILED" : "the base program refuses a snapshot");
	return failures ? 1 : 0;
}

/* Under the snapshot program, an open it must refuse. Returns only if it was let through. */
static int forbidden_open(const char *mode, const char *path)
{
	int flags = strcmp(mode, "overwrite") == 0 ? O_WRONLY | O_TRUNC
		    : strcmp(mode, "read") == 0	   ? O_RDONLY
						   : O_WRONLY | O_TMPFILE;

	if (probe_filter_install(SECCOMP_HOST_SOCKETS | SECCOMP_SNAPSHOT,
				 " (a VM that may snapshot)"))
		return 2;
	fprintf(stderr, "seccomp_snapshot_probe: open('%s', %#o)\n", path, flags);
	int fd = open(path, flags | O_CLOEXEC, 0600);
	fprintf(stderr, "seccomp_snapshot_probe: FAILED: the open returned %d (%s)\n", fd,
		fd < 0 ? strerror(errno) : "a descriptor");
	return 3;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: seccomp_snapshot_probe snapshot|snapshot-control|"
				"snapshot-base DIR | overwrite|read FILE | tmpfile DIR\n");
		return 2;
	}
	const char *mode = argv[1], *path = argv[2];
	if (strcmp(mode, "snapshot") == 0)
		return probe_snapshot(path, SECCOMP_SNAPSHOT);
	if (strcmp(mode, "snapshot-control") == 0)
		return probe_snapshot(path, SECCOMP_HOST_SOCKETS | SECCOMP_SNAPSHOT);
	if (strcmp(mode, "snapshot-base") == 0)
		return probe_snapshot_base(path);
	if (strcmp(mode, "overwrite") == 0 || strcmp(mode, "read") == 0 ||
	    strcmp(mode, "tmpfile") == 0)
		return forbidden_open(mode, path);
	fprintf(stderr, "seccomp_snapshot_probe: unknown mode '%s'\n", mode);
	return 2;
}
