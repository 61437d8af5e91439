// SPDX-License-Identifier: MIT
/*
 * The 8250/16550A UART's state (kvmini/device_state.h): its registers and
 * receive FIFO in one blob. A saved state is input like any file: it is
 * read and checked in full, against what the register file (serial.c) can
 * hold, before anything is applied.
 */
#include <pthread.h>
#include <string.h>

#include "kvmini/device_state.h"
#include "kvmini/serial.h"
#include "kvmini/serial_line.h"

#define SERIAL_STATE_VERSION 1

int serial_save(struct serial *s, struct state_writer *w)
{
	pthread_mutex_lock(&s->dev.lock);
	state_begin(w, STATE_KIND_SERIAL, SERIAL_STATE_VERSION);
	state_put_u8(w, s->ier);
	state_put_u8(w, s->lcr);
	state_put_u8(w, s->mcr);
	state_put_u8(w, s->msr);
	state_put_u8(w, s->scr);
	state_put_u8(w, s->dll);
	state_put_u8(w, s->dlm);
	state_put_bool(w, s->fifo_enabled);
	state_put_u8(w, s->rx_trigger);
	state_put_bool(w, s->overrun);
	state_put_bool(w, s->thre_pending);
	state_put_u8(w, s->rbr);
	/* The FIFO oldest byte first: where the ring starts is not guest-visible. */
	state_put_u8(w, (uint8_t)s->rx_count);
	for (unsigned int i = 0; i < s->rx_count; i++)
		state_put_u8(w, s->rx_fifo[(s->rx_head + i) % SERIAL_FIFO_SIZE]);
	int err = state_end(w);
	pthread_mutex_unlock(&s->dev.lock);
	return err;
}

/* Read a serial blob into *t (a copy of s) and check it; s itself is not touched. */
static int serial_state_read(struct serial *t, struct state_reader *r)
{
	uint32_t version;
	int err = state_open(r, t->dev.name, STATE_KIND_SERIAL, SERIAL_STATE_VERSION, &version);

	if (err)
		return err;
	t->ier = state_get_u8(r);
	t->lcr = state_get_u8(r);
	t->mcr = state_get_u8(r);
	t->msr = state_get_u8(r);
	t->scr = state_get_u8(r);
	t->dll = state_get_u8(r);
	t->dlm = state_get_u8(r);
	t->fifo_enabled = state_get_bool(r);
	t->rx_trigger = state_get_u8(r);
	t->overrun = state_get_bool(r);
	t->thre_pending = state_get_bool(r);
	t->rbr = state_get_u8(r);
	uint8_t count = state_get_u8(r);
	/* Checked before the bytes are read: never more than the ring holds. */
	if (count > SERIAL_FIFO_SIZE)
		return state_invalid(r, "receive FIFO holds %u bytes, capacity %u", count,
				     SERIAL_FIFO_SIZE);
	t->rx_head = 0;
	t->rx_count = count;
	state_get_bytes(r, t->rx_fifo, count);
	err = state_close(r);
	if (err)
		return err;

	/* Values the register file cannot hold (see serial_write_reg and friends). */
	if (t->ier & ~IER_MASK)
		return state_invalid(r, "IER %#x has bits 4-7 set", t->ier);
	if (t->mcr & ~MCR_MASK)
		return state_invalid(r, "MCR %#x has bits 5-7 set", t->mcr);
	if (t->rx_trigger != 1 && t->rx_trigger != 4 && t->rx_trigger != 8 && t->rx_trigger != 14)
		return state_invalid(r, "receive trigger level %u is not 1, 4, 8 or 14",
				     t->rx_trigger);
	if (t->rx_count > serial_line_rx_capacity(t))
		return state_invalid(r, "receive FIFO holds %u bytes with FIFOs %s (capacity %u)",
				     t->rx_count, t->fifo_enabled ? "on" : "off",
				     serial_line_rx_capacity(t));
	/* MSR's inputs follow from MCR (serial_line_update_msr); only the deltas are free. */
	struct serial inputs = *t;
	serial_line_update_msr(&inputs);
	if ((t->msr & ~MSR_DELTA) != (inputs.msr & ~MSR_DELTA))
		return state_invalid(r, "MSR inputs %#x do not match MCR %#x", t->msr, t->mcr);
	return 0;
}

int serial_load(struct serial *s, struct state_reader *r)
{
	pthread_mutex_lock(&s->dev.lock);
	struct serial t = *s; /* host wiring and counters are kept as they are */
	int err = serial_state_read(&t, r);
	if (!err) {
		s->ier = t.ier;
		s->lcr = t.lcr;
		s->mcr = t.mcr;
		s->msr = t.msr;
		s->scr = t.scr;
		s->dll = t.dll;
		s->dlm = t.dlm;
		s->fifo_enabled = t.fifo_enabled;
		s->rx_trigger = t.rx_trigger;
		s->overrun = t.overrun;
		s->thre_pending = t.thre_pending;
		s->rbr = t.rbr;
		memcpy(s->rx_fifo, t.rx_fifo, sizeof(s->rx_fifo));
		s->rx_head = t.rx_head;
		s->rx_count = t.rx_count;
		/* The line of the new board starts low: drive it to what the state says. */
		serial_line_update_irq(s);
	}
	pthread_mutex_unlock(&s->dev.lock);
	return err;
}
