/* SPDX-License-Identifier: MIT */
/*
 * The board's side of one --share: its virtiofsd process
 * (host/virtiofsd.h), the virtio-fs device on it (kvmini/virtio_fs.h), and
 * the I/O thread's watches on the backend's call eventfds and socket.
 * board_virtio_watch.c places the device in a virtio-mmio slot like any other.
 */
#ifndef KVMINI_BOARD_FS_H
#define KVMINI_BOARD_FS_H

#include <stdbool.h>

#include "config.h"
#include "host/event_loop.h"
#include "host/virtiofsd.h"
#include "kvmini/virtio_fs.h"

struct board_fs;

/* One call eventfd watch: which share, which ring. */
struct board_fs_call {
	struct board_fs *share;
	unsigned int q;
};

struct board_fs {
	const struct share_config *cfg;
	char name[64]; /* "virtiofsd for --share TAG", for the backend's messages */
	struct virtiofsd proc;
	struct virtio_fs *fs; /* NULL until board_fs_create() succeeded */
	struct event_loop *loop;
	struct board_fs_call calls[VIRTIO_FS_NUM_QUEUES];
	unsigned int ncalls_watched;
	bool socket_watched;
	bool proc_watched;
};

/*
 * Start virtiofsd for cfg, connect to it over vhost-user and create the
 * virtio-fs device on guest RAM mem (shared: mem->fd >= 0) and line irq.
 * Errors are logged naming the share. 0 or -errno; board_fs_destroy() is
 * safe after either.
 */
int board_fs_create(struct board_fs *sh, const struct share_config *cfg,
		    const struct guest_mem *mem, struct irq_line *irq);

/*
 * Serve the share on the I/O thread of loop: each call eventfd raises the
 * device's interrupt (virtio_fs_call), and the socket turning readable
 * means virtiofsd is gone (virtio_fs_check_backend: NEEDS_RESET and an
 * error naming the share), and its pidfd turning readable means it exited
 * (an error saying how, and it is reaped). 0 or -errno (nothing left watched).
 */
int board_fs_watch(struct board_fs *sh, struct event_loop *loop);

/* Stop the watches; the device stays. Safe to call twice. */
void board_fs_unwatch(struct board_fs *sh);

/* Unwatch, free the device (rings taken back), stop and reap virtiofsd. Safe twice. */
void board_fs_destroy(struct board_fs *sh);

#endif /* KVMINI_BOARD_FS_H */
