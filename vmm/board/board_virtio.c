// SPDX-License-Identifier: MIT
/*
 * The board's virtio-mmio devices. This is the only place, with the
 * board_virtio_*.c files beside it, that knows both the device models
 * (devices/virtio/virtio_*.c) and KVM. This file is the list: which devices
 * a run has, in slot order, and how they all end. Each device's own setup is
 * in board_virtio_attach.c (blk, console, rng) or board_virtio_watch.c (net,
 * vsock, fs: a host side on the event loop); the slot each sits in (MMIO
 * window, GSI, irqfd, one ioeventfd per queue) in board_virtio_slot.c; their
 * state in board_virtio_state.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board_virtio.h"
#include "board/board_virtio_attach.h"
#include "board/board_virtio_slot.h"
#include "board/board_virtio_watch.h"
#include "kvmini/virtio_console.h"
#include "kvmini/virtio_net.h"
#include "kvmini/virtio_rng.h"
#include "kvmini/virtio_vsock.h"

int board_virtio_setup(struct board *board, const struct vm_config *cfg)
{
	struct virtio_board *b = calloc(1, sizeof(*b));
	struct vm *vm = board->vm;
	int err = 0;

	if (!b)
		return -ENOMEM;
	b->board = board;
	b->loop = &vm->loop;
	b->console_fd = -1;
	board->virtio = b;
	for (unsigned int i = 0; i < cfg->ndisks && !err; i++)
		err = board_virtio_attach_disk(b, &cfg->disks[i]);
	if (!err && cfg->console != CONSOLE_NONE)
		err = board_virtio_attach_console(b, cfg);
	if (!err && cfg->rng)
		err = board_virtio_attach_rng(b);
	/* NICs last: the devices above keep their addresses when --net is added. */
	for (unsigned int i = 0; i < cfg->nnics && !err; i++)
		err = board_virtio_watch_add_net(b, &cfg->nics[i]);
	/* The vsock device after the NICs, for the same reason. */
	if (!err && cfg->vsock_path)
		err = board_virtio_watch_add_vsock(b, cfg);
	/* Shares after the vsock device, for the same reason. */
	for (unsigned int i = 0; i < cfg->nshares && !err; i++)
		err = board_virtio_watch_add_share(b, &cfg->shares[i]);
	if (err) {
		/* Stop serving them now; the devices stay until board_virtio_destroy(). */
		board_virtio_watch_remove_all(b);
		board_virtio_slot_close_all(b);
		chardev_io_detach(&b->console_io);
	}
	return err;
}

void board_virtio_flush(struct board *board)
{
	struct virtio_board *b = board->virtio;

	if (!b)
		return;
	for (unsigned int i = 0; i < b->ndisks; i++)
		virtio_blk_flush(b->disks[i]);
}

void board_virtio_destroy(struct board *board)
{
	struct virtio_board *b = board->virtio;

	if (!b)
		return;
	board_virtio_slot_close_all(b);
	board_virtio_watch_remove_all(b);
	/* virtiofsd is stopped and reaped here, on every way out of a run that got this far. */
	for (unsigned int i = 0; i < b->nshares; i++)
		board_fs_destroy(&b->shares[i]);
	for (unsigned int i = 0; i < b->nnics; i++)
		virtio_net_destroy(b->nics[i]);
	virtio_vsock_destroy(b->vsock); /* closes its sockets and removes PATH */
	for (unsigned int i = 0; i < b->ndisks; i++)
		virtio_blk_destroy(b->disks[i]);
	virtio_console_destroy(b->console);
	virtio_rng_destroy(b->rng);
	chardev_io_detach(&b->console_io); /* flushes, bounded, before the close */
	if (b->console_fd >= 0)
		close(b->console_fd);
	free(b);
	board->virtio = NULL;
}

int board_virtio_cmdline(const struct board *b, char *buf, size_t size)
{
	size_t len = strnlen(buf, size);
	size_t start = len;

	if (len >= size)
		return -ENOSPC;
	for (unsigned int i = 0; i < b->res.nvirtio; i++) {
		const struct virtio_slot *s = &b->res.virtio[i];
		int n = snprintf(buf + len, size - len, " virtio_mmio.device=%#llx@%#llx:%d",
				 (unsigned long long)s->size, (unsigned long long)s->base, s->gsi);
		if (n < 0 || (size_t)n >= size - len) {
			buf[start] = '\0';
			return -ENOSPC;
		}
		len += (size_t)n;
	}
	return 0;
}

size_t board_virtio_console_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct board *board = opaque;
	struct virtio_board *b = board->virtio;

	if (!b || !b->console)
		return 0;
	return virtio_console_receive(b->console, buf, len);
}

void board_virtio_serve_all(struct board *board)
{
	struct virtio_board *b = board->virtio;

	if (!b)
		return;
	for (unsigned int i = 0; i < b->nslots; i++) {
		struct board_slot *s = &b->slots[i];
		for (unsigned int q = 0; q < s->nnotify; q++) {
			/* Bounded: a queue the guest cannot refill (vCPUs paused) empties. */
			for (int pass = 0; pass < 1024 && virtio_mmio_kick(s->vmio, q); pass++)
				;
		}
	}
	board_virtio_flush(board);
}

uint64_t board_virtio_disk_size(const struct board *b, unsigned int i)
{
	const struct virtio_board *v = b->virtio;

	return v && i < v->ndisks ? v->disk_sizes[i] : 0;
}
