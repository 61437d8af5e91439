// SPDX-License-Identifier: MIT
/*
 * The 8250/16550A UART's lines to the outside (PC16550D datasheet): the
 * receive line into the receive FIFO, with its overrun rule; the interrupt
 * output and which source it reports (the IIR priority table); the
 * modem-status inputs. The register file (serial.c) calls in here on guest
 * accesses, and the I/O thread through serial_receive() and
 * serial_rx_room() when host input arrives.
 */
#include <pthread.h>

#include "kvmini/serial.h"
#include "kvmini/serial_line.h"

bool serial_line_loopback(const struct serial *s)
{
	return s->mcr & MCR_LOOP;
}

unsigned int serial_line_rx_capacity(const struct serial *s)
{
	/* Without FIFOs the 16550 works like a 16450: one receiver buffer. */
	return s->fifo_enabled ? SERIAL_FIFO_SIZE : 1;
}

void serial_line_rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
}

/* A character arrives at the receiver; false (and LSR.OE) if there is no room. */
bool serial_line_rx_push(struct serial *s, uint8_t byte)
{
	if (s->rx_count >= serial_line_rx_capacity(s)) {
		/* Line Status Register bit 1 (OE): the new character is lost, the FIFO is kept. */
		s->overrun = true;
		return false;
	}
	s->rx_fifo[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
	s->rx_count++;
	return true;
}

/* Guest reads RBR: the oldest byte. With nothing received, RBR keeps its old value. */
uint8_t serial_line_rx_pop(struct serial *s)
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
uint8_t serial_line_pending(const struct serial *s)
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
void serial_line_update_irq(struct serial *s)
{
	int level = serial_line_pending(s) != IIR_NONE;

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
void serial_line_update_msr(struct serial *s)
{
	uint8_t old = s->msr & ~MSR_DELTA;
	uint8_t now = MSR_CTS | MSR_DSR | MSR_DCD;

	if (serial_line_loopback(s)) {
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

size_t serial_rx_room(struct serial *s)
{
	size_t room;

	pthread_mutex_lock(&s->dev.lock);
	room = serial_line_rx_capacity(s) - s->rx_count;
	pthread_mutex_unlock(&s->dev.lock);
	return room;
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->dev.lock);
	if (serial_line_loopback(s)) {
		n = len; /* the input wire is disconnected in loopback */
	} else {
		while (n < len && serial_line_rx_push(s, buf[n]))
			n++;
	}
	serial_line_update_irq(s);
	pthread_mutex_unlock(&s->dev.lock);
	return n;
}
