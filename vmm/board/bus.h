/* SPDX-License-Identifier: MIT */
/*
 * An address space of devices: one for port I/O, one for MMIO.
 *
 * Devices are registered while the VM is set up, before any vCPU runs, so
 * lookups need no lock. Each access takes the device's own lock.
 */
#ifndef KVMINI_BUS_H
#define KVMINI_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/device.h"

#define BUS_MAX_DEVICES 64

struct bus {
	const char *name;			 /* "pio" or "mmio", for messages */
	struct device *devices[BUS_MAX_DEVICES]; /* sorted by base address */
	unsigned int count;
};

/* Initialise an empty bus. */
void bus_init(struct bus *bus, const char *name);

/*
 * Add dev at dev->base. Returns 0, -EEXIST if [base, base+size) overlaps a
 * registered device, -EINVAL for a zero size or a range that wraps around,
 * -ENOSPC when the bus is full.
 */
int bus_register(struct bus *bus, struct device *dev);

/* The device whose range holds every byte of [addr, addr+len), or NULL. */
struct device *bus_find(const struct bus *bus, uint64_t addr, uint32_t len);

/*
 * Dispatch a guest access. Returns true if a device handled it. A read that no
 * device claims returns all-ones, as on a PC bus with nothing listening.
 */
bool bus_read(const struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len);
bool bus_write(const struct bus *bus, uint64_t addr, const uint8_t *data, uint32_t len);

#endif /* KVMINI_BUS_H */
