/* SPDX-License-Identifier: MIT */
/*
 * Lab 4 reference solution, guest side: the echo driver (lab4_echo.h). The
 * virtio-mmio helpers (guest/lib/virtio.c) do the generic work; this file
 * says which device, which features, one queue, and what a request is.
 */
#include "lab4_echo.h"

int echo_open(struct echo *e, bool upper)
{
	uint64_t wanted = upper ? 1ULL << LAB_ECHO_F_UPPER : 0;

	/* virtio_init(): reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. */
	if (virtio_find(LAB_ECHO_DEVICE_ID, 0, &e->dev) || virtio_init(&e->dev, wanted) ||
	    virtq_setup(&e->dev, &e->vq, 0, LAB_ECHO_QUEUE_SIZE, e->ring))
		return -1;
	virtio_driver_ok(&e->dev);
	return 0;
}

int echo_transfer(struct echo *e, const void *in, uint32_t len, void *out, uint32_t out_len)
{
	/* Device-readable buffers first, then the device-writable ones (2.7.4.2). */
	struct virtq_buf bufs[2] = {
		{(void *)in, len, false},
		{out, out_len, true},
	};
	uint32_t used;

	if (virtq_transfer(&e->vq, bufs, 2, &used, 1000) < 0)
		return -1;
	return (int)used;
}

uint32_t echo_bytes_echoed(const struct echo *e)
{
	/* Device configuration starts at 0x100 in the register window (4.2.2). */
	return virtio_read(&e->dev, VIRTIO_MMIO_CONFIG + LAB_ECHO_CFG_BYTES_ECHOED);
}
