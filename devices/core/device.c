// SPDX-License-Identifier: MIT
/* Common device-model plumbing. */
#include "kvmini/device.h"

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
