/* SPDX-License-Identifier: MIT */
/*
 * The 8250/16550A UART's lines to the outside, shared by the model's three
 * files: devices/pc/serial.c (the register file), serial_line.c (the
 * receive line into its FIFO, the modem-status inputs, the interrupt
 * output) and serial_state.c (save and load). The monitor uses
 * kvmini/serial.h only.
 *
 * Register names, bits and reset values are those of the TI/National
 * PC16550D datasheet (serial.c says which sections). Every function here
 * runs with s->dev.lock held.
 */
#ifndef KVMINI_SERIAL_LINE_H
#define KVMINI_SERIAL_LINE_H

#include <stdbool.h>
#include <stdint.h>

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

/* Whether MCR bit 4 (loopback) is set: the transmitter then feeds the receiver. */
bool serial_line_loopback(const struct serial *s);

/* Bytes the receive FIFO holds: SERIAL_FIFO_SIZE with FIFOs on, else 1 (RBR alone). */
unsigned int serial_line_rx_capacity(const struct serial *s);

/* Empty the receive FIFO (FCR: a FIFO enable change or an RX reset). */
void serial_line_rx_clear(struct serial *s);

/*
 * A character arrives at the receiver. true when stored; false when the
 * FIFO is full, in which case the character is lost and LSR.OE is set.
 */
bool serial_line_rx_push(struct serial *s, uint8_t byte);

/*
 * The guest reads RBR: the oldest byte leaves the FIFO and is returned.
 * With nothing received, RBR keeps (and returns) its old value.
 */
uint8_t serial_line_rx_pop(struct serial *s);

/*
 * The pending interrupt of highest priority among those IER enables, as
 * IIR bits 3:0 (the IIR priority table); IIR_NONE when none is.
 */
uint8_t serial_line_pending(const struct serial *s);

/* Drive s->irq (if wired) to 1 while an enabled interrupt is pending, else 0. */
void serial_line_update_irq(struct serial *s);

/*
 * Recompute MSR's inputs (bits 4-7) from MCR and loopback, setting the
 * delta bits (0-3) of those that changed.
 */
void serial_line_update_msr(struct serial *s);

#endif /* KVMINI_SERIAL_LINE_H */
