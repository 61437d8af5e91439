/* SPDX-License-Identifier: MIT */
/*
 * virtio-vsock: packets from the guest (the transmit queue, virtio 1.2
 * section 5.10.6), one at a time, checked and acted on. Part of the device
 * model (kvmini/virtio_vsock_conn.h lists its files); the monitor uses
 * kvmini/virtio_vsock.h.
 */
#ifndef KVMINI_VIRTIO_VSOCK_TX_H
#define KVMINI_VIRTIO_VSOCK_TX_H

#include "kvmini/virtio_vsock_conn.h"
#include "kvmini/virtqueue.h"

/*
 * Act on the packet in ch (a chain from the transmit queue: the 44-byte
 * header, then its payload). Every header field is the guest's and checked:
 * a packet that breaks the rules is counted and dropped, its connection
 * reset or the guest owed an RST; a guest connect opens PATH_P. Under the
 * device lock. 0, or -EPROTO when ch is shorter than a header, which only a
 * device reset fixes (the caller marks the device broken).
 */
int virtio_vsock_tx_packet(struct virtio_vsock_conns *t, const struct virtq_chain *ch);

#endif /* KVMINI_VIRTIO_VSOCK_TX_H */
