// SPDX-License-Identifier: MIT
/*
 * Unit tests for device state (include/kvmini/device_state.h): the writer and
 * reader, and every device model's save/load.
 *
 * For each model: drive an instance A into a non-trivial state through its
 * guest interface, save it, load the bytes into a freshly created B, and
 * check that save(B) == save(A) byte for byte and that B then behaves as A
 * does (same register reads, same result for the next request). Then the
 * loader is fed broken input: every truncation, a wrong kind, an unknown
 * version, a payload one byte short or long, and fields that break the
 * model's rules; each must be refused with the right error and leave the
 * target exactly as it was (its own save is unchanged).
 *
 * Virtio devices live in two guest memories, one per instance: B's is a copy
 * of A's at save time, as guest RAM would be restored from a snapshot.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmini/chardev.h"
#include "kvmini/device_state.h"
#include "kvmini/disk.h"
#include "kvmini/fw_cfg.h"
#include "kvmini/i8042.h"
#include "kvmini/pc_testdev.h"
#include "kvmini/serial.h"
#include "kvmini/testdev.h"
#include "kvmini/virtio_blk.h"
#include "kvmini/virtio_console.h"
#include "kvmini/virtio_rng.h"
#include "abi/kvmini_abi.h"
#include "unit_run.h"
#include "virtio_test.h"
#ifdef KVMINI_HAVE_LAB_CLOCK
#include "abi/kvmini_labs.h"
#include "kvmini/lab_clock.h"
#endif
#ifdef KVMINI_HAVE_LAB_ECHO
#include "abi/kvmini_labs.h"
#include "kvmini/lab_echo.h"
#endif

/* ---- generic checks --------------------------------------------------------- */

typedef int (*save_fn)(void *dev, struct state_writer *w);
typedef int (*load_fn)(void *dev, struct state_reader *r);

struct model {
	save_fn save;
	load_fn load;
};

struct blob {
	uint8_t *buf;
	size_t len;
};

static struct blob save_of(const struct model *m, void *dev)
{
	struct state_writer w;

	state_writer_init(&w, NULL, 0);
	ck_assert_int_eq(m->save(dev, &w), 0);
	return (struct blob){w.buf, w.len};
}

/* Load buf[0..len) into dev; on success the whole buffer must have been consumed. */
static int load_from(const struct model *m, void *dev, const uint8_t *buf, size_t len)
{
	struct state_reader r;

	state_reader_init(&r, buf, len);
	int err = m->load(dev, &r);
	if (!err)
		ck_assert_uint_eq(r.pos, len);
	return err;
}

static void assert_same(struct blob a, struct blob b)
{
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_int_eq(memcmp(a.buf, b.buf, a.len), 0);
}

/* save(a), load it into b, and check save(b) is the same bytes. Returns save(a). */
static struct blob roundtrip(const struct model *m, void *a, void *b)
{
	struct blob sa = save_of(m, a);
	ck_assert_int_eq(load_from(m, b, sa.buf, sa.len), 0);
	struct blob sb = save_of(m, b);
	assert_same(sa, sb);
	free(sb.buf);
	return sa;
}

/* Loading buf[0..len) into dev fails with want, and dev's state is unchanged. */
static void check_refused(const struct model *m, void *dev, const uint8_t *buf, size_t len,
			  int want)
{
	struct blob before = save_of(m, dev);
	ck_assert_int_eq(load_from(m, dev, buf, len), want);
	struct blob after = save_of(m, dev);
	assert_same(before, after);
	free(before.buf);
	free(after.buf);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)device_load_le(p, 4);
}

/* good with width bytes at off replaced by value (little-endian): refused with want. */
static void check_corrupt(const struct model *m, void *dev, struct blob good, size_t off,
			  unsigned int width, uint64_t value, int want)
{
	uint8_t *bad = malloc(good.len);

	ck_assert_uint_le(off + width, good.len);
	memcpy(bad, good.buf, good.len);
	device_store_le(bad + off, width, value);
	check_refused(m, dev, bad, good.len, want);
	free(bad);
}

/* Offset of blob number index in a saved state (0: the first). */
static size_t blob_at(struct blob s, unsigned int index)
{
	size_t off = 0;

	for (unsigned int i = 0; i < index; i++) {
		ck_assert_uint_le(off + STATE_HEADER_SIZE, s.len);
		off += STATE_HEADER_SIZE + get32(s.buf + off + 8);
	}
	ck_assert_uint_le(off + STATE_HEADER_SIZE, s.len);
	return off;
}

/* Payload byte off of blob index. */
static size_t field(struct blob s, unsigned int index, size_t off)
{
	return blob_at(s, index) + STATE_HEADER_SIZE + off;
}

/*
 * The format errors every loader must refuse with -EPROTO: every truncation,
 * and in each of the nblobs blobs a wrong kind, version 0 and a newer
 * version, a payload length one short, and one extra byte in the payload.
 */
static void check_format_errors(const struct model *m, void *dev, struct blob good,
				unsigned int nblobs)
{
	uint8_t *bad = malloc(good.len + 1);

	for (size_t n = 0; n < good.len; n++)
		check_refused(m, dev, good.buf, n, -EPROTO);
	for (unsigned int i = 0; i < nblobs; i++) {
		size_t off = blob_at(good, i);
		uint32_t payload = get32(good.buf + off + 8);

		check_corrupt(m, dev, good, off, 4, get32(good.buf + off) ^ 0x20, -EPROTO);
		check_corrupt(m, dev, good, off + 4, 4, 0, -EPROTO);
		check_corrupt(m, dev, good, off + 4, 4, 2, -EPROTO);
		check_corrupt(m, dev, good, off + 4, 4, 0xffffffff, -EPROTO);
		check_corrupt(m, dev, good, off + 8, 4, 0xffffffff, -EPROTO);
		if (payload > 0)
			check_corrupt(m, dev, good, off + 8, 4, payload - 1, -EPROTO);

		/* One byte more in this blob's payload, its length saying so: trailing bytes. */
		size_t end = off + STATE_HEADER_SIZE + payload;
		memcpy(bad, good.buf, end);
		bad[end] = 0;
		memcpy(bad + end + 1, good.buf + end, good.len - end);
		device_store_le(bad + off + 8, 4, payload + 1);
		check_refused(m, dev, bad, good.len + 1, -EPROTO);
	}
	free(bad);
}

/* ---- the writer and reader -------------------------------------------------- */

