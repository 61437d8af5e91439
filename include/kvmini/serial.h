/* SPDX-License-Identifier: MIT */
/*
 * An 8250/16550A UART: the PC's COM port, and the guest's console.
 *
 * The model follows the TI/National PC16550D datasheet ("PC16550D Universal
 * Asynchronous Receiver/Transmitter with FIFOs", its Registers section) closely
 * enough that Linux's 8250 driver detects it as a 16550A and runs
 * console=ttyS0 on it. It is byte-wide: the board registers it with
 * SERIAL_SIZE (8) ports, e.g. at KVMINI_COM1_PORT, with an irq_line on
 * KVMINI_COM1_GSI.
 *
 * Timing is not modelled: a byte written to the transmitter is sent at once,
 * so the transmitter is always empty (LSR.THRE and LSR.TEMT are always 1).
 *
 * Threads: guest accesses arrive through the bus, which holds dev.lock.
 * serial_receive() and serial_rx_room() are called from the I/O thread and
 * take dev.lock themselves.
 */
#ifndef KVMINI_SERIAL_H
#define KVMINI_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvmini/chardev.h"
#include "kvmini/device.h"
#include "kvmini/irq.h"

#define SERIAL_SIZE	 8  /* ports: RBR/THR/DLL, IER/DLM, IIR/FCR, LCR, MCR, LSR, MSR, SCR */
#define SERIAL_FIFO_SIZE 16 /* the 16550's receive FIFO; 1 byte (RBR) when FIFOs are off */

typedef void (*serial_output_fn)(void *opaque, uint8_t byte);

struct serial {
	struct device dev; /* register this on the port-I/O bus */

	/* Wiring, from serial_init(). */
	struct chardev *out;  /* transmitted bytes go here; NULL: discard */
	struct irq_line *irq; /* may be NULL: interrupts are not wired */
	serial_output_fn tap; /* optional copy of every transmitted byte */
	void *tap_opaque;

	/* Registers (PC16550D, Registers section). */
	uint8_t ier;	    /* interrupt enable, bits 0-3 */
	uint8_t lcr;	    /* line control; bit 7 is DLAB */
	uint8_t mcr;	    /* modem control, bits 0-4 */
	uint8_t msr;	    /* modem status: inputs in bits 4-7, their deltas in bits 0-3 */
	uint8_t scr;	    /* scratch */
	uint8_t dll, dlm;   /* divisor latch */
	bool fifo_enabled;  /* FCR bit 0 */
	uint8_t rx_trigger; /* FCR bits 7:6 as a byte count: 1, 4, 8 or 14 */
	bool overrun;	    /* LSR.OE, cleared by reading LSR */
	bool thre_pending;  /* THR-empty interrupt not yet acknowledged */
	uint8_t rbr;	    /* last byte handed to the guest */

	/* Receive FIFO: a ring of rx_count bytes starting at rx_head. */
	uint8_t rx_fifo[SERIAL_FIFO_SIZE];
	unsigned int rx_head, rx_count;

	int irq_level; /* what we last drove on irq */
};

/*
 * Put s in its power-on state (the PC16550D reset table, "Master Reset") and fill in
 * s->dev; the caller then sets s->dev.base and registers s->dev on a bus.
 * out: where transmitted bytes go (the monitor's stdout chardev; NULL
 * discards them). The chardev never blocks: it batches bytes into lines,
 * buffers what a slow reader has not taken, and drops (counting, warning
 * once) what does not fit (include/kvmini/chardev.h).
 * irq: the UART's interrupt output (may be NULL). It is driven as a level:
 * 1 while an enabled interrupt is pending, 0 otherwise.
 * Returns 0 (it cannot fail today; it returns int like every setup step).
 */
int serial_init(struct serial *s, struct chardev *out, struct irq_line *irq);

/*
 * Optional: call tap(opaque, byte) with every byte the guest transmits, before
 * it is handed to out (e.g. to watch the console for "Kernel panic").
 * Call before the vCPUs start. tap runs on a vCPU thread with s->dev.lock
 * held; it must not call back into this serial.
 */
void serial_set_tap(struct serial *s, serial_output_fn tap, void *opaque);

/*
 * How many bytes serial_receive() would accept now: free space in the
 * receive FIFO (16 bytes when the guest enabled FIFOs, else 1). 0 when full:
 * the caller asks again later (the stdin console polls on a 1 ms timer).
 * Takes s->dev.lock. A caller that never wants to lose input offers at most
 * this many bytes.
 */
size_t serial_rx_room(struct serial *s);

/*
 * Bytes arriving on the UART's input wire (from the I/O thread: the host's
 * stdin). Stores buf[0..n) in the receive FIFO, where n is the returned count,
 * and raises the received-data interrupt if enabled. Takes s->dev.lock.
 * When the FIFO fills, the rest is not stored and, as on the real chip when a
 * character arrives at a full FIFO, LSR.OE is set; the caller still owns
 * buf[n..len) and may offer it again later (see serial_rx_room). In loopback mode (MCR bit 4) the
 * input wire is disconnected (PC16550D, MCR bit 4): the bytes are consumed and discarded, and len
 * is returned.
 */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

struct state_writer;
struct state_reader;

/*
 * Save the UART's guest-visible state (registers, receive FIFO, pending
 * interrupt conditions) as one STATE_KIND_SERIAL blob (kvmini/device_state.h).
 * Takes s->dev.lock. 0 or the writer's -errno.
 */
int serial_save(struct serial *s, struct state_writer *w);

/*
 * Load a blob written by serial_save() into s, a serial_init()ed UART whose
 * wiring (out, irq, tap) is kept. Every field is checked
 * before any is applied; on error (-EPROTO, -EINVAL, logged) s is unchanged.
 * On success the irq line is driven to the loaded level. Takes s->dev.lock.
 */
int serial_load(struct serial *s, struct state_reader *r);

#endif /* KVMINI_SERIAL_H */
