/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues, the device side (virtio 1.2 section 2.7).
 *
 * The rings live in guest RAM and the guest may rewrite them at any moment,
 * so this code trusts nothing it reads there:
 *   - the three ring parts must lie in RAM, be aligned, and not overlap,
 *     checked once when the queue becomes ready (virtq_activate);
 *   - every descriptor is copied out of guest memory once, and its buffer
 *     goes through guest_mem_ptr() (inside RAM, no address+length overflow);
 *   - a chain may not be longer than the queue (so a loop is caught), must
 *     put its device-readable buffers before its device-writable ones, and
 *     indirect tables follow the same rules (no nesting, length a multiple
 *     of 16, bounded);
 *   - the available index may not run more than a queue size ahead.
 * A violation is reported as a virtq_error; the transport then marks the
 * device DEVICE_NEEDS_RESET. Nothing here logs or touches the transport, so
 * the code can be unit-tested and fuzzed on a plain buffer.
 */
#ifndef KVMINI_VIRTQUEUE_H
#define KVMINI_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kvmini/guest_mem.h"
#include "kvmini/virtio_spec.h"

/*
 * The most buffers one chain may have, indirect entries included. Devices
 * advertise queue sizes and segment limits within it.
 */
#define VIRTQ_CHAIN_MAX 256

enum virtq_error {
	VIRTQ_OK = 0,
	VIRTQ_ERR_SIZE,		    /* queue size 0, too big, or not a power of 2 */
	VIRTQ_ERR_RING_ADDR,	    /* a ring part is not in RAM */
	VIRTQ_ERR_RING_ALIGN,	    /* a ring part is misaligned */
	VIRTQ_ERR_RING_OVERLAP,	    /* the used ring overlaps the other parts */
	VIRTQ_ERR_AVAIL_IDX,	    /* avail idx ran more than a queue size ahead */
	VIRTQ_ERR_HEAD,		    /* a head index beyond the descriptor table */
	VIRTQ_ERR_NEXT,		    /* a next index beyond the descriptor table */
	VIRTQ_ERR_LOOP,		    /* chain longer than its table: a loop */
	VIRTQ_ERR_BUFFER,	    /* buffer not in RAM, or addr+len overflows */
	VIRTQ_ERR_ORDER,	    /* device-readable buffer after a writable one */
	VIRTQ_ERR_CHAIN_BYTES,	    /* chain holds more than 2^32 - 1 bytes */
	VIRTQ_ERR_INDIRECT_FEATURE, /* indirect descriptor not negotiated */
	VIRTQ_ERR_INDIRECT_LEN,	    /* table length 0, not a multiple of 16, too long */
	VIRTQ_ERR_INDIRECT_ADDR,    /* table not in RAM */
	VIRTQ_ERR_INDIRECT_NESTED,  /* indirect descriptor inside a table */
	VIRTQ_ERR_INDIRECT_NEXT,    /* INDIRECT together with NEXT */
};

struct virtq {
	/* Written by the driver through the transport while not ready. */
	uint16_t num; /* queue size; 0 until the driver sets it */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool indirect; /* VIRTIO_F_INDIRECT_DESC negotiated */

	/* Valid while ready: host views of the checked ring parts. */
	bool ready;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t last_avail; /* free-running index of the next avail entry to take */
	uint16_t used_idx;   /* free-running copy of used->idx */
	const struct guest_mem *mem;
};

/*
 * One descriptor chain taken from the available ring, resolved to host
 * buffers: bufs[0 .. nread) are device-readable, bufs[nread .. nread+nwrite)
 * device-writable. read_len and write_len are their byte totals.
 */
struct virtq_chain {
	uint16_t head;
	unsigned int nread, nwrite;
	uint64_t read_len, write_len;
	struct iovec bufs[VIRTQ_CHAIN_MAX];
};

/* A short human-readable description of err, for the log. */
const char *virtq_error_str(enum virtq_error err);

/* Forget everything: not ready, no size, no addresses (device reset). */
void virtq_reset(struct virtq *vq);

/*
 * Check the ring parts the driver configured (vq->num, the three addresses)
 * and make the queue ready: indices start at 0 and used->idx is cleared.
 * Returns VIRTQ_OK, or the reason the rings are unusable (queue stays not
 * ready). num_max is the largest size the device offers.
 */
enum virtq_error virtq_activate(struct virtq *vq, const struct guest_mem *mem, uint16_t num_max);

/*
 * Make a queue ready again from saved state (snapshot restore): vq->num and
 * the three addresses must pass the same checks as in virtq_activate(), and
 * last_avail may be at most vq->num ahead of used_idx. The indices are
 * taken as given and guest memory is not written: the used ring in the
 * restored RAM already says used_idx. On error vq is unchanged (not ready).
 */
enum virtq_error virtq_restore(struct virtq *vq, const struct guest_mem *mem, uint16_t num_max,
			       uint16_t last_avail, uint16_t used_idx);

/*
 * Take the next available chain. Returns 1 and fills chain, 0 when the ring
 * is empty, or -1 with *err set when the ring or the chain breaks the rules;
 * after -1 the queue must not be used until the device is reset. Only for a
 * ready queue.
 */
int virtq_pop(struct virtq *vq, struct virtq_chain *chain, enum virtq_error *err);

/*
 * Return a chain to the driver: put (head, len) in the used ring, then
 * publish it with a release store of used->idx (section 2.7.8). len is the
 * number of bytes written into the chain's writable buffers.
 */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t len);

/*
 * After virtq_push(): does the driver want a used buffer notification?
 * Without VIRTIO_F_EVENT_IDX only avail->flags decides (section 2.7.7.2).
 */
bool virtq_needs_interrupt(struct virtq *vq);

/*
 * Copy len bytes at byte offset off of the chain's readable part into dst.
 * Returns the number of bytes copied (less than len at the end of the part).
 */
size_t virtq_chain_read(const struct virtq_chain *chain, uint64_t off, void *dst, size_t len);

/* Same, from src into the writable part. */
size_t virtq_chain_write(const struct virtq_chain *chain, uint64_t off, const void *src,
			 size_t len);

/* Fill len zero bytes into the writable part at off. Returns bytes written. */
size_t virtq_chain_zero(const struct virtq_chain *chain, uint64_t off, uint64_t len);

/*
 * Describe bytes [off, off+len) of the readable (writable false) or writable
 * part as at most max iovecs in iov, for preadv/pwritev. Returns the number of
 * iovecs; their lengths add up to len unless the part is shorter.
 */
unsigned int virtq_chain_slice(const struct virtq_chain *chain, bool writable, uint64_t off,
			       uint64_t len, struct iovec *iov, unsigned int max);

#endif /* KVMINI_VIRTQUEUE_H */