START_TEST(test_format_little_endian)
{
	struct state_writer w;
	static const uint8_t want[] = {
		'T',  'D',  'E',  'V',	1,    0,    0,	  0,	16, 0, 0, 0, /* header */
		0x11, 0x22, 0x11, 0x44, 0x33, 0x22, 0x11, 1,	/* u8, u16, u32, bool */
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* u64 */
	};

	state_writer_init(&w, NULL, 0);
	state_begin(&w, STATE_KIND_TESTDEV, 1);
	state_put_u8(&w, 0x11);
	state_put_u16(&w, 0x1122);
	state_put_u32(&w, 0x11223344);
	state_put_bool(&w, true);
	state_put_u64(&w, 0x1122334455667788ULL);
	ck_assert_int_eq(state_end(&w), 0);
	ck_assert_uint_eq(w.len, sizeof(want));
	ck_assert_int_eq(memcmp(w.buf, want, sizeof(want)), 0);

	struct state_reader r;
	uint32_t version = 0;
	state_reader_init(&r, w.buf, w.len);
	ck_assert_int_eq(state_open(&r, "t", STATE_KIND_TESTDEV, 1, &version), 0);
	ck_assert_uint_eq(version, 1);
	ck_assert_uint_eq(state_get_u8(&r), 0x11);
	ck_assert_uint_eq(state_get_u16(&r), 0x1122);
	ck_assert_uint_eq(state_get_u32(&r), 0x11223344);
	ck_assert(state_get_bool(&r));
	ck_assert_uint_eq(state_get_u64(&r), 0x1122334455667788ULL);
	ck_assert_int_eq(state_close(&r), 0);
	ck_assert_uint_eq(r.pos, w.len);
	state_writer_release(&w);
}
END_TEST

START_TEST(test_writer_fixed_buffer_full)
{
	uint8_t buf[STATE_HEADER_SIZE + 3];
	struct state_writer w;

	state_writer_init(&w, buf, sizeof(buf));
	state_begin(&w, STATE_KIND_SERIAL, 1);
	state_put_u16(&w, 1);
	state_put_u16(&w, 2); /* one byte too many */
	state_put_u8(&w, 3);  /* would fit, but the error sticks */
	ck_assert_int_eq(state_end(&w), -ENOSPC);
	ck_assert_uint_eq(w.len, STATE_HEADER_SIZE + 2);
}
END_TEST

START_TEST(test_writer_grows)
{
	struct state_writer w;
	uint8_t big[5000];

	memset(big, 0xa5, sizeof(big));
	state_writer_init(&w, NULL, 0);
	state_begin(&w, STATE_KIND_SERIAL, 1);
	state_put_bytes(&w, big, sizeof(big));
	ck_assert_int_eq(state_end(&w), 0);
	ck_assert_uint_eq(w.len, STATE_HEADER_SIZE + sizeof(big));
	ck_assert_uint_eq(get32(w.buf + 8), sizeof(big));
	ck_assert_int_eq(memcmp(w.buf + STATE_HEADER_SIZE, big, sizeof(big)), 0);
	state_writer_release(&w);
}
END_TEST

START_TEST(test_reader_errors_stick)
{
	static const uint8_t blob[] = {'U', 'A', 'R', 'T', 1, 0, 0, 0, 2, 0, 0, 0, 7, 2};
	struct state_reader r;
	uint32_t version;

	/* A bool byte of 2 is refused as -EINVAL, and later reads return 0. */
	state_reader_init(&r, blob, sizeof(blob));
	ck_assert_int_eq(state_open(&r, "t", STATE_KIND_SERIAL, 1, &version), 0);
	ck_assert_uint_eq(state_get_u8(&r), 7);
	state_get_bool(&r);
	ck_assert_uint_eq(state_get_u32(&r), 0);
	ck_assert_int_eq(state_close(&r), -EINVAL);

	/* Reading past the payload is -EPROTO, even though the buffer is not over. */
	state_reader_init(&r, blob, sizeof(blob));
	ck_assert_int_eq(state_open(&r, "t", STATE_KIND_SERIAL, 1, &version), 0);
	ck_assert_uint_eq(state_get_u16(&r), 0x0207);
	ck_assert_uint_eq(state_get_u8(&r), 0);
	ck_assert_int_eq(state_close(&r), -EPROTO);
}
END_TEST

/* ---- serial --------------------------------------------------------------------- */

struct ser {
	struct serial s;
	struct irq_line line;
	int level;
};

static void ser_set_level(struct irq_line *line, int level)
{
	((struct ser *)line->opaque)->level = level;
}

static void ser_init(struct ser *u)
{
	memset(u, 0, sizeof(*u));
	u->line.set_level = ser_set_level;
	u->line.opaque = u;
	ck_assert_int_eq(serial_init(&u->s, NULL, &u->line), 0);
}

static uint8_t ser_rd(struct ser *u, uint64_t off)
{
	uint8_t v;
	u->s.dev.ops->read(&u->s.dev, off, &v, 1);
	return v;
}

static void ser_wr(struct ser *u, uint64_t off, uint8_t v)
{
	u->s.dev.ops->write(&u->s.dev, off, &v, 1);
}

static int ser_save(void *dev, struct state_writer *w)
{
	return serial_save(&((struct ser *)dev)->s, w);
}

static int ser_load(void *dev, struct state_reader *r)
{
	return serial_load(&((struct ser *)dev)->s, r);
}

static const struct model ser_model = {ser_save, ser_load};

/* Divisor 0x0103, 8N1 + break bits, FIFOs on (trigger 14), all interrupts, "ello" waiting, DLAB on.
 */
static void ser_drive(struct ser *u)
{
	ser_wr(u, 3, 0x80);
	ser_wr(u, 0, 0x03);
	ser_wr(u, 1, 0x01);
	ser_wr(u, 3, 0x1b);
	ser_wr(u, 2, 0xc1);
	ser_wr(u, 1, 0x0f);
	ser_wr(u, 4, 0x0b);
	ser_wr(u, 7, 0x5a);
	ck_assert_uint_eq(serial_receive(&u->s, (const uint8_t *)"hello", 5), 5);
	ck_assert_uint_eq(ser_rd(u, 0), 'h');
	ser_wr(u, 3, 0x9b);
}

/* Everything a guest can see, in an order that also exercises the side effects. */
static void ser_observe(struct ser *u, uint8_t *out)
{
	int n = 0;

	for (uint64_t off = 0; off < 8; off++)
		out[n++] = ser_rd(u, off); /* DLL, DLM, IIR, LCR, MCR, LSR, MSR, SCR */
	ser_wr(u, 3, 0x1b);
	for (int i = 0; i < 6; i++) {
		out[n++] = ser_rd(u, 2); /* IIR */
		out[n++] = ser_rd(u, 0); /* RBR */
	}
	out[n++] = ser_rd(u, 5);
	out[n++] = (uint8_t)u->level;
}

START_TEST(test_serial_roundtrip)
{
	struct ser a, b;
	uint8_t seen_a[22] = {0}, seen_b[22] = {0};

	ser_init(&a);
	ser_init(&b);
	ser_drive(&a);
	struct blob s = roundtrip(&ser_model, &a, &b);
	/* The receive interrupt (FIFO below trigger: timeout) is pending, and B drives it. */
	ck_assert_int_eq(a.level, 1);
	ck_assert_int_eq(b.level, 1);
	ser_observe(&a, seen_a);
	ser_observe(&b, seen_b);
	ck_assert_int_eq(memcmp(seen_a, seen_b, sizeof(seen_a)), 0);
	ck_assert_uint_eq(seen_a[0], 0x03); /* DLL */
	ck_assert_uint_eq(seen_a[1], 0x01); /* DLM */
	ck_assert_uint_eq(seen_a[9], 'e');  /* the FIFO kept its order */
	ck_assert_uint_eq(seen_a[15], 'o');
	free(s.buf);
}
END_TEST

