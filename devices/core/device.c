// SPDX-License-Identifier: MIT
/* Common device-model plumbing. */
#include <string.h>

#include "kvmini/device.h"

void device_read_zero(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	(void)dev;
	(void)offset;
	memset(data, 0, len);
}

void device_init(struct device *dev, const char *name, uint64_t size, const struct device_ops *ops,
		 void *priv)
{
	dev->name = name;
	dev->base = 0;
	dev->size = size;
	dev->ops = ops;
	dev->priv = priv;
	pthread_mutex_init(&dev->lock, NULL);
}
