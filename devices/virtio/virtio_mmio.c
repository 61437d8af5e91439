// SPDX-License-Identifier: MIT
/*
 * virtio-mmio transport, Version 2 (virtio 1.2 section 4.2.2).
 *
 * The register file below is the transport as the driver sees it: a
 * driver discovers the device (MagicValue, Version, DeviceID), negotiates
 * features 32 bits at a time, sets up each queue (QueueSel, QueueNum, the
 * three ring addresses, QueueReady) and walks the status byte through
 * ACKNOWLEDGE, DRIVER, FEATURES_OK and DRIVER_OK (section 3.1.1). Writing 0
 * to Status resets.
 *
 * Interrupts. virtio-mmio has one interrupt line per device. On this board
 * the line is a GSI below 16, which Linux (and the tiny guest) program as
 * edge-triggered, active-high in the IOAPIC. A level held high while
 * InterruptStatus != 0 would lose an interrupt on an edge-triggered pin when
 * a new event arrives before the driver acknowledges the previous one (no new
 * rising edge). So every event is sent as one pulse (irq_pulse), which is
 * also exactly what a KVM irqfd delivers. The driver reads InterruptStatus
 * in its handler, so an extra pulse only costs a spurious interrupt.
 *
 * What a device calls while serving its queues (pop, serve, push, notify,
 * set broken) is virtio_mmio_queue.c; the saved state virtio_mmio_state.c.
 */
#include <stdio.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "kvmini/log.h"
#include "kvmini/virtio_mmio.h"

/* Transport features every device gets: the modern interface and indirect tables. */
#define TRANSPORT_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_INDIRECT_DESC))

static void mmio_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len);
static void mmio_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len);

static const struct device_ops virtio_mmio_device_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

static void device_reset(struct virtio_mmio *vmio)
{
	vmio->status = 0;
	vmio->driver_features = 0;
	vmio->device_features_sel = 0;
	vmio->driver_features_sel = 0;
	vmio->queue_sel = 0;
	vmio->shm_sel = 0;
	/* Section 4.2.2.1: reset clears InterruptStatus and every QueueReady. */
	vmio->interrupt_status = 0;
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		virtq_reset(&vmio->queues[q]);
	if (vmio->ops->reset)
		vmio->ops->reset(vmio);
}

void virtio_mmio_init(struct virtio_mmio *vmio, const char *name,
		      const struct virtio_device_ops *ops, void *priv, uint64_t features,
		      const struct guest_mem *mem, struct irq_line *irq)
{
	memset(vmio, 0, sizeof(*vmio));
	device_init(&vmio->dev, name, KVMINI_VIRTIO_MMIO_SIZE, &virtio_mmio_device_ops, vmio);
	vmio->ops = ops;
	vmio->priv = priv;
	vmio->mem = mem;
	vmio->irq = irq;
	vmio->device_features = features | TRANSPORT_FEATURES;
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		virtq_reset(&vmio->queues[q]);
}

/* One budget of work on queue q, if the device may process it. Caller holds dev.lock. */
static bool notify_queue(struct virtio_mmio *vmio, unsigned int q)
{
	if (q >= vmio->ops->num_queues || !vmio->queues[q].ready || !virtio_mmio_live(vmio))
		return false;
	return vmio->ops->queue_notify(vmio, q);
}

bool virtio_mmio_kick(struct virtio_mmio *vmio, unsigned int q)
{
	pthread_mutex_lock(&vmio->dev.lock);
	bool more = notify_queue(vmio, q);
	pthread_mutex_unlock(&vmio->dev.lock);
	return more;
}

void virtio_mmio_set_rearm(struct virtio_mmio *vmio, void (*rearm)(void *opaque, unsigned int q),
			   void *opaque)
{
	vmio->rearm = rearm;
	vmio->rearm_opaque = opaque;
}

/* A notification on the MMIO exit path: one budget now, the rest handed to the board. */
static void notify_from_guest(struct virtio_mmio *vmio, unsigned int q)
{
	if (notify_queue(vmio, q) && vmio->rearm)
		vmio->rearm(vmio->rearm_opaque, q);
}

/* The queue QueueSel points at, or NULL if the device has no such queue. */
static struct virtq *selected_queue(struct virtio_mmio *vmio)
{
	if (vmio->queue_sel >= vmio->ops->num_queues)
		return NULL;
	return &vmio->queues[vmio->queue_sel];
}

/*
 * Section 2.2.2: the device may refuse FEATURES_OK. It does so when the
 * driver accepted a bit the device did not offer, or did not accept
 * VIRTIO_F_VERSION_1 (section 6.1: this is a modern-only device).
 */
bool virtio_mmio_features_acceptable(const struct virtio_mmio *vmio, uint64_t f)
{
	return (f & ~vmio->device_features) == 0 && (f & (1ULL << VIRTIO_F_VERSION_1));
}

static bool features_acceptable(const struct virtio_mmio *vmio)
{
	return virtio_mmio_features_acceptable(vmio, vmio->driver_features);
}

