/* SPDX-License-Identifier: MIT */
/*
 * virtio-vsock: packets to the guest (the receive queue, virtio 1.2 section
 * 5.10.6). The device keeps nothing for the guest: each receive chain is
 * filled with the first thing owed, an OP_RST for a packet that had no
 * connection, a connection's control packet (REQUEST, RESPONSE, SHUTDOWN,
 * CREDIT_UPDATE), or data read from a host socket straight into the chain,
 * never more than the guest's credit. Part of the device model
 * (kvmini/virtio_vsock_conn.h lists its files).
 */
#ifndef KVMINI_VIRTIO_VSOCK_RX_H
#define KVMINI_VIRTIO_VSOCK_RX_H

#include <stdint.h>

#include "kvmini/virtio_vsock_conn.h"
#include "kvmini/virtqueue.h"

/*
 * Write the next packet owed to the guest into ch (a receive chain of at
 * least VIRTIO_VSOCK_HDR_SIZE writable bytes): owed RSTs first, then the
 * connections in turn, round robin so that one busy connection cannot keep
 * the others waiting. Returns the bytes written (header and payload), 0
 * when nothing is owed now. Under the device lock.
 */
uint32_t virtio_vsock_rx_next_packet(struct virtio_vsock_conns *t, const struct virtq_chain *ch);

#endif /* KVMINI_VIRTIO_VSOCK_RX_H */
