/* SPDX-License-Identifier: MIT */
/*
 * The board's virtio devices' state for snapshots (include/kvmini/device_state.h):
 * every device model's blobs, in slot order. board_state.c calls these after
 * the PC devices' state.
 */
#ifndef KVMINI_BOARD_VIRTIO_STATE_H
#define KVMINI_BOARD_VIRTIO_STATE_H

#include "board/board.h"

struct state_writer;
struct state_reader;

/*
 * Append every virtio device's state, in slot order: disks, console, rng,
 * vsock. -ENOTSUP (logged) for a VM with NICs (virtio-net has no save/load
 * yet) or shares (their queues live in virtiofsd). 0 when b has no virtio
 * devices; else 0 or -errno.
 */
int board_virtio_state_save(struct board *b, struct state_writer *w);

/*
 * Load what board_virtio_state_save() wrote into the devices of the same
 * configuration (made by board_virtio_setup()). 0 or -errno (-EPROTO,
 * -EINVAL from a device's loader, which logs why).
 */
int board_virtio_state_load(struct board *b, struct state_reader *r);

#endif /* KVMINI_BOARD_VIRTIO_STATE_H */
