/* SPDX-License-Identifier: MIT */
/*
 * Lab 4 (docs/labs/lab4-virtio.md): a virtio echo device on the virtio-mmio
 * transport (devices/virtio/virtio_mmio.c). What it does is in
 * include/abi/kvmini_labs.h; kvmini-lab puts it in the next free virtio-mmio
 * slot (vmm/board/board_labs.c).
 *
 * This header is given; devices/labs/lab_echo.c is the student's to write, in
 * the shape of devices/virtio/virtio_rng.c.
 */
#ifndef KVMINI_LAB_ECHO_H
#define KVMINI_LAB_ECHO_H

#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"
#include "kvmini/virtio_mmio.h"

struct lab_echo;

/*
 * Create the device: device ID LAB_ECHO_DEVICE_ID, one queue of
 * LAB_ECHO_QUEUE_SIZE entries, feature LAB_ECHO_F_UPPER offered, a
 * LAB_ECHO_CONFIG_SIZE-byte configuration space. Returns 0 and *out, or
 * -ENOMEM.
 */
int lab_echo_create(struct lab_echo **out, const struct guest_mem *mem, struct irq_line *irq);

/* The transport, for the board to place on the MMIO bus. */
struct virtio_mmio *lab_echo_mmio(struct lab_echo *echo);

struct state_writer;
struct state_reader;

/*
 * Save the device's state: the transport's blob and a STATE_KIND_LAB_ECHO
 * blob with the bytes_echoed counter of the configuration space. Takes the
 * device lock. 0 or -errno.
 */
int lab_echo_save(struct lab_echo *echo, struct state_writer *w);

/*
 * Load a state written by lab_echo_save() into a freshly created device.
 * On error (-EPROTO, -EINVAL, logged) echo is unchanged. Takes the device
 * lock.
 */
int lab_echo_load(struct lab_echo *echo, struct state_reader *r);

/* Free the device. NULL is allowed. */
void lab_echo_destroy(struct lab_echo *echo);

#endif /* KVMINI_LAB_ECHO_H */
