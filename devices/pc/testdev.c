// SPDX-License-Identifier: MIT
/*
 * The kvmini test device (include/abi/kvmini_abi.h, access rules in
 * include/kvmini/testdev.h). Both windows are a row of equal-sized
 * little-endian registers; an access is first mapped to one register and
 * the byte range it covers in that register, then the register decides.
 */
#include <string.h>

#include "abi/kvmini_abi.h"
#include "kvmini/device_state.h"
#include "kvmini/log.h"
#include "kvmini/testdev.h"

#define PIO_REG_SIZE  4
#define MMIO_REG_SIZE 8

/* Which register, and which bytes of it, an access covers. */
struct reg_access {
	uint64_t reg;	/* register offset in the window (a multiple of its size) */
	unsigned shift; /* bit position of the first byte covered */
	uint64_t mask;	/* value mask for len bytes */
};

/* False if [offset, offset+len) is empty or does not lie within one register. */
static bool reg_access_decode(uint64_t offset, uint32_t len, uint64_t reg_size,
			      struct reg_access *ra)
{
	uint64_t in_reg = offset % reg_size;

	if (len == 0 || len > reg_size || in_reg + len > reg_size)
		return false;
	ra->reg = offset - in_reg;
	ra->shift = (unsigned)in_reg * 8;
	ra->mask = len == 8 ? ~0ULL : (1ULL << (len * 8)) - 1;
	return true;
}

static void testdev_complain(struct testdev *td, const char *window, uint64_t offset, uint32_t len)
{
	log_once(&td->warned, LOG_WARN,
		 "testdev: %s access of %u bytes at offset 0x%llx fits no register; ignored",
		 window, len, (unsigned long long)offset);
}

/* ---- port-I/O window ---------------------------------------------------- */

static void testdev_pio_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct testdev *td = dev->priv;
	struct reg_access ra;
	uint64_t value = 0;

	if (!reg_access_decode(offset, len, PIO_REG_SIZE, &ra)) {
		testdev_complain(td, "pio", offset, len);
		device_store_le(data, len, 0);
		return;
	}
	switch (ra.reg) {
	case KVMINI_TESTDEV_SCRATCH:
		value = td->pio_scratch;
		break;
	case KVMINI_TESTDEV_COUNTER:
		value = td->pio_counter++;
		break;
	default:
		break; /* EXIT and MARKER are write-only */
	}
	device_store_le(data, len, (value >> ra.shift) & ra.mask);
}

static void testdev_pio_write(struct device *dev, uint64_t offset, const uint8_t *data,
			      uint32_t len)
{
	struct testdev *td = dev->priv;
	struct reg_access ra;

	if (!reg_access_decode(offset, len, PIO_REG_SIZE, &ra)) {
		testdev_complain(td, "pio", offset, len);
		return;
	}
	uint64_t value = device_load_le(data, len) & ra.mask;
	switch (ra.reg) {
	case KVMINI_TESTDEV_EXIT:
		if (ra.shift == 0 && td->on_exit)
			td->on_exit(td->opaque, value & 0xff);
		break;
	case KVMINI_TESTDEV_MARKER:
		if (ra.shift == 0 && td->on_marker)
			td->on_marker(td->opaque, value & 0xff);
		break;
	case KVMINI_TESTDEV_SCRATCH:
		td->pio_scratch &= ~(uint32_t)(ra.mask << ra.shift);
		td->pio_scratch |= (uint32_t)(value << ra.shift);
		break;
	default:
		break; /* COUNTER is read-only */
	}
}

/* ---- MMIO window -------------------------------------------------------- */

