/* SPDX-License-Identifier: MIT */
/*
 * The virtiofsd processes behind --share: one per share, started during
 * setup (before the seccomp filter: fork, exec, mounts) and stopped on
 * every way out of kvmini.
 *
 * The program is Debian's C virtiofsd from QEMU 7.2 (qemu-system-common),
 * /usr/lib/qemu/virtiofsd, or the one the environment variable
 * KVMINI_VIRTIOFSD names. It needs root: it sandboxes itself in mount, PID
 * and network namespaces and pivot_root()s into the shared directory, which
 * is also what keeps a guest from reaching outside it (`..` at the root is
 * the root, symlinks are resolved by the guest inside its mount).
 *
 * Every way out stops it: virtiofsd_stop() from board teardown (normal exit,
 * setup error, signal, --timeout); PR_SET_PDEATHSIG kills it if kvmini
 * itself dies (a crash, SIGKILL, the seccomp handler's _exit), and
 * virtiofsd's own sandbox child follows its parent the same way.
 */
#ifndef KVMINI_VIRTIOFSD_H
#define KVMINI_VIRTIOFSD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* How long virtiofsd_stop() waits after SIGTERM before SIGKILL. */
#define VIRTIOFSD_STOP_MS 1000

struct virtiofsd {
	pid_t pid; /* 0: not running */
	int pidfd; /* -1: none */
};

/* The virtiofsd program: $KVMINI_VIRTIOFSD if set and not empty, else the default. */
const char *virtiofsd_program(void);

/*
 * Step 0 for --share: the virtiofsd program is an executable regular file,
 * and every share's directory is a directory. On a refusal, writes one line
 * into err (naming --share, the path and the cause) and returns -errno.
 */
int virtiofsd_check_shares(const struct vm_config *cfg, char *err, size_t errlen);

/*
 * Start virtiofsd on share->dir, read-only if share->read_only, and return
 * in *sock a stream socket already connected to it (vhost-user, owned by the
 * caller). The socket is made here and handed over with --fd: kvmini
 * listens on a path in a fresh 0700 directory, connects, removes both, and
 * only then starts virtiofsd, which accepts the waiting connection, so no
 * other process can connect first and there is no polling for a socket file.
 * Read-only: the child enters its own mount namespace and remounts a bind
 * of the directory MS_RDONLY before exec, so every write virtiofsd tries
 * fails with EROFS in the kernel (virtiofsd 7.2 has no read-only option).
 * Errors (exec failure, a refused mount) are logged naming the share.
 * 0 or -errno; on error nothing is left running.
 */
int virtiofsd_start(struct virtiofsd *d, const struct share_config *share, int *sock);

/*
 * If d has exited, reap it and describe how ("exited with status 1",
 * "killed by signal 9") into why; returns true. false while it runs.
 */
bool virtiofsd_exited(struct virtiofsd *d, char *why, size_t size);

/*
 * Stop d: SIGTERM, up to VIRTIOFSD_STOP_MS for it to exit, then SIGKILL,
 * and reap it. Uses only pidfd calls, poll and waitid, which the seccomp
 * filter allows. Safe on a stopped or never-started d.
 */
void virtiofsd_stop(struct virtiofsd *d);

#endif /* KVMINI_VIRTIOFSD_H */
