/* SPDX-License-Identifier: MIT */
/*
 * Formatted output for the tiny guest: a small subset of C11 printf (7.21.6.1).
 *
 * Conversions: %d %i %u %x %X %c %s %p %%.
 * Flags: '-' (left-justify), '0' (zero-pad), '#' (0x prefix for %x).
 * Width and, for %s, precision: a number or '*'.
 * Length modifiers: hh h l ll z. No floating point.
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define GUEST_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))

/* Print to the serial console. Returns the number of characters printed. */
int printf(const char *fmt, ...) GUEST_PRINTF(1, 2);
int vprintf(const char *fmt, va_list ap) GUEST_PRINTF(1, 0);

/*
 * Format into buf, writing at most size bytes including the terminating NUL
 * (none if size is 0). Returns the length the full output would have.
 */
int snprintf(char *buf, size_t size, const char *fmt, ...) GUEST_PRINTF(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) GUEST_PRINTF(3, 0);

/* Print a string and a newline. Returns the number of characters printed. */
int puts(const char *s);

#endif /* GUEST_PRINTF_H */