static void write_status(struct virtio_mmio *vmio, uint32_t value)
{
	uint32_t old = vmio->status;

	if (value == 0) {
		device_reset(vmio);
		return;
	}
	/* NEEDS_RESET is the device's bit: the driver can neither set nor clear it. */
	uint32_t status = (value & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) |
			  (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);

	if ((status & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_acceptable(vmio)) {
		log_once(&vmio->logged_bad_driver, LOG_INFO,
			 "%s: refusing driver features %#llx (offered %#llx)", vmio->dev.name,
			 (unsigned long long)vmio->driver_features,
			 (unsigned long long)vmio->device_features);
		status &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	/* Section 3.1.1: DRIVER_OK only after FEATURES_OK. */
	if ((status & VIRTIO_STATUS_DRIVER_OK) && !(status & VIRTIO_STATUS_FEATURES_OK))
		status &= ~VIRTIO_STATUS_DRIVER_OK;
	vmio->status = status;

	/*
	 * Buffers made available (and notified) before DRIVER_OK were not
	 * consumed then (section 2.1.2); look at every ready queue now.
	 */
	if ((status & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		if (vmio->ops->driver_ok)
			vmio->ops->driver_ok(vmio);
		for (unsigned int q = 0; q < vmio->ops->num_queues; q++)
			notify_from_guest(vmio, q);
	}
}

static void write_queue_ready(struct virtio_mmio *vmio, struct virtq *vq, uint32_t value)
{
	char why[160];

	if (value == 0) {
		vq->ready = false; /* the driver stops using it (Linux vm_del_vq) */
		return;
	}
	if (vq->ready)
		return;
	vq->indirect = vmio->driver_features & (1ULL << VIRTIO_F_INDIRECT_DESC);
	enum virtq_error err = virtq_activate(vq, vmio->mem, vmio->ops->queue_num_max);
	if (err) {
		snprintf(why, sizeof(why), "queue %u: %s", vmio->queue_sel, virtq_error_str(err));
		virtio_mmio_set_broken(vmio, why);
	}
}

static void write_queue_num(struct virtio_mmio *vmio, struct virtq *vq, uint32_t value)
{
	char why[160];

	/* Section 2.7: a split ring's size is a power of 2, at most QueueNumMax. */
	if (value == 0 || value > vmio->ops->queue_num_max || (value & (value - 1)) != 0) {
		snprintf(why, sizeof(why), "queue %u: QueueNum %u refused (max %u, power of 2)",
			 vmio->queue_sel, value, vmio->ops->queue_num_max);
		virtio_mmio_set_broken(vmio, why);
		return;
	}
	vq->num = (uint16_t)value;
}

/* Low/high halves of a 64-bit ring address. */
static void set_half(uint64_t *addr, bool high, uint32_t value)
{
	if (high)
		*addr = (*addr & 0xffffffffULL) | ((uint64_t)value << 32);
	else
		*addr = (*addr & ~0xffffffffULL) | value;
}

/* Writes to queue registers: only while the selected queue is not ready (section 4.2.2.2). */
static void write_queue_reg(struct virtio_mmio *vmio, uint64_t offset, uint32_t value)
{
	struct virtq *vq = selected_queue(vmio);

	if (!vq)
		return;
	if (offset == VIRTIO_MMIO_QUEUE_READY) {
		write_queue_ready(vmio, vq, value);
		return;
	}
	if (vq->ready) {
		log_once(&vmio->logged_bad_driver, LOG_INFO,
			 "%s: queue register %#llx written while the queue is ready; ignored",
			 vmio->dev.name, (unsigned long long)offset);
		return;
	}
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		write_queue_num(vmio, vq, value);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&vq->avail_gpa, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&vq->used_gpa, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
		break;
	}
}

static uint32_t read_register(struct virtio_mmio *vmio, uint64_t offset)
{
	struct virtq *vq = selected_queue(vmio);

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return vmio->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (vmio->device_features_sel > 1)
			return 0;
		return (uint32_t)(vmio->device_features >> (32 * vmio->device_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? vmio->ops->queue_num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return vmio->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return vmio->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffffU; /* no shared memory regions: length -1 (section 4.2.2) */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return vmio->config_generation;
	default:
		return 0; /* write-only or reserved */
	}
}

static void write_register(struct virtio_mmio *vmio, uint64_t offset, uint32_t value)
{
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vmio->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* After FEATURES_OK the negotiated set is final (section 3.1.1). */
		if (vmio->status & VIRTIO_STATUS_FEATURES_OK || vmio->driver_features_sel > 1)
			break;
		set_half(&vmio->driver_features, vmio->driver_features_sel == 1, value);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vmio->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vmio->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		write_queue_reg(vmio, offset, value);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index. */
		notify_from_guest(vmio, value);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		vmio->interrupt_status &= ~value;
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(vmio, value);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		vmio->shm_sel = value;
		break;
	default:
		break; /* read-only or reserved: ignored */
	}
}

/* Section 4.2.2.2: control registers take 32-bit aligned accesses only. */
static bool control_access_ok(struct virtio_mmio *vmio, uint64_t offset, uint32_t len)
{
	if (len == 4 && offset % 4 == 0)
		return true;
	log_once(&vmio->logged_bad_access, LOG_INFO,
		 "%s: %u-byte access at register %#llx; only aligned 32-bit accesses are valid",
		 vmio->dev.name, len, (unsigned long long)offset);
	return false;
}

static void mmio_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct virtio_mmio *vmio = dev->priv;

	memset(data, 0, len);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - VIRTIO_MMIO_CONFIG;
		if (vmio->ops->config_read && off + len <= vmio->ops->config_size)
			vmio->ops->config_read(vmio, (uint32_t)off, data, len);
		return;
	}
	if (control_access_ok(vmio, offset, len))
		device_store_le(data, len, read_register(vmio, offset));
}

static void mmio_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct virtio_mmio *vmio = dev->priv;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - VIRTIO_MMIO_CONFIG;
		if (vmio->ops->config_write && off + len <= vmio->ops->config_size)
			vmio->ops->config_write(vmio, (uint32_t)off, data, len);
		return;
	}
	if (control_access_ok(vmio, offset, len))
		write_register(vmio, offset, (uint32_t)device_load_le(data, len));
}
