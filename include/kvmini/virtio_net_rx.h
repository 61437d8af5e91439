/* SPDX-License-Identifier: MIT */
/*
 * virtio-net: frames from the backend to the guest (receiveq1, virtio 1.2
 * sections 5.1.6.3 and 5.1.6.4). Part of the device model
 * (kvmini/virtio_net_dev.h lists its files).
 */
#ifndef KVMINI_VIRTIO_NET_RX_H
#define KVMINI_VIRTIO_NET_RX_H

#include "kvmini/virtio_net_dev.h"

/*
 * Serve receiveq1: deliver up to VIRTIO_NET_BUDGET frames from the backend
 * into the guest's receive chains. A frame is taken from the backend only
 * when it can be placed; one that waits for buffers stays in net->rx_buf
 * (the monitor holds at most one). A chain that cannot hold a frame marks
 * the device broken. Work left after the budget reschedules the device.
 * Under the device lock.
 */
void virtio_net_rx_serve(struct virtio_net *net);

#endif /* KVMINI_VIRTIO_NET_RX_H */
