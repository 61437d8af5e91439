/* SPDX-License-Identifier: MIT */
/*
 * Transmit-only driver for a 16550A UART at COM1.
 *
 * Register offsets and bits follow the 16550A data sheet (National
 * Semiconductor / TI, "PC16550D UART with FIFOs"):
 *   +0 THR  transmitter holding register (write)
 *   +2 FCR  FIFO control (write)  /  IIR interrupt identification (read)
 *   +5 LSR  line status; bit 5 THRE = transmitter holding register (or, in
 *           FIFO mode, the whole transmit FIFO) is empty
 *
 * Every port access is a VM exit (about 8 us on the development host), so
 * the driver keeps them few. Baud rate and line format are left as they are:
 * a virtual UART ignores them. Before a byte is sent, LSR.THRE must say there
 * is room; when THRE is set in FIFO mode, the 16-byte transmit FIFO is empty,
 * so we may send 16 bytes before we have to look at LSR again.
 */
#include <stdbool.h>
#include <stdint.h>

#include <abi/kvmini_abi.h>

#include "io.h"
#include "serial.h"

#define UART_THR 0
#define UART_FCR 2
#define UART_IIR 2
#define UART_LSR 5

#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RX    0x02
#define UART_FCR_CLEAR_TX    0x04
#define UART_IIR_FIFO_MASK   0xc0 /* both set: the FIFOs are enabled and work */
#define UART_LSR_THRE	     0x20
#define UART_TX_FIFO_SIZE    16

/*
 * An LSR that never reports THRE would hang the guest; a console that loses
 * a byte is the lesser evil, so give up waiting after this many reads.
 */
#define UART_THRE_POLL_LIMIT 100000

static unsigned int tx_burst = 1; /* bytes we may send after THRE was seen */
static unsigned int tx_room;	  /* bytes we may still send without polling */

void serial_init(void)
{
	outb(KVMINI_COM1_PORT + UART_FCR,
	     UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	if ((inb(KVMINI_COM1_PORT + UART_IIR) & UART_IIR_FIFO_MASK) == UART_IIR_FIFO_MASK)
		tx_burst = UART_TX_FIFO_SIZE;
	tx_room = 0;
}

static void serial_wait_for_room(void)
{
	for (unsigned int i = 0; i < UART_THRE_POLL_LIMIT; i++) {
		if (inb(KVMINI_COM1_PORT + UART_LSR) & UART_LSR_THRE)
			break;
	}
	tx_room = tx_burst;
}

void serial_putc(char c)
{
	if (tx_room == 0)
		serial_wait_for_room();
	outb(KVMINI_COM1_PORT + UART_THR, (uint8_t)c);
	tx_room--;
}

void serial_write(const char *buf, size_t len)
{
	while (len > 0) {
		size_t n;

		if (tx_room == 0)
			serial_wait_for_room();
		n = len < tx_room ? len : tx_room;
		/*
		 * One `rep outsb` for the whole burst: the same port writes as
		 * a loop of outb, but where KVM emulates guest code it saves
		 * the loop's instructions (about 0.6 us each).
		 */
		outsb(KVMINI_COM1_PORT + UART_THR, buf, n);
		tx_room -= n;
		buf += n;
		len -= n;
	}
}
