/* SPDX-License-Identifier: MIT */
/*
 * The board's virtio devices that the I/O thread serves on queue kicks
 * alone: virtio-blk (--disk), virtio-console (--console stdio|file:PATH)
 * and virtio-rng (--rng). Each takes the next slot (board_virtio_slot.h);
 * board_virtio_setup() calls them in slot order.
 */
#ifndef KVMINI_BOARD_VIRTIO_ATTACH_H
#define KVMINI_BOARD_VIRTIO_ATTACH_H

#include "board/board_virtio_slot.h"
#include "config.h"

/*
 * A virtio-blk device (virtio 1.2, 5.2) on the image disk->path, raw, opened
 * read-only if disk->read_only; its GET_ID serial is "kvmini-diskN" for the
 * Nth disk. 0 or -errno, logged naming the image; b owns what was made.
 */
int board_virtio_attach_disk(struct virtio_board *b, const struct disk_config *disk);

/*
 * The virtio console (virtio 1.2, 5.3): its output goes to the board's
 * stdout sink, or for cfg->console == CONSOLE_FILE to cfg->console_path
 * (created, appended to, never blocking; a FIFO without a reader is held
 * open read-write). 0 or -errno, logged naming the file; b owns the fd.
 */
int board_virtio_attach_console(struct virtio_board *b, const struct vm_config *cfg);

/* A virtio-rng device (virtio 1.2, 5.4). 0 or -errno; b owns it. */
int board_virtio_attach_rng(struct virtio_board *b);

#endif /* KVMINI_BOARD_VIRTIO_ATTACH_H */
