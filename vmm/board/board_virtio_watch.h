/* SPDX-License-Identifier: MIT */
/*
 * The board's virtio devices with a host side the I/O thread watches besides
 * their queue kicks: virtio-net (--net), virtio-vsock (--vsock) and
 * virtio-fs (--share, whose kicks go to virtiofsd instead). Each takes the
 * next slot (board_virtio_slot.h) after the disks, console and rng, so that
 * adding one moves no other device.
 */
#ifndef KVMINI_BOARD_VIRTIO_WATCH_H
#define KVMINI_BOARD_VIRTIO_WATCH_H

#include "board/board_virtio_slot.h"
#include "config.h"

/*
 * A virtio-net device (virtio 1.2, 5.1) on the backend n asks for (socket
 * fd, TAP or libslirp), its backend fd and work fd on the event loop. 0 or
 * -errno, logged naming --net; b owns the device and the backend (also an
 * inherited socket fd).
 */
int board_virtio_watch_add_net(struct virtio_board *b, const struct net_config *n);

/*
 * The --vsock CID,PATH device (virtio 1.2, 5.10), listening on PATH, its
 * backend's epoll set and work fd on the event loop. 0 or -errno, logged
 * naming --vsock; b owns the device (destroying it removes PATH).
 */
int board_virtio_watch_add_vsock(struct virtio_board *b, const struct vm_config *cfg);

/*
 * One --share: virtiofsd and its virtio-fs device (board/board_fs.c), each
 * queue's notification eventfd handed to virtiofsd as its kick fd. 0 or
 * -errno, logged naming --share; b owns the share (board_fs_destroy()).
 */
int board_virtio_watch_add_share(struct virtio_board *b, const struct share_config *share);

/*
 * Take every NIC's, the vsock device's and each share's host fds out of the
 * event loop (the devices stay). Safe to call twice.
 */
void board_virtio_watch_remove_all(struct virtio_board *b);

#endif /* KVMINI_BOARD_VIRTIO_WATCH_H */
