/* SPDX-License-Identifier: MIT */
/*
 * virtio-net: frames from the guest (transmitq1, virtio 1.2 section
 * 5.1.6.2) to the backend. Part of the device model
 * (kvmini/virtio_net_dev.h lists its files).
 */
#ifndef KVMINI_VIRTIO_NET_TX_H
#define KVMINI_VIRTIO_NET_TX_H

#include "kvmini/virtio_net_dev.h"

/*
 * Serve transmitq1: send up to VIRTIO_NET_BUDGET frames to the backend and
 * return their chains (used length 0). A frame the backend cannot take now
 * is held and retried first on the next call; a malformed chain marks the
 * device broken. Work left after the budget reschedules the device. Under
 * the device lock.
 */
void virtio_net_tx_serve(struct virtio_net *net);

#endif /* KVMINI_VIRTIO_NET_TX_H */