START_TEST(test_serial_refuses_bad_state)
{
	struct ser a, t;

	ser_init(&a);
	ser_init(&t);
	ser_drive(&a);
	struct blob s = save_of(&ser_model, &a);
	check_format_errors(&ser_model, &t, s, 1);
	/* Payload: IER LCR MCR MSR SCR DLL DLM fifo trigger overrun thre RBR count bytes. */
	check_corrupt(&ser_model, &t, s, field(s, 0, 0), 1, 0x10, -EINVAL); /* IER bit 4 */
	check_corrupt(&ser_model, &t, s, field(s, 0, 2), 1, 0x20, -EINVAL); /* MCR bit 5 */
	check_corrupt(&ser_model, &t, s, field(s, 0, 3), 1, 0x00, -EINVAL); /* MSR inputs */
	check_corrupt(&ser_model, &t, s, field(s, 0, 7), 1, 2, -EINVAL);    /* bool */
	check_corrupt(&ser_model, &t, s, field(s, 0, 7), 1, 0, -EINVAL);    /* 4 bytes, no FIFO */
	check_corrupt(&ser_model, &t, s, field(s, 0, 8), 1, 3, -EINVAL);    /* trigger level */
	check_corrupt(&ser_model, &t, s, field(s, 0, 12), 1, 17, -EINVAL);  /* FIFO count */
	check_corrupt(&ser_model, &t, s, field(s, 0, 12), 1, 255, -EINVAL); /* FIFO count */
	check_corrupt(&ser_model, &t, s, field(s, 0, 12), 1, 3, -EPROTO);   /* count vs bytes */
	/* A device that already holds state keeps it too. */
	ck_assert_int_eq(load_from(&ser_model, &t, s.buf, s.len), 0);
	check_corrupt(&ser_model, &t, s, field(s, 0, 8), 1, 3, -EINVAL);
	free(s.buf);
}
END_TEST

START_TEST(test_serial_load_keeps_wiring)
{
	struct ser a, b;
	struct chardev out;
	int pipefd[2];
	uint8_t byte = 0;

	ser_init(&a);
	ck_assert_int_eq(pipe(pipefd), 0);
	memset(&b, 0, sizeof(b));
	b.line.set_level = ser_set_level;
	b.line.opaque = &b;
	ck_assert_int_eq(chardev_init(&out, pipefd[1]), 0);
	ck_assert_int_eq(serial_init(&b.s, &out, &b.line), 0);
	ser_wr(&a, 3, 0x03);
	struct blob s = save_of(&ser_model, &a);
	ck_assert_int_eq(load_from(&ser_model, &b, s.buf, s.len), 0);
	/* B still transmits to its own output. */
	ser_wr(&b, 0, 'x');
	chardev_flush(&out); /* no newline: the monitor's I/O thread would flush it */
	ck_assert_int_eq(read(pipefd[0], &byte, 1), 1);
	ck_assert_uint_eq(byte, 'x');
	chardev_close(&out, 0);
	close(pipefd[0]);
	close(pipefd[1]);
	free(s.buf);
}
END_TEST

/* ---- i8042 ---------------------------------------------------------------------- */

static int resets;

static void kbc_on_reset(void *opaque)
{
	(void)opaque;
	resets++;
}

static int kbc_save(void *dev, struct state_writer *w)
{
	return i8042_save(dev, w);
}

static int kbc_load(void *dev, struct state_reader *r)
{
	return i8042_load(dev, r);
}

static const struct model kbc_model = {kbc_save, kbc_load};

static uint8_t kbc_rd(struct device *d)
{
	uint8_t v;
	d->ops->read(d, 0, &v, 1);
	return v;
}

static void kbc_wr(struct device *d, uint8_t v)
{
	d->ops->write(d, 0, &v, 1);
}

/* CTR 0x47 (aux disabled), a byte from the "mouse" waiting, command 0xd1 waiting for its parameter.
 */
static void kbc_drive(struct i8042 *c)
{
	kbc_wr(&c->cmd, 0x60);
	kbc_wr(&c->data, 0x47);
	kbc_wr(&c->cmd, 0xa7);
	kbc_wr(&c->cmd, 0xd3);
	kbc_wr(&c->data, 0xab);
	kbc_wr(&c->cmd, 0xd1);
}

static void kbc_observe(struct i8042 *c, uint8_t *out)
{
	out[0] = kbc_rd(&c->cmd);  /* status: OBF, AUXDATA, SYS, CMD */
	out[1] = kbc_rd(&c->data); /* 0xab */
	kbc_wr(&c->data, 0x03);	   /* completes 0xd1: output port 0x03, no reset */
	kbc_wr(&c->cmd, 0xd0);
	out[2] = kbc_rd(&c->data);
	kbc_wr(&c->cmd, 0x20);
	out[3] = kbc_rd(&c->data);
	out[4] = kbc_rd(&c->cmd);
}

START_TEST(test_i8042_roundtrip)
{
	struct i8042 a, b;
	uint8_t seen_a[5], seen_b[5];

	resets = 0;
	ck_assert_int_eq(i8042_init(&a, kbc_on_reset, NULL), 0);
	ck_assert_int_eq(i8042_init(&b, kbc_on_reset, NULL), 0);
	kbc_drive(&a);
	struct blob s = roundtrip(&kbc_model, &a, &b);
	kbc_observe(&a, seen_a);
	kbc_observe(&b, seen_b);
	ck_assert_int_eq(memcmp(seen_a, seen_b, sizeof(seen_a)), 0);
	ck_assert_uint_eq(seen_a[1], 0xab);
	ck_assert_uint_eq(seen_a[2], 0x03);
	ck_assert_uint_eq(seen_a[3], 0x47 | 0x20);
	ck_assert_int_eq(resets, 0);
	free(s.buf);
}
END_TEST

START_TEST(test_i8042_refuses_bad_state)
{
	struct i8042 a, t;

	ck_assert_int_eq(i8042_init(&a, NULL, NULL), 0);
	ck_assert_int_eq(i8042_init(&t, NULL, NULL), 0);
	kbc_drive(&a);
	struct blob s = save_of(&kbc_model, &a);
	check_format_errors(&kbc_model, &t, s, 1);
	/* Payload: CTR, output port, output byte, full, aux, last-was-cmd, pending command. */
	check_corrupt(&kbc_model, &t, s, field(s, 0, 3), 1, 2, -EINVAL);
	check_corrupt(&kbc_model, &t, s, field(s, 0, 6), 1, 0x20, -EINVAL); /* takes no parameter */
	check_corrupt(&kbc_model, &t, s, field(s, 0, 6), 1, 0xfe, -EINVAL);
	free(s.buf);
}
END_TEST

/* ---- testdev -------------------------------------------------------------------- */

static int td_save(void *dev, struct state_writer *w)
{
	return testdev_save(dev, w);
}

static int td_load(void *dev, struct state_reader *r)
{
	return testdev_load(dev, r);
}

static const struct model td_model = {td_save, td_load};

