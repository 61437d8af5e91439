/* SPDX-License-Identifier: MIT */
/*
 * The shared half of the board's virtio devices (board_virtio.c and the
 * board_virtio_*.c files beside it): struct virtio_board, which holds every
 * virtio device the board made, and its slots. A slot is one virtio-mmio
 * window with its GSI from the board's device manager (board/resources.h),
 * its interrupt line (an irqfd, vm_irq_line_init()) and one notification
 * eventfd per queue: an ioeventfd KVM signals when the guest writes the queue
 * index to QueueNotify (virtio 1.2, 4.2.2), so that a kick costs the vCPU no
 * exit to user space. Each event serves a bounded batch (VIRTIO_MMIO_BUDGET
 * chains); a queue with more re-signals its own eventfd and waits for its
 * next turn in the event loop.
 *
 * Only the board_virtio_*.c files include this header.
 */
#ifndef KVMINI_BOARD_VIRTIO_SLOT_H
#define KVMINI_BOARD_VIRTIO_SLOT_H

#include <stdbool.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/board_fs.h"
#include "config.h"
#include "host/chardev_io.h"
#include "host/event_loop.h"
#include "kvmini/chardev.h"
#include "kvmini/irq.h"
#include "kvmini/virtio_blk.h"
#include "kvmini/virtio_mmio.h"

struct virtio_console;
struct virtio_rng;
struct virtio_net;
struct virtio_vsock;

/*
 * One queue's notification eventfd: an ioeventfd KVM signals when the guest
 * writes q to QueueNotify, or (without ioeventfd support) a plain eventfd
 * that only the monitor signals, to continue a queue served in part.
 */
struct notify_fd {
	struct virtio_mmio *vmio;
	unsigned int q;
	int fd;
};

struct board_slot {
	struct virtio_slot place; /* address and GSI, from the board's device manager */
	struct virtio_mmio *vmio;
	struct irq_line irq;
	struct notify_fd notify[VIRTIO_MMIO_MAX_QUEUES];
	unsigned int nnotify;
};

/* Every virtio device of a board (board->virtio), in slot order. */
struct virtio_board {
	struct board *board;
	struct event_loop *loop;
	struct board_slot slots[KVMINI_VIRTIO_MMIO_MAX];
	unsigned int nslots;
	struct virtio_blk *disks[CONFIG_MAX_DISKS];
	uint64_t disk_sizes[CONFIG_MAX_DISKS]; /* bytes, as opened: for a snapshot's manifest */
	unsigned int ndisks;
	char serials[CONFIG_MAX_DISKS][VIRTIO_BLK_ID_BYTES + 1];
	struct virtio_console *console;
	int console_fd;		      /* opened for --console file:PATH, else -1 */
	struct chardev console_file;  /* its output sink (on stdio: board_console_out()) */
	struct chardev_io console_io; /* which the I/O thread flushes */
	struct virtio_rng *rng;
	struct virtio_net *nics[CONFIG_MAX_NICS];
	unsigned int nnics;
	unsigned int nnet_watched; /* nics whose two fds are in the event loop */
	struct virtio_vsock *vsock;
	bool vsock_watched; /* its two fds are in the event loop */
	struct board_fs shares[CONFIG_MAX_SHARES];
	unsigned int nshares; /* shares[] entries to destroy */
};

/*
 * Take the next virtio-mmio slot from the board's device manager (name is
 * the owner it records) and wire its interrupt line. The caller then creates
 * the device with &slot->irq as its line and hands it to
 * board_virtio_slot_place(). Returns the slot, or NULL with *err = -errno
 * (logged; -ENOSPC once the manager's KVMINI_VIRTIO_MMIO_MAX slots are gone).
 * The slot is not yet b's: nothing to undo on failure.
 */
struct board_slot *board_virtio_slot_next(struct virtio_board *b, const char *name, int *err);

/*
 * Make s (from board_virtio_slot_next()) hold vmio: from here on b owns the
 * slot (board_virtio_destroy() closes its eventfds), even on failure.
 * Registers vmio on the MMIO bus at the slot's address and gives each queue
 * a notification eventfd on b's event loop. 0 or -errno (logged).
 */
int board_virtio_slot_place(struct virtio_board *b, struct board_slot *s, struct virtio_mmio *vmio);

/*
 * Stop serving every slot's notifications: each eventfd leaves the event
 * loop and is closed. The devices stay. Safe to call twice.
 */
void board_virtio_slot_close_all(struct virtio_board *b);

#endif /* KVMINI_BOARD_VIRTIO_SLOT_H */
