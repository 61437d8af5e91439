// SPDX-License-Identifier: MIT
/*
 * isa-debug-exit (include/kvmini/debug_exit.h): a write ends the run with
 * QEMU's status, (value << 1) | 1.
 */
#include <string.h>

#include "kvmini/debug_exit.h"

/*
 * QEMU takes the value of any write, whatever its width or offset in the
 * window (hw/misc/debugexit.c, debug_exit_write()); so do we.
 */
static void debug_exit_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct debug_exit *d = dev->priv;

	(void)offset;
	if (d->on_exit)
		d->on_exit(d->opaque, debug_exit_status(device_load_le(data, len)));
}

static const struct device_ops debug_exit_ops = {
	.read = device_read_zero,
	.write = debug_exit_write,
};

int debug_exit_init(struct debug_exit *d, debug_exit_fn on_exit, void *opaque)
{
	memset(d, 0, sizeof(*d));
	device_init(&d->dev, "isa-debug-exit", DEBUG_EXIT_PORT_SIZE, &debug_exit_ops, d);
	d->on_exit = on_exit;
	d->opaque = opaque;
	return 0;
}
