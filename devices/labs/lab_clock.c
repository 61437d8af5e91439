// SPDX-License-Identifier: MIT
/*
 * Lab 2 reference solution: the lab clock (registers in
 * include/abi/kvmini_labs.h). Like every device model it knows nothing of
 * KVM or of its address: it sees offsets from its base, through the two
 * callbacks of struct device_ops, which the bus calls with dev.lock held.
 */
#include <stdbool.h>

#include "abi/kvmini_labs.h"
#include "kvmini/device_state.h"
#include "kvmini/lab_clock.h"

#define REG_SIZE 4

/*
 * Which register an access touches, and at which bit its first byte sits.
 * False if it is empty or crosses a register boundary.
 */
static bool decode(uint64_t offset, uint32_t len, uint64_t *reg, unsigned int *shift)
{
	uint64_t in_reg = offset % REG_SIZE;

	if (len == 0 || len > REG_SIZE || in_reg + len > REG_SIZE)
		return false;
	*reg = offset - in_reg;
	*shift = (unsigned int)in_reg * 8;
	return true;
}

static void clock_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct lab_clock *clk = dev->priv;
	uint64_t reg;
	unsigned int shift = 0; /* 0 when decode() refuses the access */
	uint32_t value = 0;

	if (decode(offset, len, &reg, &shift)) {
		switch (reg) {
		case LAB_CLOCK_ID:
			value = LAB_CLOCK_MAGIC;
			break;
		case LAB_CLOCK_LOW:
			value = (uint32_t)clk->latch;
			break;
		case LAB_CLOCK_HIGH:
			value = (uint32_t)(clk->latch >> 32);
			break;
		default:
			break; /* CONTROL is write-only */
		}
	}
	device_store_le(data, len, value >> shift);
}

static void clock_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct lab_clock *clk = dev->priv;

	/* Only a whole-register write of LATCH to CONTROL does anything. */
	if (offset == LAB_CLOCK_CONTROL && len == REG_SIZE &&
	    device_load_le(data, len) == LAB_CLOCK_LATCH)
		clk->latch = clk->now_ns() - clk->start_ns;
}

static const struct device_ops lab_clock_ops = {
	.read = clock_read,
	.write = clock_write,
};

void lab_clock_init(struct lab_clock *clk, lab_clock_source now_ns)
{
	device_init(&clk->dev, "lab-clock", LAB_CLOCK_SIZE, &lab_clock_ops, clk);
	clk->now_ns = now_ns;
	clk->start_ns = now_ns();
	clk->latch = 0;
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define LAB_CLOCK_STATE_VERSION 1

int lab_clock_save(struct lab_clock *clk, struct state_writer *w)
{
	pthread_mutex_lock(&clk->dev.lock);
	state_begin(w, STATE_KIND_LAB_CLOCK, LAB_CLOCK_STATE_VERSION);
	/* start_ns is a host clock reading, meaningless on another host: save elapsed time. */
	state_put_u64(w, clk->now_ns() - clk->start_ns);
	state_put_u64(w, clk->latch);
	int err = state_end(w);
	pthread_mutex_unlock(&clk->dev.lock);
	return err;
}

int lab_clock_load(struct lab_clock *clk, struct state_reader *r)
{
	uint32_t version;
	int err = state_open(r, clk->dev.name, STATE_KIND_LAB_CLOCK, LAB_CLOCK_STATE_VERSION,
			     &version);

	if (err)
		return err;
	uint64_t elapsed = state_get_u64(r);
	uint64_t latch = state_get_u64(r);
	err = state_close(r);
	if (err)
		return err;
	pthread_mutex_lock(&clk->dev.lock);
	/* Every u64 is a time the clock reaches; the subtraction wraps as the reads do. */
	clk->start_ns = clk->now_ns() - elapsed;
	clk->latch = latch;
	pthread_mutex_unlock(&clk->dev.lock);
	return 0;
}
