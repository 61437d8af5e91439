// SPDX-License-Identifier: MIT
/*
 * The 8250/16550A UART. Register names, bits and reset values are those of
 * the TI/National PC16550D datasheet: its "Registers" section (one
 * subsection per register, cited below by register name), the register
 * summary table, and the reset-configuration table ("Master Reset").
 *
 * What Linux's 8250 driver (drivers/tty/serial/8250/8250_port.c) relies on:
 *  - autoconfig(): IER keeps only bits 0-3; in loopback with MCR = 0x1a the
 *    high nibble of MSR reads 0x90; FCR bit 0 makes IIR bits 7:6 read 11b,
 *    which identifies a 16550A; IIR bit 5 stays 0 (no 64-byte 16750 FIFO).
 *  - serial8250_do_startup(): writing IER.ETBEI while THR is empty raises
 *    the THRE interrupt, and clearing and setting ETBEI raises it again
 *    (else the driver marks the port UART_BUG_THRE and polls it).
 *  - the interrupt handler loops until IIR bit 0 says "nothing pending".
 */
#include <pthread.h>
#include <string.h>

#include "kvmini/chardev.h"
#include "kvmini/device_state.h"
#include "kvmini/serial.h"

/* Register offsets (register summary table). DLAB = LCR bit 7 switches offsets 0 and 1. */
enum {
	UART_RBR = 0, /* R, DLAB=0: receiver buffer */
	UART_THR = 0, /* W, DLAB=0: transmitter holding */
	UART_DLL = 0, /* DLAB=1: divisor latch, low byte */
	UART_IER = 1, /* DLAB=0: interrupt enable */
	UART_DLM = 1, /* DLAB=1: divisor latch, high byte */
	UART_IIR = 2, /* R: interrupt identification */
	UART_FCR = 2, /* W: FIFO control */
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

/* Interrupt Enable Register: which sources may interrupt. Bits 4-7 are always 0. */
#define IER_ERBFI 0x01 /* received data available (and FIFO timeout) */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK  0x0f

/* Interrupt Identification Register: bit 0 is 0 while an interrupt is pending. */
#define IIR_NONE     0x01
#define IIR_LINE     0x06 /* priority 1: OE, PE, FE or BI; cleared by reading LSR */
#define IIR_RX_DATA  0x04 /* priority 2: FIFO at trigger level; cleared below it */
#define IIR_RX_TIMEO 0x0c /* priority 2: data below trigger level (FIFO mode) */
#define IIR_THRE     0x02 /* priority 3: cleared by reading IIR or writing THR */
#define IIR_MODEM    0x00 /* priority 4: cleared by reading MSR */
#define IIR_FIFO_ON  0xc0 /* bits 7:6 set when FCR bit 0 is set */

/* FIFO Control Register. */
#define FCR_ENABLE   0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04 /* nothing to do: our transmitter never holds data */

/* Line Control Register. */
#define LCR_DLAB 0x80

/* Modem Control Register: bits 5-7 are always 0. */
#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

/* Line Status Register. */
#define LSR_DR	 0x01 /* data ready */
#define LSR_OE	 0x02 /* overrun error */
#define LSR_THRE 0x20 /* transmitter holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */

/* Modem Status Register: current inputs in bits 4-7, "changed since last read" in 0-3. */
#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04 /* RI went from on to off */
#define MSR_DDCD  0x08
#define MSR_CTS	  0x10
#define MSR_DSR	  0x20
#define MSR_RI	  0x40
#define MSR_DCD	  0x80
#define MSR_DELTA 0x0f

static bool serial_loopback(const struct serial *s)
{
	return s->mcr & MCR_LOOP;
}

static unsigned int serial_rx_capacity(const struct serial *s)
{
	/* Without FIFOs the 16550 works like a 16450: one receiver buffer. */
	return s->fifo_enabled ? SERIAL_FIFO_SIZE : 1;
}

static void serial_rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
}

