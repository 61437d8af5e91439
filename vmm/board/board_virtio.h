/* SPDX-License-Identifier: MIT */
/*
 * The board's virtio-mmio devices: which ones exist (from struct vm_config),
 * where they sit, which GSI they raise, and how their queue notifications
 * reach the I/O thread.
 *
 * Each device gets the next virtio-mmio slot from the board's device manager
 * (board/resources.h), in the order: each --disk, then the console, then the
 * rng, then each --net, then the --vsock device, then each --share (last,
 * so that adding a NIC, a vsock device or a share moves no other device). So device n sits at
 * KVMINI_VIRTIO_MMIO_BASE + n * KVMINI_VIRTIO_MMIO_STRIDE and raises GSI
 * KVMINI_VIRTIO_MMIO_FIRST_GSI + n (include/abi/kvmini_abi.h); the slots are listed in
 * board->res.virtio[] for the FDT and the Linux command line.
 *
 * board_virtio.c makes the list; each device's setup is in
 * board_virtio_attach.c (blk, console, rng) or board_virtio_watch.c (net,
 * vsock, fs), their slots' wiring in board_virtio_slot.c and their state in
 * board_virtio_state.c (board_virtio_state_save/load).
 */
#ifndef KVMINI_BOARD_VIRTIO_H
#define KVMINI_BOARD_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

#include "board/board.h"
#include "config.h"
#include "kvm/vm.h"

/*
 * Create the virtio devices cfg asks for and register them on the MMIO bus of
 * b->vm (b from board_init()). Needs guest memory, the irqchip if there is
 * one (vm_create_irqchip) and the event loop (vm->loop initialised) to
 * exist. Queue notifications use one ioeventfd per queue, served on the I/O
 * thread; without ioeventfd support they are handled in the vCPU's MMIO exit
 * instead. Interrupts use vm_irq_line_init().
 * Errors (e.g. a disk image that cannot be opened) are logged naming the
 * cause. 0 or -errno; on error nothing is left registered with the event loop
 * (board_virtio_destroy() is still safe to call).
 */
int board_virtio_setup(struct board *b, const struct vm_config *cfg);

/*
 * Make every write the guest completed so far durable (fdatasync on each
 * disk). Call on every exit path, after the vCPUs stopped. Safe if
 * board_virtio_setup() was not called or failed.
 */
void board_virtio_flush(struct board *b);

/* Free the devices and close their files and eventfds. Safe to call twice. */
void board_virtio_destroy(struct board *b);

/*
 * Append " virtio_mmio.device=SIZE@ADDR:GSI" for every virtio slot of b (the
 * board's and kvmini-lab's) to the NUL-terminated string in buf (size bytes
 * in all), which is how a Linux guest without a device tree finds virtio-mmio
 * devices
 * (drivers/virtio/virtio_mmio.c, "device" parameter). Returns 0, or -ENOSPC
 * (buf unchanged) when it does not fit.
 */
int board_virtio_cmdline(const struct board *b, char *buf, size_t size);

/*
 * Input for the virtio console (cfg->console == CONSOLE_STDIO). It has the
 * shape of a stdin_console_sink (host/stdin_console.h) with the struct board as
 * opaque, so the board can pass it to stdin_console_start() instead of the
 * UART's sink:
 *	stdin_console_start(&b->input, vm, STDIN_FILENO, board_virtio_console_input, b);
 * Runs on the I/O thread. Returns the number of bytes accepted (the rest is
 * offered again later); 0 when there is no virtio console.
 */
size_t board_virtio_console_input(void *board, const uint8_t *buf, size_t len);

/*
 * Serve every queue until it has no work left (bounded), then flush the
 * disks: on the I/O thread, with the vCPUs paused, before a snapshot (no
 * request half done) and after a restore (requests the guest queued before
 * the snapshot, whose notification is not part of any state).
 */
void board_virtio_serve_all(struct board *b);

/*
 * The size in bytes disk i (in --disk order) had when the board opened it
 * (disk_size()), for a snapshot's manifest: the snapshot then needs no
 * open() of the image, which its system-call filter forbids. 0 if there is
 * no such disk.
 */
uint64_t board_virtio_disk_size(const struct board *b, unsigned int i);

#endif /* KVMINI_BOARD_VIRTIO_H */
