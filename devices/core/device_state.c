// SPDX-License-Identifier: MIT
/*
 * Device state buffers (format in include/kvmini/device_state.h). Numbers
 * are written byte by byte, least significant first, so the format is the
 * same whatever the host's endianness and struct layout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmini/device.h"
#include "kvmini/device_state.h"
#include "kvmini/log.h"

/* ---- writing -------------------------------------------------------------- */

void state_writer_init(struct state_writer *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->growable = !buf;
}

void state_writer_release(struct state_writer *w)
{
	if (w->growable)
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/* Room for n more bytes, growing a growable buffer; false (and w->err) if none. */
static bool writer_room(struct state_writer *w, size_t n)
{
	if (w->err)
		return false;
	if (n <= w->cap - w->len)
		return true;
	if (!w->growable) {
		w->err = -ENOSPC;
		return false;
	}
	size_t cap = w->cap ? w->cap : 256;
	while (cap - w->len < n) {
		if (cap > SIZE_MAX / 2) {
			w->err = -ENOMEM;
			return false;
		}
		cap *= 2;
	}
	uint8_t *buf = realloc(w->buf, cap);
	if (!buf) {
		w->err = -ENOMEM;
		return false;
	}
	w->buf = buf;
	w->cap = cap;
	return true;
}

static void writer_put_le(struct state_writer *w, unsigned int n, uint64_t v)
{
	if (!writer_room(w, n))
		return;
	device_store_le(w->buf + w->len, n, v);
	w->len += n;
}

void state_begin(struct state_writer *w, uint32_t kind, uint32_t version)
{
	w->blob = w->len;
	w->blob_open = true;
	writer_put_le(w, 4, kind);
	writer_put_le(w, 4, version);
	writer_put_le(w, 4, 0); /* length: patched by state_end() */
}

int state_end(struct state_writer *w)
{
	if (!w->blob_open && !w->err)
		w->err = -EINVAL; /* a model's bug: end without begin */
	w->blob_open = false;
	if (w->err)
		return w->err;
	size_t payload = w->len - w->blob - STATE_HEADER_SIZE;
	if (payload > UINT32_MAX) {
		w->err = -EOVERFLOW;
		return w->err;
	}
	device_store_le(w->buf + w->blob + 8, 4, payload);
	return 0;
}

void state_put_u8(struct state_writer *w, uint8_t v)
{
	writer_put_le(w, 1, v);
}

void state_put_u16(struct state_writer *w, uint16_t v)
{
	writer_put_le(w, 2, v);
}

void state_put_u32(struct state_writer *w, uint32_t v)
{
	writer_put_le(w, 4, v);
}

void state_put_u64(struct state_writer *w, uint64_t v)
{
	writer_put_le(w, 8, v);
}

void state_put_bool(struct state_writer *w, bool v)
{
	writer_put_le(w, 1, v ? 1 : 0);
}

void state_put_bytes(struct state_writer *w, const void *data, size_t len)
{
	if (len == 0 || !writer_room(w, len))
		return;
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

/* ---- reading -------------------------------------------------------------- */

void state_reader_init(struct state_reader *r, const uint8_t *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	r->name = "device";
}

/* Record err (the first one only) and log why, naming the device. Returns the reader's error. */
static int reader_fail(struct state_reader *r, int err, const char *fmt, va_list ap)
{
	char why[256];

	if (r->err)
		return r->err;
	vsnprintf(why, sizeof(why), fmt, ap);
	log_error("%s: state refused: %s", r->name, why);
	r->err = err;
	return err;
}

static int reader_failf(struct state_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reader_failf(struct state_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reader_fail(r, err, fmt, ap);
	va_end(ap);
	return r->err;
}

int state_invalid(struct state_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reader_fail(r, -EINVAL, fmt, ap);
	va_end(ap);
	return r->err;
}

int state_open(struct state_reader *r, const char *name, uint32_t kind, uint32_t max_version,
	       uint32_t *version)
{
	r->name = name;
	if (r->err)
		return r->err;
	/* r->pos <= r->len always holds, so this subtraction cannot wrap. */
	size_t left = r->len - r->pos;
	if (left < STATE_HEADER_SIZE)
		return reader_failf(r, -EPROTO, "truncated: %zu bytes left, a header needs %d",
				    left, STATE_HEADER_SIZE);
	const uint8_t *h = r->buf + r->pos;
	uint32_t got_kind = (uint32_t)device_load_le(h, 4);
	uint32_t got_version = (uint32_t)device_load_le(h + 4, 4);
	uint32_t length = (uint32_t)device_load_le(h + 8, 4);

	if (got_kind != kind)
		return reader_failf(r, -EPROTO, "wrong device kind %#x, expected %#x", got_kind,
				    kind);
	if (got_version == 0 || got_version > max_version)
		return reader_failf(r, -EPROTO,
				    "format version %u unknown (this build reads 1..%u)",
				    got_version, max_version);
	if (length > left - STATE_HEADER_SIZE)
		return reader_failf(r, -EPROTO, "truncated: payload of %u bytes, only %zu left",
				    length, left - STATE_HEADER_SIZE);
	r->pos += STATE_HEADER_SIZE;
	r->end = r->pos + length;
	*version = got_version;
	return 0;
}

int state_close(struct state_reader *r)
{
	if (r->err)
		return r->err;
	if (r->pos != r->end)
		return reader_failf(r, -EPROTO, "%zu trailing bytes after the last field",
				    r->end - r->pos);
	return 0;
}

/* The next n payload bytes, or NULL (and -EPROTO) if the blob ends first. */
static const uint8_t *reader_take(struct state_reader *r, size_t n)
{
	if (r->err)
		return NULL;
	if (n > r->end - r->pos) {
		reader_failf(r, -EPROTO, "payload too short: a field needs %zu bytes, %zu left", n,
			     r->end - r->pos);
		return NULL;
	}
	const uint8_t *p = r->buf + r->pos;
	r->pos += n;
	return p;
}

static uint64_t reader_get_le(struct state_reader *r, unsigned int n)
{
	const uint8_t *p = reader_take(r, n);

	return p ? device_load_le(p, n) : 0;
}

uint8_t state_get_u8(struct state_reader *r)
{
	return (uint8_t)reader_get_le(r, 1);
}

uint16_t state_get_u16(struct state_reader *r)
{
	return (uint16_t)reader_get_le(r, 2);
}

uint32_t state_get_u32(struct state_reader *r)
{
	return (uint32_t)reader_get_le(r, 4);
}

uint64_t state_get_u64(struct state_reader *r)
{
	return reader_get_le(r, 8);
}

bool state_get_bool(struct state_reader *r)
{
	uint8_t v = state_get_u8(r);

	if (v > 1)
		state_invalid(r, "flag byte %u is neither 0 nor 1", v);
	return v == 1;
}

void state_get_bytes(struct state_reader *r, void *data, size_t len)
{
	const uint8_t *p = reader_take(r, len);

	if (p)
		memcpy(data, p, len);
	else
		memset(data, 0, len);
}
