/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport, modern (Version 2) register layout
 * (virtio 1.2 section 4.2.2).
 *
 * virtio_mmio.c implements the register file, feature negotiation, the device
 * status state machine and queue setup once; virtio_mmio_queue.c what a
 * device calls while it serves its queues (serve, pop, push, notify, set
 * broken). Each virtio device (blk,
 * console, rng) supplies only what differs through struct virtio_device_ops.
 * The transport is a plain struct device, registered on the MMIO bus by the
 * board (vmm/board/board_virtio.c); it knows nothing of KVM.
 *
 * Locking: every entry point below runs with vmio->dev.lock held, either by
 * the bus (guest MMIO accesses) or by the caller (virtio_mmio_kick() takes
 * it for the I/O thread). Device ops callbacks are called with it held.
 *
 * Malformed rings or requests never stop the monitor: the device is marked
 * DEVICE_NEEDS_RESET (with a configuration change notification once
 * DRIVER_OK is set, section 2.1.2), logged once, and processes nothing more
 * until the driver resets it.
 */
#ifndef KVMINI_VIRTIO_MMIO_H
#define KVMINI_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/device.h"
#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"
#include "kvmini/virtqueue.h"

#define VIRTIO_MMIO_MAX_QUEUES 4
#define VIRTIO_MMIO_VENDOR     0x494d564bU /* "KVMI" little-endian */
/*
 * Chains served per notification at most (virtio_mmio_serve_queue()'s
 * budget): a guest that keeps a queue full must not keep the I/O thread or a
 * vCPU thread from its other work (stop requests, signals, other devices).
 */
#define VIRTIO_MMIO_BUDGET 64

struct virtio_mmio;

/* What one kind of virtio device adds to the transport. */
struct virtio_device_ops {
	uint32_t device_id;	 /* VIRTIO_ID_* (section 5) */
	unsigned int num_queues; /* <= VIRTIO_MMIO_MAX_QUEUES */
	uint16_t queue_num_max;	 /* QueueNumMax of every queue, power of 2, <= VIRTQ_CHAIN_MAX */
	uint32_t config_size;	 /* bytes of device configuration at 0x100 */

	/* Read len bytes of configuration at offset (in range); NULL: zeros. */
	void (*config_read)(struct virtio_mmio *vmio, uint32_t offset, uint8_t *data, uint32_t len);
	/* Driver write to configuration (in range); NULL: ignored. */
	void (*config_write)(struct virtio_mmio *vmio, uint32_t offset, const uint8_t *data,
			     uint32_t len);
	/*
	 * The driver made buffers available on queue q. Called only while the
	 * device is live (DRIVER_OK, not NEEDS_RESET) and q is ready. Does a
	 * bounded amount of work (normally one virtio_mmio_serve_queue() call)
	 * and returns true when work may remain, so that the caller serves the
	 * queue again later instead of looping here.
	 */
	bool (*queue_notify)(struct virtio_mmio *vmio, unsigned int q);
	/* Device reset (status written 0): drop per-driver state. May be NULL. */
	void (*reset)(struct virtio_mmio *vmio);
	/*
	 * The driver just set DRIVER_OK (section 3.1.1), before the ready
	 * queues get their catch-up queue_notify. A device whose queues are
	 * served by another process (virtio-fs over vhost-user) hands them
	 * over here. May be NULL.
	 */
	void (*driver_ok)(struct virtio_mmio *vmio);
};

struct virtio_mmio {
	struct device dev; /* the MMIO register window; dev.priv points here */
	const struct virtio_device_ops *ops;
	void *priv; /* the device model's state */
	const struct guest_mem *mem;
	struct irq_line *irq;

	uint64_t device_features; /* offered: the device's bits + VERSION_1 + INDIRECT_DESC */
	uint64_t driver_features; /* written by the driver */
	uint32_t device_features_sel, driver_features_sel;
	uint32_t queue_sel;
	uint32_t shm_sel;
	uint32_t status;	   /* section 2.1 device status */
	uint32_t interrupt_status; /* VIRTIO_MMIO_INT_* */
	uint32_t config_generation;
	struct virtq queues[VIRTIO_MMIO_MAX_QUEUES];

