/* SPDX-License-Identifier: MIT */
/*
 * virtio-net, the network device (virtio 1.2 section 5.1), on a host
 * backend (kvmini/net_backend.h).
 *
 * Two queues: receiveq1 (0) carries frames to the guest, transmitq1 (1)
 * frames from it; no control queue, no multiqueue. Every frame, both ways,
 * is preceded by the 12-byte struct virtio_net_hdr below.
 *
 * How the monitor drives it (the I/O thread, all under the device lock):
 *   - queue notifications arrive through the transport as for every virtio
 *     device (virtio_mmio_kick);
 *   - the backend's fd (watched EPOLLIN | EPOLLOUT | EPOLLET) and the
 *     device's work fd (virtio_net_work_fd, watched EPOLLIN) both call
 *     virtio_net_poll().
 * Each call moves at most VIRTIO_NET_BUDGET frames each way, so a busy guest
 * cannot starve the I/O thread; when it stopped with work left, it makes the
 * work fd readable so that the loop comes back after serving the others.
 * Backpressure both ways, so that nothing grows in the monitor: while the
 * guest posts no receive buffers the device stops reading the backend
 * (frames wait in the host socket, where the kernel drops them when it is
 * full, as a switch would; the monitor holds at most one frame), and while
 * the backend cannot take a frame the device stops taking the guest's
 * (EPOLLOUT brings it back).
 */
#ifndef KVMINI_VIRTIO_NET_H
#define KVMINI_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"
#include "kvmini/net_backend.h"
#include "kvmini/virtio_mmio.h"

/* ---- from the specification (section 5.1) --------------------------------- */

#define VIRTIO_ID_NET 1

#define VIRTIO_NET_RX_QUEUE 0 /* receiveq1 */
#define VIRTIO_NET_TX_QUEUE 1 /* transmitq1 */

/* Feature bits (section 5.1.3). */
#define VIRTIO_NET_F_CSUM	0  /* device takes partially checksummed frames */
#define VIRTIO_NET_F_GUEST_CSUM 1  /* driver takes partially checksummed frames */
#define VIRTIO_NET_F_MAC	5  /* config.mac is valid */
#define VIRTIO_NET_F_GUEST_TSO4 7  /* driver takes TCPv4 segmentation offload */
#define VIRTIO_NET_F_GUEST_TSO6 8  /* ... TCPv6 */
#define VIRTIO_NET_F_HOST_TSO4	11 /* device takes TCPv4 segmentation offload */
#define VIRTIO_NET_F_HOST_TSO6	12 /* ... TCPv6 */
#define VIRTIO_NET_F_MRG_RXBUF	15 /* a received frame may span several buffers */
#define VIRTIO_NET_F_STATUS	16 /* config.status is valid */
#define VIRTIO_NET_F_CTRL_VQ	17
#define VIRTIO_NET_F_MQ		22

/* Configuration layout (section 5.1.4). */
#define VIRTIO_NET_CFG_MAC	  0 /* u8[6] */
#define VIRTIO_NET_CFG_STATUS	  6 /* le16 */
#define VIRTIO_NET_CFG_MAX_VQPAIR 8 /* le16, only with VIRTIO_NET_F_MQ */
#define VIRTIO_NET_CONFIG_SIZE	  10

#define VIRTIO_NET_S_LINK_UP 1

/* The header before every frame (section 5.1.6). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_GSO_NONE	    0

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers; /* always present with VIRTIO_F_VERSION_1 */
};

#define VIRTIO_NET_HDR_SIZE 12

/* ---- kvmini's device ----------------------------------------------------- */

#define VIRTIO_NET_QUEUE_SIZE 256
/*
 * The largest frame either way, header excluded: a 64 KiB TSO frame and its
 * Ethernet header. Anything bigger from the guest is a driver bug.
 */
#define VIRTIO_NET_MAX_FRAME 65550
#define VIRTIO_NET_BUDGET    64 /* frames each way per call */

struct virtio_net;

/* What the device counted (for messages and tests). */
struct virtio_net_stats {
	uint64_t tx_frames;  /* handed to the backend */
	uint64_t tx_dropped; /* the backend refused them */
	uint64_t rx_frames;  /* delivered to the guest */
	uint64_t rx_dropped; /* too big for the guest's buffers */
};

/*
 * Create a device on backend be (the device owns it from now on, also on
 * failure) with MAC address mac. Returns 0 and *out, or -errno.
 */
int virtio_net_create(struct virtio_net **out, struct net_backend *be, const uint8_t mac[6],
		      const struct guest_mem *mem, struct irq_line *irq);

/* The transport, for the board to place on the MMIO bus. */
struct virtio_mmio *virtio_net_mmio(struct virtio_net *net);

/* The backend's fd: watch it EPOLLIN | EPOLLOUT | EPOLLET and call virtio_net_poll(). */
int virtio_net_backend_fd(const struct virtio_net *net);

/* An eventfd, readable when virtio_net_poll() left work to do: watch it EPOLLIN. */
int virtio_net_work_fd(const struct virtio_net *net);

/*
 * I/O thread: the backend fd or the work fd became readable. Takes the
 * device lock, transmits and receives at most VIRTIO_NET_BUDGET frames each.
 */
void virtio_net_poll(struct virtio_net *net);

/* A copy of the counters, under the device lock. */
void virtio_net_get_stats(struct virtio_net *net, struct virtio_net_stats *stats);

/* Close the backend and the work fd, free the device. */
void virtio_net_destroy(struct virtio_net *net);

#endif /* KVMINI_VIRTIO_NET_H */
