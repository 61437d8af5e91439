// SPDX-License-Identifier: MIT
/*
 * QEMU's pc-testdev (include/kvmini/pc_testdev.h): a scratch port, a
 * "flush this page" port and 24 interrupt lines, what kvm-unit-tests' x86
 * tests drive to check KVM's port-I/O emulation and interrupt delivery.
 */
#include <string.h>

#include "kvmini/device_state.h"
#include "kvmini/log.h"
#include "kvmini/pc_testdev.h"

static void pc_testdev_complain(struct pc_testdev *t, const char *window, uint64_t offset,
				uint32_t len)
{
	log_once(&t->warned, LOG_WARN,
		 "pc-testdev: %s access of %u bytes at offset %llu fits no register; ignored",
		 window, len, (unsigned long long)offset);
}

/* ---- the scratch register, at 0xe0 and at 0xe8 ------------------------------ */

/* Does [offset, offset + len) lie within the 4-byte register? */
static bool in_register(uint64_t offset, uint32_t len)
{
	return len >= 1 && len <= 4 && offset < 4 && offset + len <= 4;
}

static uint32_t byte_mask(uint64_t offset, uint32_t len)
{
	return (uint32_t)((len == 4 ? 0xffffffffULL : (1ULL << (len * 8)) - 1) << (offset * 8));
}

static void ioport_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct pc_testdev *t = dev->priv;

	if (!in_register(offset, len)) {
		pc_testdev_complain(t, dev->name, offset, len);
		memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&t->lock);
	uint32_t v = (t->ioport_data & byte_mask(offset, len)) >> (offset * 8);
	pthread_mutex_unlock(&t->lock);
	device_store_le(data, len, v);
}

static void ioport_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct pc_testdev *t = dev->priv;

	if (!in_register(offset, len)) {
		pc_testdev_complain(t, dev->name, offset, len);
		return;
	}
	uint32_t mask = byte_mask(offset, len);
	uint32_t v = (uint32_t)(device_load_le(data, len) << (offset * 8));
	pthread_mutex_lock(&t->lock);
	t->ioport_data = (t->ioport_data & ~mask) | (v & mask);
	pthread_mutex_unlock(&t->lock);
}

/* ---- flush page and interrupt lines ----------------------------------------- */

/* QEMU accepts only 4-byte writes here: the address of the page. */
static void flush_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct pc_testdev *t = dev->priv;

	if (offset != 0 || len != 4) {
		pc_testdev_complain(t, dev->name, offset, len);
		return;
	}
	if (t->on_flush)
		t->on_flush(t->opaque, device_load_le(data, 4) & ~0xfffULL);
}

/* QEMU accepts only 1-byte writes here; the offset is the line, any non-zero value raises it. */
static void irq_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct pc_testdev *t = dev->priv;

	if (len != 1 || offset >= PC_TESTDEV_IRQ_LINES) {
		pc_testdev_complain(t, dev->name, offset, len);
		return;
	}
	irq_set_level(&t->lines[offset], data[0] != 0);
}

static const struct device_ops ioport_ops = {.read = ioport_read, .write = ioport_write};
static const struct device_ops flush_ops = {.read = device_read_zero, .write = flush_write};
static const struct device_ops irq_ops = {.read = device_read_zero, .write = irq_write};

int pc_testdev_init(struct pc_testdev *t, struct irq_line *lines, pc_testdev_flush_fn on_flush,
		    void *opaque)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	device_init(&t->ioport, "pc-testdev-ioport", PC_TESTDEV_WINDOW_SIZE, &ioport_ops, t);
	device_init(&t->flush, "pc-testdev-flush", PC_TESTDEV_WINDOW_SIZE, &flush_ops, t);
	device_init(&t->ioport_byte, "pc-testdev-ioport-byte", PC_TESTDEV_WINDOW_SIZE, &ioport_ops,
		    t);
	device_init(&t->irq, "pc-testdev-irq", PC_TESTDEV_IRQ_LINES, &irq_ops, t);
	t->lines = lines;
	t->on_flush = on_flush;
	t->opaque = opaque;
	return 0;
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define PC_TESTDEV_STATE_VERSION 1

int pc_testdev_save(struct pc_testdev *t, struct state_writer *w)
{
	pthread_mutex_lock(&t->lock);
	state_begin(w, STATE_KIND_PC_TESTDEV, PC_TESTDEV_STATE_VERSION);
	state_put_u32(w, t->ioport_data);
	int err = state_end(w);
	pthread_mutex_unlock(&t->lock);
	return err;
}

int pc_testdev_load(struct pc_testdev *t, struct state_reader *r)
{
	uint32_t version;
	int err = state_open(r, t->ioport.name, STATE_KIND_PC_TESTDEV, PC_TESTDEV_STATE_VERSION,
			     &version);

	if (err)
		return err;
	uint32_t data = state_get_u32(r);
	if ((err = state_close(r)))
		return err;
	pthread_mutex_lock(&t->lock);
	t->ioport_data = data;
	pthread_mutex_unlock(&t->lock);
	return 0;
}