	/* The board's "serve queue q again soon" (virtio_mmio_set_rearm); may be NULL. */
	void (*rearm)(void *opaque, unsigned int q);
	void *rearm_opaque;

	struct virtq_chain chain; /* the chain being served (too big for the stack) */

	bool logged_broken; /* log_once flags: a guest can repeat these forever */
	bool logged_bad_access;
	bool logged_bad_driver;
};

/*
 * Set up the transport for one device: name for messages, device ops and
 * state, the device's own feature bits, guest RAM, and the interrupt line.
 * The board then sets vmio->dev.base and registers &vmio->dev on the MMIO bus.
 */
void virtio_mmio_init(struct virtio_mmio *vmio, const char *name,
		      const struct virtio_device_ops *ops, void *priv, uint64_t features,
		      const struct guest_mem *mem, struct irq_line *irq);

/*
 * Queue q has buffers for the device, from off the bus: the I/O thread's
 * ioeventfd handler (the guest wrote q to QueueNotify), or a pass that left
 * work. Takes dev.lock and serves at most one budget of chains (the device's
 * queue_notify). Ignored unless the device is live and q is ready (section
 * 2.1.2: no buffers are consumed before DRIVER_OK). Returns true when work
 * may remain: the caller must then call it again later, after its other
 * work. (A QueueNotify write through the bus is served the same way, the
 * rest going to the rearm hook below.)
 */
bool virtio_mmio_kick(struct virtio_mmio *vmio, unsigned int q);

/*
 * Who continues a queue that a notification on the MMIO exit path (a
 * QueueNotify write, or the catch-up when DRIVER_OK is set) left unfinished:
 * rearm(opaque, q) is called with dev.lock held and must only arrange for
 * virtio_mmio_kick(vmio, q) to run soon on another path (the board writes
 * the queue's eventfd, which the I/O thread watches). Without it (unit
 * tests), the rest waits for the next notification. Call before the vCPUs
 * start.
 */
void virtio_mmio_set_rearm(struct virtio_mmio *vmio, void (*rearm)(void *opaque, unsigned int q),
			   void *opaque);

/*
 * Serve one chain for virtio_mmio_serve_queue(). Returns the used length
 * (bytes written into the chain's writable part, section 2.7.8), or
 * VIRTIO_SERVE_BROKEN when the chain is not a request at all and there is
 * nowhere to put an error: the device then needs a reset. Setting *stop
 * ends the batch after this chain (e.g. the device has nothing more to put
 * into receive buffers).
 */
typedef int64_t (*virtio_serve_fn)(void *opaque, const struct virtq_chain *chain, bool *stop);
#define VIRTIO_SERVE_BROKEN (-1)

/*
 * The loop every device's queue_notify runs: pop a chain from queue q (into
 * vmio->chain), serve it, push it to the used ring; at most budget chains,
 * then one used buffer notification for the batch unless the driver
 * suppressed it (virtq_needs_interrupt). A broken ring or a
 * VIRTIO_SERVE_BROKEN chain marks the device DEVICE_NEEDS_RESET and ends
 * the batch. Returns true when the budget ran out with the queue maybe not
 * empty (the caller re-arms), false when the queue is empty, serve said stop,
 * or the device is broken. Caller holds dev.lock.
 */
bool virtio_mmio_serve_queue(struct virtio_mmio *vmio, unsigned int q, virtio_serve_fn serve,
			     void *opaque, unsigned int budget);

/* ---- chain by chain ---------------------------------------------------------
 *
 * virtio_mmio_serve_queue() is built from these. A device whose answer spans
 * several chains (virtio-net's mergeable receive buffers, virtio 1.2 section
 * 5.1.6.3) uses them directly. Caller holds dev.lock, and bounds its own work.
 * They, and virtio_mmio_serve_queue(), are in devices/virtio/virtio_mmio_queue.c.
 */

