// SPDX-License-Identifier: MIT
/*
 * Saving and loading the board's virtio devices: each model's own
 * NAME_save()/NAME_load() (the transport's blob, then the device's), in slot
 * order, so that a restore's freshly made board reads them back in the order
 * it made its devices.
 */
#include <errno.h>

#include "board/board_virtio_slot.h"
#include "board/board_virtio_state.h"
#include "kvmini/log.h"
#include "kvmini/virtio_console.h"
#include "kvmini/virtio_rng.h"
#include "kvmini/virtio_vsock.h"

/* NICs have no device state (no virtio_net_save) and shares keep theirs in virtiofsd. */
int board_virtio_state_save(struct board *board, struct state_writer *w)
{
	struct virtio_board *b = board->virtio;
	int ret = 0;

	if (!b)
		return 0;
	if (b->nnics) {
		log_error("a VM with --net cannot be snapshotted: virtio-net has no device state "
			  "yet");
		return -ENOTSUP;
	}
	if (b->nshares) {
		log_error("a VM with --share cannot be snapshotted: its virtio-fs queues live in "
			  "virtiofsd");
		return -ENOTSUP;
	}
	for (unsigned int i = 0; i < b->ndisks && !ret; i++)
		ret = virtio_blk_save(b->disks[i], w);
	if (!ret && b->console)
		ret = virtio_console_save(b->console, w);
	if (!ret && b->rng)
		ret = virtio_rng_save(b->rng, w);
	if (!ret && b->vsock)
		ret = virtio_vsock_save(b->vsock, w);
	return ret;
}

int board_virtio_state_load(struct board *board, struct state_reader *r)
{
	struct virtio_board *b = board->virtio;
	int ret = 0;

	if (!b)
		return 0;
	for (unsigned int i = 0; i < b->ndisks && !ret; i++)
		ret = virtio_blk_load(b->disks[i], r);
	if (!ret && b->console)
		ret = virtio_console_load(b->console, r);
	if (!ret && b->rng)
		ret = virtio_rng_load(b->rng, r);
	if (!ret && b->vsock)
		ret = virtio_vsock_load(b->vsock, r);
	return ret;
}
