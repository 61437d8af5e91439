// SPDX-License-Identifier: MIT
/*
 * Port-I/O and MMIO dispatch. A guest `out %al, $0x3f8` becomes a
 * KVM_EXIT_IO on the vCPU thread (vmm/kvm/vcpu_exit.c), which calls bus_write() on the
 * port-I/O bus; bus_write() finds the device whose range covers the port
 * and calls its write callback with the offset inside that device.
 */
#include <errno.h>
#include <string.h>

#include "board/bus.h"
#include "kvmini/range.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

int bus_register(struct bus *bus, struct device *dev)
{
	unsigned int i;

	if (!range_valid(dev->base, dev->size))
		return -EINVAL;
	if (bus->count == BUS_MAX_DEVICES)
		return -ENOSPC;
	for (i = 0; i < bus->count; i++) {
		const struct device *d = bus->devices[i];
		if (range_overlap(dev->base, dev->size, d->base, d->size))
			return -EEXIST;
	}
	/* Keep the array sorted by base: insertion sort step. */
	for (i = bus->count; i > 0 && bus->devices[i - 1]->base > dev->base; i--)
		bus->devices[i] = bus->devices[i - 1];
	bus->devices[i] = dev;
	bus->count++;
	return 0;
}

struct device *bus_find(const struct bus *bus, uint64_t addr, uint32_t len)
{
	unsigned int lo = 0, hi = bus->count;

	if (!range_valid(addr, len))
		return NULL;
	/* Binary search for the last device with base <= addr. */
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		if (bus->devices[mid]->base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	struct device *dev = bus->devices[lo - 1];
	uint64_t off = addr - dev->base;
	if (off >= dev->size || len > dev->size - off)
		return NULL;
	return dev;
}

bool bus_read(const struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len)
{
	struct device *dev = bus_find(bus, addr, len);

	if (!dev) {
		memset(data, 0xff, len);
		return false;
	}
	pthread_mutex_lock(&dev->lock);
	dev->ops->read(dev, addr - dev->base, data, len);
	pthread_mutex_unlock(&dev->lock);
	return true;
}

bool bus_write(const struct bus *bus, uint64_t addr, const uint8_t *data, uint32_t len)
{
	struct device *dev = bus_find(bus, addr, len);

	if (!dev)
		return false;
	pthread_mutex_lock(&dev->lock);
	dev->ops->write(dev, addr - dev->base, data, len);
	pthread_mutex_unlock(&dev->lock);
	return true;
}