/* DRIVER_OK is set and DEVICE_NEEDS_RESET is not: the device may use its queues. */
bool virtio_mmio_live(const struct virtio_mmio *vmio);

/*
 * The next available chain of queue q, checked by virtq_pop(): 1, 0 when the
 * queue is empty, -1 when the ring is broken (the device is then marked
 * DEVICE_NEEDS_RESET).
 */
int virtio_mmio_pop(struct virtio_mmio *vmio, unsigned int q, struct virtq_chain *chain);

/* Return chain head to the driver with len bytes written (section 2.7.8). */
void virtio_mmio_push(struct virtio_mmio *vmio, unsigned int q, uint16_t head, uint32_t len);

/* After one or more pushes: interrupt the driver unless it asked for none (section 2.7.7.2). */
void virtio_mmio_notify_used(struct virtio_mmio *vmio, unsigned int q);

/*
 * A used buffer notification the device did not decide on itself: a
 * vhost-user backend served the ring and signalled its call eventfd, having
 * already applied the driver's suppression (section 2.7.7.2). Sets
 * InterruptStatus bit 0 and pulses the line. Caller holds dev.lock.
 */
void virtio_mmio_used_interrupt(struct virtio_mmio *vmio);

/*
 * The device found something a reset must fix (a broken ring, a malformed
 * request): set DEVICE_NEEDS_RESET, send a configuration change notification
 * when DRIVER_OK is set (section 2.1.2), log why (once per device).
 */
void virtio_mmio_set_broken(struct virtio_mmio *vmio, const char *why);

/*
 * Whether the device accepts driver features f at FEATURES_OK (section
 * 2.2.2): only bits it offered, and VIRTIO_F_VERSION_1 among them (section
 * 6.1: this is a modern-only transport). The live register file and a
 * state load both ask it.
 */
bool virtio_mmio_features_acceptable(const struct virtio_mmio *vmio, uint64_t f);

/* ---- state (kvmini/device_state.h) ----------------------------------------
 *
 * A virtio device saves the transport's blob (STATE_KIND_VIRTIO_MMIO: the
 * register file, the negotiated features and every queue) and then its own.
 * To load, it reads and checks both before applying either, so a failed load
 * changes nothing: virtio_mmio_state_read() checks into a virtio_mmio_state,
 * virtio_mmio_state_apply() installs it. All three: caller holds dev.lock.
 * They are in devices/virtio/virtio_mmio_state.c.
 */

struct state_writer;
struct state_reader;

/* The transport's state as read and checked, not yet applied. */
struct virtio_mmio_state {
	uint64_t driver_features;
	uint32_t device_features_sel, driver_features_sel;
	uint32_t queue_sel;
	uint32_t shm_sel;
	uint32_t status;
	uint32_t interrupt_status;
	uint32_t config_generation;
	struct virtq queues[VIRTIO_MMIO_MAX_QUEUES]; /* ready ones already re-checked */
};

/* Append the transport's blob. 0 or the writer's -errno. */
int virtio_mmio_save(const struct virtio_mmio *vmio, struct state_writer *w);

/*
 * Read the transport's blob into *st and check it against vmio, which is
 * not changed: same device ID, offered features and queue count (else
 * -EINVAL: the device was created with another configuration); a status the
 * state machine allows (DRIVER_OK only after FEATURES_OK, FEATURES_OK only
 * with acceptable features); queue sizes 0 or a power of 2 up to
 * queue_num_max; and each ready queue's rings pass the checks a driver's
 * QueueReady gets (virtq_restore). 0, -EPROTO or -EINVAL (logged).
 */
int virtio_mmio_state_read(const struct virtio_mmio *vmio, struct state_reader *r,
			   struct virtio_mmio_state *st);

/*
 * Install a state virtio_mmio_state_read() accepted. If an interrupt was
 * pending (InterruptStatus != 0) it is sent again: the new board's interrupt
 * controller may never have seen it, and an extra one is harmless.
 */
void virtio_mmio_state_apply(struct virtio_mmio *vmio, const struct virtio_mmio_state *st);

#endif /* KVMINI_VIRTIO_MMIO_H */
