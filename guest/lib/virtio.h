/* SPDX-License-Identifier: MIT */
/*
 * The tiny guest's virtio-mmio driver: device discovery through the device
 * tree ("virtio,mmio" nodes, Linux binding virtio/mmio.yaml), the
 * initialisation sequence of virtio 1.2 section 3.1.1 on the register layout
 * of section 4.2.2, and split virtqueues (section 2.7) on memory the caller
 * provides. Completions are waited for with interrupts (irq.h), not by
 * polling alone: each device's GSI is routed through the I/O APIC to a
 * handler that reads and acknowledges InterruptStatus.
 *
 * Guest memory is identity mapped, so a pointer is its own guest-physical
 * address.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include <kvmini/virtio_spec.h>

struct virtio_dev {
	uint64_t base;	  /* MMIO registers */
	unsigned int gsi; /* its interrupt line */
	uint32_t device_id;
	uint64_t device_features;    /* what the device offered */
	uint64_t features;	     /* what was negotiated */
	volatile uint32_t irq_count; /* interrupts taken for this device */
	volatile uint32_t isr_bits;  /* OR of every InterruptStatus value read */
	struct virtqueue *queues[4]; /* set up with virtq_setup(), by index */
};

struct virtq_buf {
	void *addr;
	uint32_t len;
	bool writable; /* device-writable (VIRTQ_DESC_F_WRITE) */
};

struct virtqueue {
	struct virtio_dev *dev;
	unsigned int index;
	uint16_t num;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t avail_idx; /* next avail->idx to publish */
	uint16_t last_used; /* used entries already taken */
	uint16_t free_head; /* free descriptors, linked through .next */
	uint16_t num_free;
	/*
	 * used->idx as the interrupt handler last saw it. virtq_wait() only
	 * takes chains an interrupt announced: completions are interrupt
	 * driven, the used ring is not polled.
	 */
	volatile uint16_t irq_used;
};

/* Bytes of ring memory virtq_setup() needs for num entries (4 KiB aligned). */
#define VIRTQ_RING_BYTES(num) (((16u * (num) + 6u + 2u * (num) + 4095u) & ~4095u) + 6u + 8u * (num))

/* Register access. */
uint32_t virtio_read(const struct virtio_dev *dev, uint32_t reg);
void virtio_write(const struct virtio_dev *dev, uint32_t reg, uint32_t value);

/*
 * Find the instance-th (0, 1, ...) virtio-mmio device with this device id in
 * the device tree. Returns 0 and fills dev (base, gsi, device_id), or -1.
 */
int virtio_find(uint32_t device_id, int instance, struct virtio_dev *dev);

/* Number of virtio-mmio nodes in the device tree. */
int virtio_count(void);

/*
 * Reset the device and negotiate: ACKNOWLEDGE, DRIVER, then accept
 * wanted & offered (plus VIRTIO_F_VERSION_1) and set FEATURES_OK. Also
 * routes the device's GSI to its interrupt handler (irq_init() first).
 * Returns 0, or -1 if the device refused FEATURES_OK.
 */
int virtio_init(struct virtio_dev *dev, uint64_t wanted);

/* Write 0 to Status (device reset) and wait for it to read back 0. */
void virtio_reset(struct virtio_dev *dev);

/* Set DRIVER_OK: the device may now use its queues. */
void virtio_driver_ok(struct virtio_dev *dev);

/* Status register bits, e.g. to test VIRTIO_STATUS_DEVICE_NEEDS_RESET. */
uint32_t virtio_status(const struct virtio_dev *dev);

/*
 * Set up queue index with num entries (a power of 2 <= QueueNumMax) in ring,
 * VIRTQ_RING_BYTES(num) bytes, 4 KiB aligned, and set QueueReady.
 * Returns 0, or -1 if the queue does not exist, is too small, or the device
 * did not accept it.
 */
int virtq_setup(struct virtio_dev *dev, struct virtqueue *vq, unsigned int index, uint16_t num,
		void *ring);

/*
 * Make a chain of n buffers available (device-readable ones first) and
 * return its head, or -1 if there are not enough free descriptors. Does not
 * notify the device.
 */
int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int n);

/* Notify the device (QueueNotify) that queue vq has new buffers. */
void virtq_kick(struct virtqueue *vq);

/* True if the device has returned a chain not yet taken by virtq_get() (polls the ring). */
bool virtq_has_used(struct virtqueue *vq);

/*
 * Take the next used chain: returns its head and stores the used length,
 * or -1 if there is none. Its descriptors become free again.
 */
int virtq_get(struct virtqueue *vq, uint32_t *len);

/*
 * Wait (`sti; hlt`) until an interrupt announces a used chain not yet taken
 * (or timeout_ms), then take it like virtq_get(). Returns the head, or -1 on
 * timeout.
 */
int virtq_wait(struct virtqueue *vq, uint32_t *len, uint32_t timeout_ms);

/* virtq_add + virtq_kick + virtq_wait for one request. Returns the head or -1. */
int virtq_transfer(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int n,
		   uint32_t *len, uint32_t timeout_ms);

/* Wait (with interrupts) until the device sets bits in Status, e.g. NEEDS_RESET. */
bool virtio_wait_status(struct virtio_dev *dev, uint32_t bits, uint32_t timeout_ms);

#endif /* GUEST_VIRTIO_H */
