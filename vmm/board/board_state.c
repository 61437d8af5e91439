// SPDX-License-Identifier: MIT
/* The board's devices' state in one buffer (board_state.h). */
#include <errno.h>

#include "board/board_state.h"
#include "board/board_virtio_state.h"
#include "kvmini/i8042.h"
#include "kvmini/log.h"
#include "kvmini/serial.h"
#include "kvmini/testdev.h"

int board_state_save(struct board *b, struct state_writer *w)
{
	int ret;

	if ((ret = serial_save(&b->com1, w)) || (ret = i8042_save(&b->i8042, w)) ||
	    (ret = testdev_save(&b->testdev, w)) || (ret = board_virtio_state_save(b, w)))
		return ret;
	return 0;
}

int board_state_load(struct board *b, struct state_reader *r)
{
	int ret;

	if ((ret = serial_load(&b->com1, r)) || (ret = i8042_load(&b->i8042, r)) ||
	    (ret = testdev_load(&b->testdev, r)) || (ret = board_virtio_state_load(b, r)))
		return ret;
	if (r->pos != r->len) {
		log_error("device state: %zu bytes after the last device", r->len - r->pos);
		return -EPROTO;
	}
	return 0;
}
