/* SPDX-License-Identifier: MIT */
/*
 * Console output on the first 16550A UART (COM1, port 0x3f8).
 */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#include <stddef.h>

/* Enable the UART's transmit FIFO if it has one. Call once, before output. */
void serial_init(void);
/* Send one byte, waiting for room in the transmitter first. */
void serial_putc(char c);
/* Send len bytes of buf. */
void serial_write(const char *buf, size_t len);

#endif /* GUEST_SERIAL_H */
