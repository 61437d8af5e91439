/* SPDX-License-Identifier: MIT */
/*
 * The device-model interface.
 *
 * A device model knows nothing of KVM, of where the board puts it, or of other
 * devices. It offers two callbacks, and the monitor registers it on a bus at
 * an address the board chooses. Offsets are relative to the device base, so
 * the same model can sit on the port-I/O bus or the MMIO bus.
 */
#ifndef KVMINI_DEVICE_H
#define KVMINI_DEVICE_H

#include <pthread.h>
#include <stdint.h>

struct device;

struct device_ops {
	/* Guest read of len bytes at offset from the device base; must fill data. */
	void (*read)(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len);
	/* Guest write of len bytes at offset from the device base. */
	void (*write)(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len);
};

struct device {
	const char *name;
	uint64_t base, size;
	const struct device_ops *ops;
	void *priv;
	/*
	 * Held by the bus around every read/write callback. Code that touches
	 * the device from another thread (the I/O thread feeding input, a
	 * virtqueue worker) takes it too. Device models therefore never
	 * see two guest accesses at once.
	 */
	pthread_mutex_t lock;
};

/* Fill in a device; base is set by bus_register's caller. Initialises the lock. */
void device_init(struct device *dev, const char *name, uint64_t size, const struct device_ops *ops,
		 void *priv);

/*
 * A read callback for a window of write-only registers (isa-debug-exit,
 * pc-testdev's flush port and interrupt lines): every read returns 0.
 */
void device_read_zero(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len);

/* Helpers for little-endian register files (x86 and virtio are little-endian). */
static inline uint64_t device_load_le(const uint8_t *data, uint32_t len)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < len && i < 8; i++)
		v |= (uint64_t)data[i] << (8 * i);
	return v;
}

static inline void device_store_le(uint8_t *data, uint32_t len, uint64_t v)
{
	for (uint32_t i = 0; i < len; i++)
		data[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

#endif /* KVMINI_DEVICE_H */