/* A character arrives at the receiver; false (and LSR.OE) if there is no room. */
static bool serial_rx_push(struct serial *s, uint8_t byte)
{
	if (s->rx_count >= serial_rx_capacity(s)) {
		/* Line Status Register bit 1 (OE): the new character is lost, the FIFO is kept. */
		s->overrun = true;
		return false;
	}
	s->rx_fifo[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
	s->rx_count++;
	return true;
}

/* Guest reads RBR: the oldest byte. With nothing received, RBR keeps its old value. */
static uint8_t serial_rx_pop(struct serial *s)
{
	if (s->rx_count > 0) {
		s->rbr = s->rx_fifo[s->rx_head];
		s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
		s->rx_count--;
	}
	return s->rbr;
}

/*
 * The pending interrupt of highest priority, as IIR bits 3:0 (the IIR
 * priority table). Only the sources enabled in IER count.
 */
static uint8_t serial_pending(const struct serial *s)
{
	if ((s->ier & IER_ELSI) && s->overrun)
		return IIR_LINE;
	if ((s->ier & IER_ERBFI) && s->rx_count > 0) {
		/*
		 * In FIFO mode, data below the trigger level is reported as a
		 * character timeout, which real hardware raises after four
		 * idle character times. We have no character times, so the
		 * timeout is due at once.
		 */
		if (s->fifo_enabled && s->rx_count < s->rx_trigger)
			return IIR_RX_TIMEO;
		return IIR_RX_DATA;
	}
	if ((s->ier & IER_ETBEI) && s->thre_pending)
		return IIR_THRE;
	if ((s->ier & IER_EDSSI) && (s->msr & MSR_DELTA))
		return IIR_MODEM;
	return IIR_NONE;
}

/*
 * Drive the interrupt output. MCR.OUT2, which gates IRQ4 on a real PC board,
 * is not modelled (neither does QEMU): a guest that enables interrupts in IER
 * gets them.
 */
static void serial_update_irq(struct serial *s)
{
	int level = serial_pending(s) != IIR_NONE;

	if (level != s->irq_level) {
		s->irq_level = level;
		irq_set_level(s->irq, level);
	}
}

/*
 * Recompute the modem-status inputs (Modem Status Register). Not in
 * loopback, the other end is always a ready terminal: CTS, DSR and DCD on,
 * RI off. In loopback, the inputs are wired to MCR: CTS = RTS, DSR = DTR,
 * RI = OUT1, DCD = OUT2. Changes set the delta bits; reading MSR clears them.
 */
static void serial_update_msr(struct serial *s)
{
	uint8_t old = s->msr & ~MSR_DELTA;
	uint8_t now = MSR_CTS | MSR_DSR | MSR_DCD;

	if (serial_loopback(s)) {
		now = 0;
		if (s->mcr & MCR_RTS)
			now |= MSR_CTS;
		if (s->mcr & MCR_DTR)
			now |= MSR_DSR;
		if (s->mcr & MCR_OUT1)
			now |= MSR_RI;
		if (s->mcr & MCR_OUT2)
			now |= MSR_DCD;
	}
	uint8_t delta = s->msr & MSR_DELTA;
	if ((old ^ now) & MSR_CTS)
		delta |= MSR_DCTS;
	if ((old ^ now) & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(now & MSR_RI))
		delta |= MSR_TERI;
	if ((old ^ now) & MSR_DCD)
		delta |= MSR_DDCD;
	s->msr = now | delta;
}

/*
 * A transmitted byte leaves the chip. The chardev batches bytes into lines
 * and never blocks: a reader that stops reading costs the guest its output,
 * never its vCPU (include/kvmini/chardev.h).
 */
static void serial_output(struct serial *s, uint8_t byte)
{
	if (s->tap)
		s->tap(s->tap_opaque, byte);
	if (s->out)
		chardev_write(s->out, &byte, 1);
}

/* THR write: "sent" at once, so THR is empty again and THRE is pending. */
static void serial_transmit(struct serial *s, uint8_t byte)
{
	/* In loopback (MCR bit 4) the transmitter output feeds the receiver. */
	if (serial_loopback(s))
		serial_rx_push(s, byte);
	else
		serial_output(s, byte);
	s->thre_pending = true;
}

static void serial_write_ier(struct serial *s, uint8_t value)
{
	uint8_t old = s->ier;

	s->ier = value & IER_MASK;
	/*
	 * Enabling ETBEI while THR is empty raises the THRE interrupt, even if
	 * an IIR read acknowledged it before. The datasheet does not spell
	 * this out, but real 16550s behave so and Linux's startup test
	 * (UART_BUG_THRE) relies on it. Only a 0 -> 1 change re-arms it.
	 */
	if (!(old & IER_ETBEI) && (s->ier & IER_ETBEI))
		s->thre_pending = true;
}

static void serial_write_fcr(struct serial *s, uint8_t value)
{
	static const uint8_t trigger[4] = {1, 4, 8, 14};
	bool enable = value & FCR_ENABLE;

	/* FCR bit 0: changing it clears both FIFOs. */
	if (enable != s->fifo_enabled)
		serial_rx_clear(s);
	s->fifo_enabled = enable;
	/* The other FCR bits are only programmed by a write that has bit 0 set. */
	if (!enable)
		return;
	if (value & FCR_RX_RESET)
		serial_rx_clear(s);
	s->rx_trigger = trigger[value >> 6];
}

static uint8_t serial_read_reg(struct serial *s, uint64_t offset)
{
	bool dlab = s->lcr & LCR_DLAB;
	uint8_t v;

	switch (offset) {
	case UART_RBR:
		return dlab ? s->dll : serial_rx_pop(s);
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		v = serial_pending(s);
		/* IIR: reading it acknowledges a THRE interrupt it reports. */
		if (v == IIR_THRE)
			s->thre_pending = false;
		return v | (s->fifo_enabled ? IIR_FIFO_ON : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT;
		if (s->rx_count > 0)
			v |= LSR_DR;
		if (s->overrun)
			v |= LSR_OE;
		s->overrun = false; /* error bits clear when LSR is read */
		return v;
	case UART_MSR:
		v = s->msr;
		s->msr &= ~MSR_DELTA;
		return v;
	case UART_SCR:
		return s->scr;
	}
	return 0xff;
}

static void serial_write_reg(struct serial *s, uint64_t offset, uint8_t value)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (offset) {
	case UART_THR:
		if (dlab)
			s->dll = value;
		else
			serial_transmit(s, value);
		break;
	case UART_IER:
		if (dlab)
			s->dlm = value;
		else
			serial_write_ier(s, value);
		break;
	case UART_FCR:
		serial_write_fcr(s, value);
		break;
	case UART_LCR:
		s->lcr = value; /* word length, parity, stop bits: no meaning without a wire */
		break;
	case UART_MCR:
		s->mcr = value & MCR_MASK;
		serial_update_msr(s);
		break;
	case UART_SCR:
		s->scr = value;
		break;
	default:
		break; /* LSR and MSR are read-only (writes are for factory test) */
	}
}

/*
 * The UART is an 8-bit device. A wider access (inw/inl) is what an ISA bus
 * does with it: one byte access per port, in address order.
 */
static void serial_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct serial *s = dev->priv;

	for (uint32_t i = 0; i < len; i++)
		data[i] = offset + i < SERIAL_SIZE ? serial_read_reg(s, offset + i) : 0xff;
	serial_update_irq(s);
}

