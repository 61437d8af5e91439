/* SPDX-License-Identifier: MIT */
/*
 * Every device model's state in one buffer, for a snapshot: the UART, the
 * i8042, the test device, then the virtio devices (board_virtio_state_save()).
 * Loaded in the same order into a board built from the same configuration.
 */
#ifndef KVMINI_BOARD_STATE_H
#define KVMINI_BOARD_STATE_H

#include "board/board.h"
#include "kvmini/device_state.h"

/* Append the board's devices' state to w. 0 or -errno (logged). */
int board_state_save(struct board *b, struct state_writer *w);

/*
 * Load what board_state_save() wrote into b's devices; the whole buffer
 * must be used. Guest memory must be in place (virtio rings are
 * re-checked). 0, -EPROTO or -EINVAL (logged).
 */
int board_state_load(struct board *b, struct state_reader *r);

#endif /* KVMINI_BOARD_STATE_H */
