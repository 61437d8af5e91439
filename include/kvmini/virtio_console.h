/* SPDX-License-Identifier: MIT */
/*
 * virtio-console with a single port, no multiport (virtio 1.2 section 5.3).
 *
 * Queue 0 (receiveq) carries input to the guest, queue 1 (transmitq) output
 * from it. Output goes to a character backend (kvmini/chardev.h: stdout, or
 * a file for --console file:PATH), which never blocks the device. Input comes from the monitor's
 * I/O thread through virtio_console_receive(); bytes that arrive while the guest has no receive
 * buffers posted wait in a small FIFO. VIRTIO_CONSOLE_F_EMERG_WRITE is
 * offered, so a driver can also print one character with a config write.
 */
#ifndef KVMINI_VIRTIO_CONSOLE_H
#define KVMINI_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "kvmini/chardev.h"
#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"
#include "kvmini/virtio_mmio.h"

#define VIRTIO_CONSOLE_QUEUE_SIZE 64
#define VIRTIO_CONSOLE_FIFO_SIZE  4096 /* input held while the guest posts no buffers */

struct virtio_console;

/*
 * Create a console whose output goes to out (kept by the caller, who must
 * keep it alive as long as the device). Returns 0 and *con_out, or -ENOMEM.
 */
int virtio_console_create(struct virtio_console **con_out, struct chardev *out,
			  const struct guest_mem *mem, struct irq_line *irq);

/* The transport, for the board to place on the MMIO bus. */
struct virtio_mmio *virtio_console_mmio(struct virtio_console *con);

/*
 * Input for the guest, e.g. bytes read from stdin on the I/O thread. Takes the
 * device lock. Bytes go straight into posted receive buffers when there are
 * some, else into the FIFO. Returns the number of bytes accepted: fewer than
 * len when the FIFO is full; the caller offers the rest again later (the
 * stdin_console_sink contract of kvmini/console.h), so nothing is lost.
 */
size_t virtio_console_receive(struct virtio_console *con, const uint8_t *buf, size_t len);

struct state_writer;
struct state_reader;

/*
 * Save the device's state: the transport's blob and a
 * STATE_KIND_VIRTIO_CONSOLE blob with the input waiting in the FIFO for
 * receive buffers. Takes the device lock. 0 or -errno.
 */
int virtio_console_save(struct virtio_console *con, struct state_writer *w);

/*
 * Load a state written by virtio_console_save() into a freshly created
 * console (its out chardev is kept). On error (-EPROTO, -EINVAL, logged) con is
 * unchanged. Takes the device lock.
 */
int virtio_console_load(struct virtio_console *con, struct state_reader *r);

/* Free the device. */
void virtio_console_destroy(struct virtio_console *con);

#endif /* KVMINI_VIRTIO_CONSOLE_H */