static void serial_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct serial *s = dev->priv;

	for (uint32_t i = 0; i < len; i++) {
		if (offset + i < SERIAL_SIZE)
			serial_write_reg(s, offset + i, data[i]);
	}
	serial_update_irq(s);
}

static const struct device_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

int serial_init(struct serial *s, struct chardev *out, struct irq_line *irq)
{
	memset(s, 0, sizeof(*s));
	device_init(&s->dev, "serial", SERIAL_SIZE, &serial_ops, s);
	s->out = out;
	s->irq = irq;
	/* Master Reset table: IER, FCR, LCR, MCR = 0; IIR = 01h; LSR = 60h. */
	s->rx_trigger = 1;
	s->dll = 12; /* not reset by the chip; 12 is 9600 baud from a 1.8432 MHz clock */
	serial_update_msr(s);
	s->msr &= ~MSR_DELTA; /* the inputs were already on at power-on */
	return 0;
}

void serial_set_tap(struct serial *s, serial_output_fn tap, void *opaque)
{
	s->tap = tap;
	s->tap_opaque = opaque;
}

size_t serial_rx_room(struct serial *s)
{
	size_t room;

	pthread_mutex_lock(&s->dev.lock);
	room = serial_rx_capacity(s) - s->rx_count;
	pthread_mutex_unlock(&s->dev.lock);
	return room;
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->dev.lock);
	if (serial_loopback(s)) {
		n = len; /* the input wire is disconnected in loopback */
	} else {
		while (n < len && serial_rx_push(s, buf[n]))
			n++;
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->dev.lock);
	return n;
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

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
	if (t->rx_count > serial_rx_capacity(t))
		return state_invalid(r, "receive FIFO holds %u bytes with FIFOs %s (capacity %u)",
				     t->rx_count, t->fifo_enabled ? "on" : "off",
				     serial_rx_capacity(t));
	/* MSR's inputs follow from MCR (serial_update_msr); only the deltas are free. */
	struct serial inputs = *t;
	serial_update_msr(&inputs);
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
		serial_update_irq(s);
	}
	pthread_mutex_unlock(&s->dev.lock);
	return err;
}
