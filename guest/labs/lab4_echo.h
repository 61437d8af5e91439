/* SPDX-License-Identifier: MIT */
/*
 * Lab 4 (docs/labs/lab4-virtio.md): the tiny guest's driver for the lab's
 * virtio echo device (include/abi/kvmini_labs.h), built on the virtio-mmio
 * helpers of guest/lib/virtio.h, the way guest/lib/virtio_rng.c is.
 *
 * Given: this header and lab4_echo.c (the check). The student writes
 * lab4_echo_driver.c.
 */
#ifndef GUEST_LAB4_ECHO_H
#define GUEST_LAB4_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#include <abi/kvmini_labs.h>

#include "virtio.h"

struct echo {
	struct virtio_dev dev;
	struct virtqueue vq;
	uint8_t ring[VIRTQ_RING_BYTES(LAB_ECHO_QUEUE_SIZE)] __attribute__((aligned(4096)));
};

/*
 * Find the echo device (device ID LAB_ECHO_DEVICE_ID) in the device tree,
 * reset and initialise it (virtio 1.2, 3.1.1), negotiating LAB_ECHO_F_UPPER
 * if upper is true (and not otherwise), set up queue 0 with
 * LAB_ECHO_QUEUE_SIZE entries in e->ring, and set DRIVER_OK. Calling it
 * again re-initialises the device. irq_init() must have been called.
 * 0, or -1 if there is no such device or it refuses.
 */
int echo_open(struct echo *e, bool upper);

/*
 * One request: in (len bytes) device-readable, then out (out_len bytes)
 * device-writable, in one chain. Waits for the answer (by interrupt).
 * Returns the used length the device reported (bytes written into out), or
 * -1 if the request did not complete within a second.
 */
int echo_transfer(struct echo *e, const void *in, uint32_t len, void *out, uint32_t out_len);

/* The bytes_echoed field of the configuration space. */
uint32_t echo_bytes_echoed(const struct echo *e);

#endif /* GUEST_LAB4_ECHO_H */