static uint64_t td_rd(struct device *d, uint64_t off, uint32_t len)
{
	uint8_t b[8];
	d->ops->read(d, off, b, len);
	return device_load_le(b, len);
}

static void td_wr(struct device *d, uint64_t off, uint32_t len, uint64_t v)
{
	uint8_t b[8];
	device_store_le(b, len, v);
	d->ops->write(d, off, b, len);
}

static void td_drive(struct testdev *td)
{
	td_wr(&td->pio, KVMINI_TESTDEV_SCRATCH, 4, 0xdeadbeef);
	td_wr(&td->mmio, KVMINI_TESTDEV_MMIO_SCRATCH, 8, 0x0123456789abcdefULL);
	for (int i = 0; i < 3; i++)
		td_rd(&td->pio, KVMINI_TESTDEV_COUNTER, 4);
	for (int i = 0; i < 5; i++)
		td_rd(&td->mmio, KVMINI_TESTDEV_MMIO_COUNTER, 8);
}

START_TEST(test_testdev_roundtrip)
{
	struct testdev a, b;

	ck_assert_int_eq(testdev_init(&a, NULL, NULL, NULL), 0);
	ck_assert_int_eq(testdev_init(&b, NULL, NULL, NULL), 0);
	td_drive(&a);
	struct blob s = roundtrip(&td_model, &a, &b);
	struct testdev *both[2] = {&a, &b};
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(td_rd(&both[i]->pio, KVMINI_TESTDEV_SCRATCH, 4), 0xdeadbeef);
		ck_assert_uint_eq(td_rd(&both[i]->pio, KVMINI_TESTDEV_COUNTER, 4), 3);
		ck_assert_uint_eq(td_rd(&both[i]->mmio, KVMINI_TESTDEV_MMIO_SCRATCH, 8),
				  0x0123456789abcdefULL);
		ck_assert_uint_eq(td_rd(&both[i]->mmio, KVMINI_TESTDEV_MMIO_COUNTER, 8), 5);
	}
	free(s.buf);
}
END_TEST

START_TEST(test_testdev_refuses_bad_state)
{
	struct testdev a, t;

	ck_assert_int_eq(testdev_init(&a, NULL, NULL, NULL), 0);
	ck_assert_int_eq(testdev_init(&t, NULL, NULL, NULL), 0);
	td_drive(&a);
	struct blob s = save_of(&td_model, &a);
	check_format_errors(&td_model, &t, s, 1);
	free(s.buf);
}
END_TEST

/* ---- fw_cfg --------------------------------------------------------------------- */

static int fwc_save(void *dev, struct state_writer *w)
{
	return fw_cfg_save(dev, w);
}

static int fwc_load(void *dev, struct state_reader *r)
{
	return fw_cfg_load(dev, r);
}

static const struct model fwc_model = {fwc_save, fwc_load};

static uint8_t fwc_in(struct fw_cfg *f)
{
	uint8_t v;
	f->dev.ops->read(&f->dev, 1, &v, 1);
	return v;
}

/* Select the RAM size and read 3 of its 8 bytes: the rest must come out after a restore. */
static void fwc_drive(struct fw_cfg *f)
{
	uint8_t key[2] = {FW_CFG_RAM_SIZE, 0};
	f->dev.ops->write(&f->dev, 0, key, 2);
	for (int i = 0; i < 3; i++)
		fwc_in(f);
}

START_TEST(test_fw_cfg_roundtrip)
{
	struct fw_cfg a, b;
	uint8_t rest_a[5], rest_b[5];

	ck_assert_int_eq(fw_cfg_init(&a, 0x1234567890ULL, 2), 0);
	ck_assert_int_eq(fw_cfg_init(&b, 0x1234567890ULL, 2), 0);
	fwc_drive(&a);
	struct blob s = roundtrip(&fwc_model, &a, &b);
	for (int i = 0; i < 5; i++) {
		rest_a[i] = fwc_in(&a);
		rest_b[i] = fwc_in(&b);
	}
	ck_assert_int_eq(memcmp(rest_a, rest_b, sizeof(rest_a)), 0);
	ck_assert_uint_eq(device_load_le(rest_b, 5), 0x1234567890ULL >> 24);
	free(s.buf);
}
END_TEST

START_TEST(test_fw_cfg_refuses_bad_state)
{
	struct fw_cfg a, t;

	ck_assert_int_eq(fw_cfg_init(&a, 64ULL << 20, 1), 0);
	ck_assert_int_eq(fw_cfg_init(&t, 64ULL << 20, 1), 0);
	fwc_drive(&a);
	struct blob s = save_of(&fwc_model, &a);
	check_format_errors(&fwc_model, &t, s, 1);
	/* Payload: selector (u16), offset (u8). RAM_SIZE has 8 bytes, NB_CPUS 2, 0x1234 none. */
	check_corrupt(&fwc_model, &t, s, field(s, 0, 2), 1, 9, -EINVAL);
	check_corrupt(&fwc_model, &t, s, field(s, 0, 0), 2, FW_CFG_NB_CPUS, -EINVAL);
	check_corrupt(&fwc_model, &t, s, field(s, 0, 0), 2, 0x1234, -EINVAL);
	free(s.buf);
}
END_TEST

/* ---- pc-testdev ------------------------------------------------------------------ */

static int pct_save(void *dev, struct state_writer *w)
{
	return pc_testdev_save(dev, w);
}

static int pct_load(void *dev, struct state_reader *r)
{
	return pc_testdev_load(dev, r);
}

static const struct model pct_model = {pct_save, pct_load};

START_TEST(test_pc_testdev_roundtrip)
{
	struct pc_testdev a, b;
	uint8_t v[4] = {0x78, 0x56, 0x34, 0x12}, got[4];

	ck_assert_int_eq(pc_testdev_init(&a, NULL, NULL, NULL), 0);
	ck_assert_int_eq(pc_testdev_init(&b, NULL, NULL, NULL), 0);
	a.ioport.ops->write(&a.ioport, 0, v, 4);
	struct blob s = roundtrip(&pct_model, &a, &b);
	b.ioport_byte.ops->read(&b.ioport_byte, 0, got, 4);
	ck_assert_int_eq(memcmp(got, v, 4), 0);
	check_format_errors(&pct_model, &b, s, 1);
	free(s.buf);
}
END_TEST

/* ---- virtio: two guest memories, one per instance -------------------------------- */

#define HDR_GPA	   VT_DATA_GPA
#define STATUS_GPA (VT_DATA_GPA + 0x100)
#define BUF_GPA	   (VT_DATA_GPA + 0x1000)
#define BUF2_GPA   (VT_DATA_GPA + 0x2000)

/* One instance of a virtio device, with its guest memory and its driver's rings. */
struct vside {
	struct guest_mem mem;
	struct vt_irq irq;
	struct vt_ring ring[2];
	uint16_t next_desc[2];
	struct virtio_mmio *vmio;
	void *dev;
};

static struct vside side[2];