static void testdev_mmio_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct testdev *td = dev->priv;
	struct reg_access ra;
	uint64_t value = 0;

	if (!reg_access_decode(offset, len, MMIO_REG_SIZE, &ra)) {
		testdev_complain(td, "mmio", offset, len);
		device_store_le(data, len, 0);
		return;
	}
	switch (ra.reg) {
	case KVMINI_TESTDEV_MMIO_SCRATCH:
		value = td->mmio_scratch;
		break;
	case KVMINI_TESTDEV_MMIO_COUNTER:
		value = td->mmio_counter++;
		break;
	case KVMINI_TESTDEV_MMIO_MAGIC:
		value = KVMINI_TESTDEV_MAGIC;
		break;
	default:
		break; /* the rest of the page reads as 0 */
	}
	device_store_le(data, len, (value >> ra.shift) & ra.mask);
}

static void testdev_mmio_write(struct device *dev, uint64_t offset, const uint8_t *data,
			       uint32_t len)
{
	struct testdev *td = dev->priv;
	struct reg_access ra;

	if (!reg_access_decode(offset, len, MMIO_REG_SIZE, &ra)) {
		testdev_complain(td, "mmio", offset, len);
		return;
	}
	if (ra.reg != KVMINI_TESTDEV_MMIO_SCRATCH)
		return; /* COUNTER and MAGIC are read-only; unknown offsets ignore writes */
	uint64_t value = device_load_le(data, len) & ra.mask;
	td->mmio_scratch &= ~(ra.mask << ra.shift);
	td->mmio_scratch |= value << ra.shift;
}

static const struct device_ops testdev_pio_ops = {
	.read = testdev_pio_read,
	.write = testdev_pio_write,
};

static const struct device_ops testdev_mmio_ops = {
	.read = testdev_mmio_read,
	.write = testdev_mmio_write,
};

int testdev_init(struct testdev *td, testdev_exit_fn on_exit, testdev_marker_fn on_marker,
		 void *opaque)
{
	memset(td, 0, sizeof(*td));
	device_init(&td->pio, "testdev-pio", KVMINI_TESTDEV_PIO_SIZE, &testdev_pio_ops, td);
	device_init(&td->mmio, "testdev-mmio", KVMINI_TESTDEV_MMIO_SIZE, &testdev_mmio_ops, td);
	td->on_exit = on_exit;
	td->on_marker = on_marker;
	td->opaque = opaque;
	return 0;
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define TESTDEV_STATE_VERSION 1

/* The two windows are separate devices on separate buses: hold both locks, pio first. */
static void testdev_lock(struct testdev *td)
{
	pthread_mutex_lock(&td->pio.lock);
	pthread_mutex_lock(&td->mmio.lock);
}

static void testdev_unlock(struct testdev *td)
{
	pthread_mutex_unlock(&td->mmio.lock);
	pthread_mutex_unlock(&td->pio.lock);
}

int testdev_save(struct testdev *td, struct state_writer *w)
{
	testdev_lock(td);
	state_begin(w, STATE_KIND_TESTDEV, TESTDEV_STATE_VERSION);
	state_put_u32(w, td->pio_scratch);
	state_put_u32(w, td->pio_counter);
	state_put_u64(w, td->mmio_scratch);
	state_put_u64(w, td->mmio_counter);
	int err = state_end(w);
	testdev_unlock(td);
	return err;
}

int testdev_load(struct testdev *td, struct state_reader *r)
{
	uint32_t version;
	int err = state_open(r, td->pio.name, STATE_KIND_TESTDEV, TESTDEV_STATE_VERSION, &version);

	if (err)
		return err;
	uint32_t pio_scratch = state_get_u32(r);
	uint32_t pio_counter = state_get_u32(r);
	uint64_t mmio_scratch = state_get_u64(r);
	uint64_t mmio_counter = state_get_u64(r);
	err = state_close(r);
	if (err)
		return err;

	testdev_lock(td);
	td->pio_scratch = pio_scratch;
	td->pio_counter = pio_counter;
	td->mmio_scratch = mmio_scratch;
	td->mmio_counter = mmio_counter;
	testdev_unlock(td);
	return 0;
}
