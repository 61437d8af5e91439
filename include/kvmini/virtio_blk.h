/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk on a disk backend (virtio 1.2 section 5.2; kvmini/disk.h).
 *
 * One request queue. Requests IN (read), OUT (write), FLUSH and GET_ID are
 * served synchronously through the backend, straight into/out of guest
 * memory; anything else is answered VIRTIO_BLK_S_UNSUPP. A FLUSH completes
 * only after the backend's flush succeeded, so nothing written before a
 * completed FLUSH can be lost. A failing backend (EIO, ENOSPC, ...) gives
 * the request VIRTIO_BLK_S_IOERR; the device goes on serving.
 */
#ifndef KVMINI_VIRTIO_BLK_H
#define KVMINI_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/disk.h"
#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"
#include "kvmini/virtio_mmio.h"

#define VIRTIO_BLK_QUEUE_SIZE 256
/* Data segments per request: the queue size minus header and status. */
#define VIRTIO_BLK_SEG_MAX (VIRTIO_BLK_QUEUE_SIZE - 2)

struct virtio_blk;

/*
 * Create a device on disk (e.g. from disk_raw_open()); a read-only disk
 * offers VIRTIO_BLK_F_RO. serial is the GET_ID string (at most 20 bytes are
 * used). A disk whose size is not a multiple of 512 bytes is refused
 * (-EINVAL, logged). Returns 0 and *out, the device then owning disk; or
 * -errno, the caller still owning disk.
 */
int virtio_blk_create(struct virtio_blk **out, struct disk *disk, const char *serial,
		      const struct guest_mem *mem, struct irq_line *irq);

/* The transport, for the board to place on the MMIO bus. */
struct virtio_mmio *virtio_blk_mmio(struct virtio_blk *blk);

/*
 * Write everything the guest wrote so far to stable storage (disk_flush),
 * under the device lock. 0 or -errno (logged). A read-only disk returns 0.
 */
int virtio_blk_flush(struct virtio_blk *blk);

struct state_writer;
struct state_reader;

/*
 * Save the device's state: the transport's blob (register file, features,
 * the request queue) and a STATE_KIND_VIRTIO_BLK blob with the capacity.
 * Everything else a driver sees (configuration space, GET_ID) follows from
 * how the device was created. Takes the device lock. 0 or -errno.
 */
int virtio_blk_save(struct virtio_blk *blk, struct state_writer *w);

/*
 * Load a state written by virtio_blk_save() into a device freshly created on
 * the same image (same size, same read-only setting), whose queue rings in
 * guest memory are re-checked. On error (-EPROTO, -EINVAL, logged) blk is
 * unchanged. Takes the device lock.
 */
int virtio_blk_load(struct virtio_blk *blk, struct state_reader *r);

/* Close the disk and free the device. Does not flush: call virtio_blk_flush() first. */
void virtio_blk_destroy(struct virtio_blk *blk);

#endif /* KVMINI_VIRTIO_BLK_H */
