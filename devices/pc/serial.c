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
 *
 * This file is the register file: what a guest read or write of each port
 * does, the device's ops and its reset. The receive FIFO, the interrupt
 * output and the modem-status inputs are serial_line.c; the saved state is
 * serial_state.c.
 */
#include <string.h>

#include "kvmini/chardev.h"
#include "kvmini/serial.h"
#include "kvmini/serial_line.h"

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
	if (serial_line_loopback(s))
		serial_line_rx_push(s, byte);
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
		serial_line_rx_clear(s);
	s->fifo_enabled = enable;
	/* The other FCR bits are only programmed by a write that has bit 0 set. */
	if (!enable)
		return;
	if (value & FCR_RX_RESET)
		serial_line_rx_clear(s);
	s->rx_trigger = trigger[value >> 6];
}

static uint8_t serial_read_reg(struct serial *s, uint64_t offset)
{
	bool dlab = s->lcr & LCR_DLAB;
	uint8_t v;

	switch (offset) {
	case UART_RBR:
		return dlab ? s->dll : serial_line_rx_pop(s);
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		v = serial_line_pending(s);
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
		serial_line_update_msr(s);
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
	serial_line_update_irq(s);
}

static void serial_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct serial *s = dev->priv;

	for (uint32_t i = 0; i < len; i++) {
		if (offset + i < SERIAL_SIZE)
			serial_write_reg(s, offset + i, data[i]);
	}
	serial_line_update_irq(s);
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
	serial_line_update_msr(s);
	s->msr &= ~MSR_DELTA; /* the inputs were already on at power-on */
	return 0;
}

void serial_set_tap(struct serial *s, serial_output_fn tap, void *opaque)
{
	s->tap = tap;
	s->tap_opaque = opaque;
}
