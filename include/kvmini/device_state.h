/* SPDX-License-Identifier: MIT */
/*
 * Device state: how a device model writes its guest-visible state into a
 * buffer and reads it back (for snapshot and restore).
 *
 * A device's state is one or more blobs. Each blob is a 12-byte header and a
 * payload, every number little-endian, fixed width, no padding, no pointers:
 *
 *   u32 kind      STATE_KIND_*: which device model wrote it
 *   u32 version   the payload format, 1 for every model today
 *   u32 length    payload bytes that follow
 *   payload       the model's fields, in the order its save function writes them
 *
 * A virtio device saves two blobs: the transport's (STATE_KIND_VIRTIO_MMIO,
 * register file and queues) followed by its own.
 *
 * What is state and what is not: registers, FIFOs, queue indices and every
 * value the guest can observe are state. Host resources (file descriptors,
 * threads, disk images, irq wiring, callbacks) are not: whoever creates the
 * device recreates them, and the state is then loaded on top of a freshly
 * created device of the same configuration.
 *
 * A blob comes from a file, so a loader trusts none of it. Every model's
 * loader reads and checks all its fields first and changes the device only
 * when everything was valid, so a failed load leaves the device as it was.
 * Loaders return:
 *   0        the state was applied;
 *   -EPROTO  not a blob this loader can read: another device kind, a newer
 *            version, a payload cut short, trailing bytes after the fields;
 *   -EINVAL  well formed, but a value the device could never hold, or state
 *            saved from a device of a different configuration.
 * and log one message naming the device and the cause.
 */
#ifndef KVMINI_DEVICE_STATE_H
#define KVMINI_DEVICE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Four characters, readable in a hex dump of a snapshot. */
#define STATE_KIND(a, b, c, d)                                                                     \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* Every device kind, in one list so that no two models pick the same id. */
#define STATE_KIND_SERIAL	  STATE_KIND('U', 'A', 'R', 'T')
#define STATE_KIND_I8042	  STATE_KIND('8', '0', '4', '2')
#define STATE_KIND_TESTDEV	  STATE_KIND('T', 'D', 'E', 'V')
#define STATE_KIND_VIRTIO_MMIO	  STATE_KIND('V', 'M', 'M', 'O')
#define STATE_KIND_VIRTIO_BLK	  STATE_KIND('V', 'B', 'L', 'K')
#define STATE_KIND_VIRTIO_CONSOLE STATE_KIND('V', 'C', 'O', 'N')
#define STATE_KIND_VIRTIO_RNG	  STATE_KIND('V', 'R', 'N', 'G')
#define STATE_KIND_VIRTIO_VSOCK	  STATE_KIND('V', 'S', 'O', 'K')
#define STATE_KIND_FW_CFG	  STATE_KIND('F', 'W', 'C', 'F')
#define STATE_KIND_PC_TESTDEV	  STATE_KIND('P', 'C', 'T', 'D')
#define STATE_KIND_LAB_CLOCK	  STATE_KIND('L', 'C', 'L', 'K')
#define STATE_KIND_LAB_ECHO	  STATE_KIND('L', 'E', 'C', 'H')

#define STATE_HEADER_SIZE 12

/* ---- writing -------------------------------------------------------------- */

/*
 * Appends to a buffer. The first error (-ENOSPC: a caller-sized buffer is
 * full; -ENOMEM) sticks: later puts do nothing, and state_end() returns it.
 */
struct state_writer {
	uint8_t *buf;
	size_t len;	/* bytes written */
	size_t cap;	/* bytes available in buf */
	bool growable;	/* buf is ours (malloc) and grows as needed */
	size_t blob;	/* offset of the open blob's header */
	bool blob_open; /* between state_begin() and state_end() */
	int err;	/* 0 or the first -errno */
};

/*
 * Write into buf[0..cap). With buf NULL the writer allocates and grows its
 * own buffer; free it with state_writer_release().
 */
void state_writer_init(struct state_writer *w, uint8_t *buf, size_t cap);

/* Free a growable writer's buffer (nothing for a caller-sized one). */
void state_writer_release(struct state_writer *w);

/* Start a blob: write its header, with the length filled in by state_end(). */
void state_begin(struct state_writer *w, uint32_t kind, uint32_t version);

/* Finish the blob state_begin() started. Returns 0 or the writer's error. */
int state_end(struct state_writer *w);

/*
 * Append one little-endian value to the open blob. A fixed buffer that is
 * full, or a growable one that cannot grow, sets the writer's error
 * (state_end() returns it); later puts then do nothing.
 */
void state_put_u8(struct state_writer *w, uint8_t v);
void state_put_u16(struct state_writer *w, uint16_t v);
void state_put_u32(struct state_writer *w, uint32_t v);
void state_put_u64(struct state_writer *w, uint64_t v);
void state_put_bool(struct state_writer *w, bool v); /* one byte, 0 or 1 */
void state_put_bytes(struct state_writer *w, const void *data, size_t len);

/* ---- reading -------------------------------------------------------------- */

/*
 * Takes fields back out of buf[0..len), never past the end of the open blob.
 * A read past it returns 0 and records -EPROTO. The first error sticks (and
 * is logged once, naming the device); state_close() returns it. So a loader
 * reads all its fields, calls state_close(), and only then checks the values
 * it read: those are the real bytes of a complete blob.
 */
struct state_reader {
	const uint8_t *buf;
	size_t len;	  /* bytes in buf */
	size_t pos;	  /* next byte to read */
	size_t end;	  /* end of the open blob's payload */
	const char *name; /* the device being loaded, for messages */
	int err;	  /* 0 or the first -errno */
};

/* Read blobs from buf[len] (not copied: it must outlive the reader). */
void state_reader_init(struct state_reader *r, const uint8_t *buf, size_t len);

/*
 * Open the next blob, for device name (used in messages). It must be of the
 * given kind, with a version from 1 to max_version (stored in *version), and
 * its payload must lie within the buffer. Returns 0, or -EPROTO (logged).
 */
int state_open(struct state_reader *r, const char *name, uint32_t kind, uint32_t max_version,
	       uint32_t *version);

/*
 * Close the open blob: returns the reader's first error, or -EPROTO (logged)
 * when payload bytes were left unread, or 0. On success the reader is
 * positioned after the blob, at the next one.
 */
int state_close(struct state_reader *r);

/*
 * Take one little-endian value from the open blob. Reading past its end
 * sets the reader's error (logged; state_close() returns it) and gives 0.
 */
uint8_t state_get_u8(struct state_reader *r);
uint16_t state_get_u16(struct state_reader *r);
uint32_t state_get_u32(struct state_reader *r);
uint64_t state_get_u64(struct state_reader *r);
/* A byte that must be 0 or 1; anything else is -EINVAL. */
bool state_get_bool(struct state_reader *r);
/* Copy len bytes out (zeros past the end of the blob). */
void state_get_bytes(struct state_reader *r, void *data, size_t len);

/*
 * A loader found a value that breaks its model's rules: unless an error is
 * already recorded, log "NAME: state refused: <why>" and record -EINVAL.
 * Returns the reader's error. Use as: return state_invalid(r, "...", ...);
 */
int state_invalid(struct state_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* KVMINI_DEVICE_STATE_H */