static void vside_init(struct vside *v)
{
	memset(v, 0, sizeof(*v));
	vt_mem_init(&v->mem);
	vt_irq_init(&v->irq);
	vt_ring_init(&v->ring[0], &v->mem, 8, VT_RING_GPA);
	vt_ring_init(&v->ring[1], &v->mem, 8, VT_RING_GPA + 0x1000);
}

/* B's RAM and driver become a copy of A's, as a snapshot restore would make them. */
static void vside_copy_guest(struct vside *to, const struct vside *from)
{
	memcpy(to->mem.host, from->mem.host, VT_MEM_SIZE);
	for (int q = 0; q < 2; q++) {
		to->ring[q] = from->ring[q];
		to->ring[q].mem = &to->mem;
		to->next_desc[q] = from->next_desc[q];
	}
}

static uint16_t vdesc(struct vside *v, unsigned int q, uint64_t addr, uint32_t len, uint16_t flags)
{
	struct vt_ring *r = &v->ring[q];
	uint16_t i = v->next_desc[q]++ % r->num;
	vt_desc(r, i, addr, len, flags, (uint16_t)((i + 1) % r->num));
	return i;
}

/* Make head available on q and notify; returns the used length of the one completion. */
static uint32_t vsubmit(struct vside *v, unsigned int q, uint16_t head)
{
	struct vt_ring *r = &v->ring[q];
	uint16_t before = vt_used(r)->idx;
	vt_avail_add(r, head);
	vt_wr(v->vmio, VIRTIO_MMIO_QUEUE_NOTIFY, q);
	ck_assert_uint_eq(vt_used(r)->idx, (uint16_t)(before + 1));
	ck_assert_uint_eq(vt_used(r)->ring[before % r->num].id, head);
	return vt_used(r)->ring[before % r->num].len;
}

/* The transport registers a driver can read, for comparing A and B. */
static void vobserve(struct virtio_mmio *vmio, uint32_t *out)
{
	static const uint64_t regs[] = {
		VIRTIO_MMIO_DEVICE_ID,	     VIRTIO_MMIO_QUEUE_NUM_MAX,
		VIRTIO_MMIO_QUEUE_READY,     VIRTIO_MMIO_INTERRUPT_STATUS,
		VIRTIO_MMIO_STATUS,	     VIRTIO_MMIO_CONFIG_GENERATION,
		VIRTIO_MMIO_DEVICE_FEATURES,
	};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		out[i] = vt_rd(vmio, regs[i]);
}

static void vassert_same_registers(void)
{
	uint32_t ra[7], rb[7];
	vobserve(side[0].vmio, ra);
	vobserve(side[1].vmio, rb);
	ck_assert_int_eq(memcmp(ra, rb, sizeof(ra)), 0);
}

static void vassert_same_ram(void)
{
	ck_assert_int_eq(memcmp(side[0].mem.host, side[1].mem.host, VT_MEM_SIZE), 0);
}

/* Transport payload offsets (virtio_mmio_save). */
enum {
	VM_DEVICE_ID = 0,
	VM_NUM_QUEUES = 12,
	VM_STATUS = 37,
	VM_INT_STATUS = 41,
	VM_QUEUE0 = 49,
	VQ_NUM = 0,
	VQ_DESC = 2,
	VQ_USED = 18,
	VQ_READY = 27,
	VQ_LAST_AVAIL = 28,
	VQ_SIZE = 32,
};

/* The transport's rules, checked on any virtio model whose queue 0 is ready. */
static void check_transport_errors(const struct model *m, void *dev, struct blob s,
				   uint16_t queue_num_max)
{
	size_t q0 = field(s, 0, VM_QUEUE0);

	check_corrupt(m, dev, s, field(s, 0, VM_DEVICE_ID), 4, 99, -EINVAL);
	check_corrupt(m, dev, s, field(s, 0, VM_NUM_QUEUES), 1, 3, -EINVAL);
	check_corrupt(m, dev, s, field(s, 0, VM_STATUS), 4,
		      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK,
		      -EINVAL);
	check_corrupt(m, dev, s, field(s, 0, VM_INT_STATUS), 4, 4, -EINVAL);
	check_corrupt(m, dev, s, q0 + VQ_NUM, 2, 6, -EINVAL);		      /* not a power of 2 */
	check_corrupt(m, dev, s, q0 + VQ_NUM, 2, queue_num_max * 2, -EINVAL); /* above the max */
	check_corrupt(m, dev, s, q0 + VQ_NUM, 2, 0, -EINVAL);		      /* ready, no size */
	check_corrupt(m, dev, s, q0 + VQ_DESC, 8, VT_RING_GPA + 8, -EINVAL);  /* misaligned */
	check_corrupt(m, dev, s, q0 + VQ_USED, 8, VT_MEM_SIZE, -EINVAL);      /* outside RAM */
	check_corrupt(m, dev, s, q0 + VQ_USED, 8, VT_RING_GPA, -EINVAL);      /* overlaps */
	check_corrupt(m, dev, s, q0 + VQ_READY, 1, 2, -EINVAL);		      /* bool */
	check_corrupt(m, dev, s, q0 + VQ_LAST_AVAIL, 2, 100, -EINVAL);	      /* 100 in flight */
}

/* ---- virtio-blk ----------------------------------------------------------------- */

#define SECTORS 64

static char img_path[2][64];

static int blk_save(void *dev, struct state_writer *w)
{
	return virtio_blk_save(dev, w);
}

static int blk_load(void *dev, struct state_reader *r)
{
	return virtio_blk_load(dev, r);
}

static const struct model blk_model = {blk_save, blk_load};

static void make_image(int i, uint64_t sectors)
{
	uint8_t sector[512];

	strcpy(img_path[i], "/tmp/kvmini-test-state-XXXXXX");
	int fd = mkstemp(img_path[i]);
	ck_assert_int_ge(fd, 0);
	for (uint64_t s = 0; s < sectors; s++) {
		memset(sector, (int)(s + 1), sizeof(sector));
		ck_assert_int_eq(pwrite(fd, sector, 512, (off_t)(s * 512)), 512);
	}
	close(fd);
}

/* A virtio-blk device on the raw image at path, as the board creates one. */
static int blk_create_on(struct virtio_blk **out, const char *path, bool read_only,
			 const char *serial, const struct guest_mem *mem, struct irq_line *irq)
{
	struct disk *disk;
	int err = disk_raw_open(&disk, path, read_only);
	if (err)
		return err;
	err = virtio_blk_create(out, disk, serial, mem, irq);
	if (err)
		disk_close(disk);
	return err;
}

static void blk_open_side(int i)
{
	struct virtio_blk *blk;
	vside_init(&side[i]);
	ck_assert_int_eq(
		blk_create_on(&blk, img_path[i], false, "disk", &side[i].mem, &side[i].irq.line),
		0);
	side[i].dev = blk;
	side[i].vmio = virtio_blk_mmio(blk);
}

static void blk_setup(void)
{
	make_image(0, SECTORS);
	make_image(1, SECTORS);
	blk_open_side(0);
	blk_open_side(1);
}

static void blk_teardown(void)
{
	for (int i = 0; i < 2; i++) {
		virtio_blk_destroy(side[i].dev);
		vt_mem_free(&side[i].mem);
		unlink(img_path[i]);
	}
}

/* One request: header, optional data buffer at BUF_GPA, status. Returns the status byte. */
static uint8_t blk_request(struct vside *v, uint32_t type, uint64_t sector, uint32_t len,
			   bool into_guest)
{
	struct virtio_blk_req_hdr *h = vt_ptr(&v->mem, HDR_GPA);
	h->type = type;
	h->reserved = 0;
	h->sector = sector;
	uint16_t head = vdesc(v, 0, HDR_GPA, 16, VIRTQ_DESC_F_NEXT);
	if (len)
		vdesc(v, 0, BUF_GPA, len,
		      VIRTQ_DESC_F_NEXT | (into_guest ? VIRTQ_DESC_F_WRITE : 0));
	vdesc(v, 0, STATUS_GPA, 1, VIRTQ_DESC_F_WRITE);
	vsubmit(v, 0, head);
	return *(uint8_t *)vt_ptr(&v->mem, STATUS_GPA);
}

/* Features negotiated, queue 0 set up, a write and a read served, an interrupt pending. */
static void blk_drive(struct vside *v)
{
	ck_assert(
		vt_negotiate(v->vmio, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_BLK_F_FLUSH)) &
		VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(v->vmio, 0, &v->ring[0]);
	vt_driver_ok(v->vmio);
	memset(vt_ptr(&v->mem, BUF_GPA), 0x77, 512);
	ck_assert_uint_eq(blk_request(v, VIRTIO_BLK_T_OUT, 3, 512, false), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(blk_request(v, VIRTIO_BLK_T_IN, 5, 1024, true), VIRTIO_BLK_S_OK);
	vt_wr(v->vmio, VIRTIO_MMIO_QUEUE_SEL, 2);
	ck_assert_uint_ne(vt_rd(v->vmio, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

/* Copy A's image onto B's: the disk contents are the image's, not device state. */
static void copy_image(void)
{
	uint8_t buf[512];
	int from = open(img_path[0], O_RDONLY), to = open(img_path[1], O_WRONLY);
	ck_assert_int_ge(from, 0);
	ck_assert_int_ge(to, 0);
	for (off_t off = 0; off < SECTORS * 512; off += 512) {
		ck_assert_int_eq(pread(from, buf, 512, off), 512);
		ck_assert_int_eq(pwrite(to, buf, 512, off), 512);
	}
	close(from);
	close(to);
}

START_TEST(test_blk_roundtrip)
{
	blk_drive(&side[0]);
	vside_copy_guest(&side[1], &side[0]);
	copy_image();
	struct blob s = roundtrip(&blk_model, side[0].dev, side[1].dev);
	ck_assert_int_ge(side[1].irq.pulses, 1); /* the pending interrupt is sent again */
	vassert_same_registers();
	/* The next requests: same results, same RAM, and B's used ring goes on from A's. */
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(blk_request(&side[i], VIRTIO_BLK_T_IN, 3, 512, true),
				  VIRTIO_BLK_S_OK);
		ck_assert_uint_eq(*(uint8_t *)vt_ptr(&side[i].mem, BUF_GPA + 511), 0x77);
		ck_assert_uint_eq(vt_used(&side[i].ring[0])->idx, 3);
		ck_assert_uint_eq(blk_request(&side[i], VIRTIO_BLK_T_FLUSH, 0, 0, false),
				  VIRTIO_BLK_S_OK);
	}
	vassert_same_ram();
	vassert_same_registers();
	free(s.buf);
}
END_TEST

START_TEST(test_blk_refuses_bad_state)
{
	blk_drive(&side[0]);
	vside_copy_guest(&side[1], &side[0]);
	struct blob s = save_of(&blk_model, side[0].dev);
	check_format_errors(&blk_model, side[1].dev, s, 2);
	check_transport_errors(&blk_model, side[1].dev, s, VIRTIO_BLK_QUEUE_SIZE);
	check_corrupt(&blk_model, side[1].dev, s, field(s, 1, 0), 8, SECTORS * 2, -EINVAL);
	free(s.buf);
}
END_TEST

START_TEST(test_blk_refuses_other_disk_or_device)
{
	struct virtio_blk *small, *ro;
	struct virtio_rng *rng;

	blk_drive(&side[0]);
	vside_copy_guest(&side[1], &side[0]);
	struct blob s = save_of(&blk_model, side[0].dev);
	/* A disk of another size, a read-only one (other features), another device kind. */
	virtio_blk_destroy(side[1].dev);
	unlink(img_path[1]);
	make_image(1, SECTORS / 2);
	ck_assert_int_eq(blk_create_on(&small, img_path[1], false, NULL, &side[1].mem, NULL), 0);
	check_refused(&blk_model, small, s.buf, s.len, -EINVAL);
	virtio_blk_destroy(small);
	ck_assert_int_eq(blk_create_on(&ro, img_path[1], true, NULL, &side[1].mem, NULL), 0);
	check_refused(&blk_model, ro, s.buf, s.len, -EINVAL);
	side[1].dev = ro; /* freed by the teardown */
	ck_assert_int_eq(virtio_rng_create(&rng, &side[1].mem, NULL), 0);
	struct state_reader r;
	state_reader_init(&r, s.buf, s.len);
	ck_assert_int_eq(virtio_rng_load(rng, &r), -EINVAL);
	virtio_rng_destroy(rng);
	free(s.buf);
}
END_TEST

/* ---- virtio-console ------------------------------------------------------------- */

static int con_pipe[2][2];
static struct chardev con_out[2]; /* each console's output, on con_pipe[i][1] */

static int con_save(void *dev, struct state_writer *w)
{
	return virtio_console_save(dev, w);
}

static int con_load(void *dev, struct state_reader *r)
{
	return virtio_console_load(dev, r);
}

static const struct model con_model = {con_save, con_load};

static void con_setup(void)
{
	for (int i = 0; i < 2; i++) {
		struct virtio_console *con;
		vside_init(&side[i]);
		ck_assert_int_eq(pipe2(con_pipe[i], O_NONBLOCK), 0);
		ck_assert_int_eq(chardev_init(&con_out[i], con_pipe[i][1]), 0);
		ck_assert_int_eq(
			virtio_console_create(&con, &con_out[i], &side[i].mem, &side[i].irq.line),
			0);
		side[i].dev = con;
		side[i].vmio = virtio_console_mmio(con);
	}
}

static void con_teardown(void)
{
	for (int i = 0; i < 2; i++) {
		virtio_console_destroy(side[i].dev);
		chardev_close(&con_out[i], 0);
		vt_mem_free(&side[i].mem);
		close(con_pipe[i][0]);
		close(con_pipe[i][1]);
	}
}

static void con_transmit(struct vside *v, const char *text)
{
	memcpy(vt_ptr(&v->mem, BUF2_GPA), text, strlen(text));
	uint16_t head = vdesc(v, VIRTIO_CONSOLE_TX_QUEUE, BUF2_GPA, (uint32_t)strlen(text), 0);
	ck_assert_uint_eq(vsubmit(v, VIRTIO_CONSOLE_TX_QUEUE, head), 0);
}

/* Both queues live, "out" transmitted, "pending input" waiting for a receive buffer. */
static void con_drive(struct vside *v)
{
	ck_assert(vt_negotiate(v->vmio, 1ULL << VIRTIO_F_VERSION_1) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(v->vmio, VIRTIO_CONSOLE_RX_QUEUE, &v->ring[0]);
	vt_queue_setup(v->vmio, VIRTIO_CONSOLE_TX_QUEUE, &v->ring[1]);
	vt_driver_ok(v->vmio);
	con_transmit(v, "out");
	const char *input = "pending input";
	ck_assert_uint_eq(virtio_console_receive(v->dev, (const uint8_t *)input, strlen(input)),
			  strlen(input));
}

START_TEST(test_console_roundtrip)
{
	char out[16];

	con_drive(&side[0]);
	chardev_flush(&con_out[0]); /* no newline: the monitor's I/O thread would flush it */
	ck_assert_int_eq(read(con_pipe[0][0], out, sizeof(out)), 3);
	vside_copy_guest(&side[1], &side[0]);
	struct blob s = roundtrip(&con_model, side[0].dev, side[1].dev);
	vassert_same_registers();
	for (int i = 0; i < 2; i++) {
		/* A receive buffer: the input saved in the FIFO arrives in it. */
		uint16_t head =
			vdesc(&side[i], VIRTIO_CONSOLE_RX_QUEUE, BUF_GPA, 64, VIRTQ_DESC_F_WRITE);
		ck_assert_uint_eq(vsubmit(&side[i], VIRTIO_CONSOLE_RX_QUEUE, head), 13);
		ck_assert_int_eq(memcmp(vt_ptr(&side[i].mem, BUF_GPA), "pending input", 13), 0);
		con_transmit(&side[i], "more");
		chardev_flush(&con_out[i]);
		ck_assert_int_eq(read(con_pipe[i][0], out, sizeof(out)), 4);
		ck_assert_int_eq(memcmp(out, "more", 4), 0);
	}
	vassert_same_ram();
	vassert_same_registers();
	free(s.buf);
}
END_TEST

START_TEST(test_console_refuses_bad_state)
{
	con_drive(&side[0]);
	vside_copy_guest(&side[1], &side[0]);
	struct blob s = save_of(&con_model, side[0].dev);
	check_format_errors(&con_model, side[1].dev, s, 2);
	check_transport_errors(&con_model, side[1].dev, s, VIRTIO_CONSOLE_QUEUE_SIZE);
	check_corrupt(&con_model, side[1].dev, s, field(s, 1, 0), 4, VIRTIO_CONSOLE_FIFO_SIZE + 1,
		      -EINVAL);
	check_corrupt(&con_model, side[1].dev, s, field(s, 1, 0), 4, 12, -EPROTO);
	free(s.buf);
}
END_TEST

/* ---- virtio-rng ----------------------------------------------------------------- */

static int rng_save(void *dev, struct state_writer *w)
{
	return virtio_rng_save(dev, w);
}

static int rng_load(void *dev, struct state_reader *r)
{
	return virtio_rng_load(dev, r);
}

static const struct model rng_model = {rng_save, rng_load};

static void rng_setup(void)
{
	for (int i = 0; i < 2; i++) {
		struct virtio_rng *rng;
		vside_init(&side[i]);
		ck_assert_int_eq(virtio_rng_create(&rng, &side[i].mem, &side[i].irq.line), 0);
		side[i].dev = rng;
		side[i].vmio = virtio_rng_mmio(rng);
	}
}

/* Replace instance B by a freshly created one. */
static void rng_setup_fresh_target(void)
{
	struct virtio_rng *rng;

	virtio_rng_destroy(side[1].dev);
	ck_assert_int_eq(virtio_rng_create(&rng, &side[1].mem, &side[1].irq.line), 0);
	side[1].dev = rng;
	side[1].vmio = virtio_rng_mmio(rng);
}

static void rng_teardown(void)
{
	for (int i = 0; i < 2; i++) {
		virtio_rng_destroy(side[i].dev);
		vt_mem_free(&side[i].mem);
	}
}

static void rng_drive(struct vside *v)
{
	ck_assert(vt_negotiate(v->vmio, 1ULL << VIRTIO_F_VERSION_1) & VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(v->vmio, 0, &v->ring[0]);
	vt_driver_ok(v->vmio);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(vsubmit(v, 0, vdesc(v, 0, BUF_GPA, 32, VIRTQ_DESC_F_WRITE)), 32);
	vt_wr(v->vmio, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
}

START_TEST(test_rng_roundtrip)
{
	rng_drive(&side[0]);
	vside_copy_guest(&side[1], &side[0]);
	struct blob s = roundtrip(&rng_model, side[0].dev, side[1].dev);
	ck_assert_int_eq(side[1].irq.pulses, 0); /* nothing was pending */
	vassert_same_registers();
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(
			vsubmit(&side[i], 0, vdesc(&side[i], 0, BUF_GPA, 16, VIRTQ_DESC_F_WRITE)),
			16);
		ck_assert_uint_eq(vt_used(&side[i].ring[0])->idx, 4);
	}
	vassert_same_registers();
	free(s.buf);
}
END_TEST

START_TEST(test_rng_refuses_bad_state)
{
	rng_drive(&side[0]);
	vside_copy_guest(&side[1], &side[0]);
	struct blob s = save_of(&rng_model, side[0].dev);
	check_format_errors(&rng_model, side[1].dev, s, 2);
	check_transport_errors(&rng_model, side[1].dev, s, VIRTIO_RNG_QUEUE_SIZE);
	free(s.buf);
}
END_TEST

/* A queue configured but not ready round-trips; its rings are checked once it is ready. */
START_TEST(test_rng_unready_queue_roundtrip)
{
	struct vside *v = &side[0];

	vt_wr(v->vmio, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	vt_wr(v->vmio, VIRTIO_MMIO_QUEUE_NUM, 16);
	vt_wr(v->vmio, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x12345670);
	vt_wr(v->vmio, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x9);
	struct blob s = roundtrip(&rng_model, side[0].dev, side[1].dev);
	vassert_same_registers();
	ck_assert_uint_eq(vt_rd(side[1].vmio, VIRTIO_MMIO_QUEUE_READY), 0);
	/* The same queue saved as ready: its descriptor table is not in RAM. */
	rng_setup_fresh_target();
	check_corrupt(&rng_model, side[1].dev, s, field(s, 0, VM_QUEUE0 + VQ_READY), 1, 1, -EINVAL);
	free(s.buf);
}
END_TEST

/* ---- lab devices (built when their sources are: -Dlab_solutions) ------------------ */

#ifdef KVMINI_HAVE_LAB_CLOCK
static uint64_t fake_ns;

static uint64_t fake_clock(void)
{
	return fake_ns;
}

static int clk_save(void *dev, struct state_writer *w)
{
	return lab_clock_save(dev, w);
}

static int clk_load(void *dev, struct state_reader *r)
{
	return lab_clock_load(dev, r);
}

static const struct model clk_model = {clk_save, clk_load};

static uint64_t clk_read_latch(struct lab_clock *clk)
{
	uint8_t b[4];
	uint64_t v;
	clk->dev.ops->read(&clk->dev, LAB_CLOCK_LOW, b, 4);
	v = device_load_le(b, 4);
	clk->dev.ops->read(&clk->dev, LAB_CLOCK_HIGH, b, 4);
	return v | device_load_le(b, 4) << 32;
}

static void clk_latch(struct lab_clock *clk)
{
	uint8_t b[4];
	device_store_le(b, 4, LAB_CLOCK_LATCH);
	clk->dev.ops->write(&clk->dev, LAB_CLOCK_CONTROL, b, 4);
}

START_TEST(test_lab_clock_roundtrip)
{
	const uint64_t t = 0x123456789ULL;
	struct lab_clock a, b;

	fake_ns = 1000;
	lab_clock_init(&a, fake_clock);
	fake_ns = 1000 + t;
	clk_latch(&a);
	fake_ns += 500; /* A's time is now t + 500 */
	struct blob s = save_of(&clk_model, &a);
	/* B is created on "another host", whose clock reads something else entirely. */
	fake_ns = 77;
	lab_clock_init(&b, fake_clock);
	fake_ns = 5000000;
	ck_assert_int_eq(load_from(&clk_model, &b, s.buf, s.len), 0);
	ck_assert_uint_eq(clk_read_latch(&b), t);
	/* At the same moment of guest time, B saves the same bytes. */
	struct blob s2 = save_of(&clk_model, &b);
	assert_same(s, s2);
	/* And its time goes on from the saved time. */
	fake_ns += 40;
	clk_latch(&b);
	ck_assert_uint_eq(clk_read_latch(&b), t + 540);
	check_format_errors(&clk_model, &b, s, 1);
	free(s.buf);
	free(s2.buf);
}
END_TEST
#endif

#ifdef KVMINI_HAVE_LAB_ECHO
static int echo_save(void *dev, struct state_writer *w)
{
	return lab_echo_save(dev, w);
}

static int echo_load(void *dev, struct state_reader *r)
{
	return lab_echo_load(dev, r);
}

static const struct model echo_model = {echo_save, echo_load};

static void echo_setup(void)
{
	for (int i = 0; i < 2; i++) {
		struct lab_echo *echo;
		vside_init(&side[i]);
		ck_assert_int_eq(lab_echo_create(&echo, &side[i].mem, &side[i].irq.line), 0);
		side[i].dev = echo;
		side[i].vmio = lab_echo_mmio(echo);
	}
}

static void echo_teardown(void)
{
	for (int i = 0; i < 2; i++) {
		lab_echo_destroy(side[i].dev);
		vt_mem_free(&side[i].mem);
	}
}

static uint32_t echo_request(struct vside *v, const char *text)
{
	uint32_t len = (uint32_t)strlen(text);
	memcpy(vt_ptr(&v->mem, BUF_GPA), text, len);
	uint16_t head = vdesc(v, 0, BUF_GPA, len, VIRTQ_DESC_F_NEXT);
	vdesc(v, 0, BUF2_GPA, 64, VIRTQ_DESC_F_WRITE);
	return vsubmit(v, 0, head);
}

static void echo_drive(struct vside *v)
{
	ck_assert(vt_negotiate(v->vmio, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << LAB_ECHO_F_UPPER)) &
		  VIRTIO_STATUS_FEATURES_OK);
	vt_queue_setup(v->vmio, 0, &v->ring[0]);
	vt_driver_ok(v->vmio);
	ck_assert_uint_eq(echo_request(v, "hello"), 5);
}

START_TEST(test_lab_echo_roundtrip)
{
	echo_drive(&side[0]);
	vside_copy_guest(&side[1], &side[0]);
	struct blob s = roundtrip(&echo_model, side[0].dev, side[1].dev);
	vassert_same_registers();
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(echo_request(&side[i], "abc"), 3);
		ck_assert_int_eq(memcmp(vt_ptr(&side[i].mem, BUF2_GPA), "ABC", 3), 0);
		ck_assert_uint_eq(vt_rd(side[i].vmio, VIRTIO_MMIO_CONFIG), 8);
	}
	vassert_same_ram();
	check_format_errors(&echo_model, side[1].dev, s, 2);
	check_transport_errors(&echo_model, side[1].dev, s, LAB_ECHO_QUEUE_SIZE);
	free(s.buf);
}
END_TEST
#endif

static Suite *device_state_suite(void)
{
	Suite *s = suite_create("device_state");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, test_format_little_endian);
	tcase_add_test(tc, test_writer_fixed_buffer_full);
	tcase_add_test(tc, test_writer_grows);
	tcase_add_test(tc, test_reader_errors_stick);
	suite_add_tcase(s, tc);

	tc = tcase_create("pc");
	tcase_add_test(tc, test_serial_roundtrip);
	tcase_add_test(tc, test_serial_refuses_bad_state);
	tcase_add_test(tc, test_serial_load_keeps_wiring);
	tcase_add_test(tc, test_i8042_roundtrip);
	tcase_add_test(tc, test_i8042_refuses_bad_state);
	tcase_add_test(tc, test_testdev_roundtrip);
	tcase_add_test(tc, test_testdev_refuses_bad_state);
	tcase_add_test(tc, test_fw_cfg_roundtrip);
	tcase_add_test(tc, test_fw_cfg_refuses_bad_state);
	tcase_add_test(tc, test_pc_testdev_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("virtio_blk");
	tcase_add_checked_fixture(tc, blk_setup, blk_teardown);
	tcase_add_test(tc, test_blk_roundtrip);
	tcase_add_test(tc, test_blk_refuses_bad_state);
	tcase_add_test(tc, test_blk_refuses_other_disk_or_device);
	suite_add_tcase(s, tc);

	tc = tcase_create("virtio_console");
	tcase_add_checked_fixture(tc, con_setup, con_teardown);
	tcase_add_test(tc, test_console_roundtrip);
	tcase_add_test(tc, test_console_refuses_bad_state);
	suite_add_tcase(s, tc);

	tc = tcase_create("virtio_rng");
	tcase_add_checked_fixture(tc, rng_setup, rng_teardown);
	tcase_add_test(tc, test_rng_roundtrip);
	tcase_add_test(tc, test_rng_refuses_bad_state);
	tcase_add_test(tc, test_rng_unready_queue_roundtrip);
	suite_add_tcase(s, tc);

#ifdef KVMINI_HAVE_LAB_CLOCK
	tc = tcase_create("lab_clock");
	tcase_add_test(tc, test_lab_clock_roundtrip);
	suite_add_tcase(s, tc);
#endif
#ifdef KVMINI_HAVE_LAB_ECHO
	tc = tcase_create("lab_echo");
	tcase_add_checked_fixture(tc, echo_setup, echo_teardown);
	tcase_add_test(tc, test_lab_echo_roundtrip);
	suite_add_tcase(s, tc);
#endif
	return s;
}

int main(void)
{
	return unit_run(device_state_suite());
}
