/* SPDX-License-Identifier: MIT */
/*
 * printf for the tiny guest (see printf.h for the supported subset).
 *
 * One formatter, format(), writes characters into a `struct sink`: either a
 * caller's buffer (snprintf) or a small staging buffer that is flushed to
 * the serial console (printf). Runs of plain text in the format string go to
 * the console in one piece, without being copied. That matters where KVM
 * emulates guest kernel code: there every instruction spent per character
 * costs about 0.6 us, on top of the port write itself.
 *
 * Numbers are converted into a small local buffer, then padded. No division
 * by a variable: only by the constant 10 or 16, which GCC turns into
 * multiplications and shifts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "printf.h"
#include "serial.h"

#define CONSOLE_STAGING_SIZE 64

struct sink {
	char *buf;    /* where characters go */
	size_t size;  /* room in buf for characters (snprintf: without the NUL) */
	size_t len;   /* characters in buf */
	size_t count; /* characters produced so far, stored or not */
	bool console; /* buf is staging for the serial console */
};

static void sink_flush(struct sink *sink)
{
	if (sink->console && sink->len) {
		serial_write(sink->buf, sink->len);
		sink->len = 0;
	}
}

static void sink_putc(struct sink *sink, char c)
{
	sink->count++;
	if (sink->len == sink->size) {
		if (!sink->console)
			return; /* snprintf: truncate */
		sink_flush(sink);
	}
	sink->buf[sink->len++] = c;
}

static void sink_write(struct sink *sink, const char *str, size_t n)
{
	if (sink->console) {
		sink_flush(sink);
		serial_write(str, n);
		sink->count += n;
		return;
	}
	for (size_t i = 0; i < n; i++)
		sink_putc(sink, str[i]);
}

static void sink_pad(struct sink *sink, char c, int n)
{
	for (; n > 0; n--)
		sink_putc(sink, c);
}

struct spec {
	bool left;     /* '-' */
	bool zero;     /* '0' */
	bool alt;      /* '#' */
	int width;     /* minimum field width, 0 if none */
	int precision; /* maximum string length for %s, -1 if none */
	int length;    /* number of 'l' (2 for ll and z), -1 for h, -2 for hh */
};

/* Emit str (len bytes) with the padding that spec asks for. */
static void emit_field(struct sink *sink, const struct spec *spec, const char *prefix,
		       const char *str, int len)
{
	int prefix_len = (int)strlen(prefix);
	int pad = spec->width - len - prefix_len;

	if (spec->zero && !spec->left) {
		/* Zeros go between the sign or 0x and the digits. */
		sink_write(sink, prefix, prefix_len);
		sink_pad(sink, '0', pad);
	} else {
		if (!spec->left)
			sink_pad(sink, ' ', pad);
		sink_write(sink, prefix, prefix_len);
	}
	sink_write(sink, str, len);
	if (spec->left)
		sink_pad(sink, ' ', pad);
}

static void emit_number(struct sink *sink, const struct spec *spec, uint64_t value, bool negative,
			unsigned int base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int pos = sizeof(tmp);

	do {
		/* base is 10 or 16: spell both out so GCC avoids a real divide. */
		unsigned int d = base == 16 ? value % 16 : value % 10;

		value = base == 16 ? value / 16 : value / 10;
		tmp[--pos] = digits[d];
	} while (value != 0);
	emit_field(sink, spec, negative ? "-" : prefix, tmp + pos, (int)sizeof(tmp) - pos);
}

/* Fetch an integer argument of the size the length modifier says. */
static uint64_t arg_unsigned(const struct spec *spec, va_list *ap)
{
	if (spec->length >= 1)
		return va_arg(*ap, unsigned long);
	if (spec->length == -1)
		return (unsigned short)va_arg(*ap, unsigned int);
	if (spec->length == -2)
		return (unsigned char)va_arg(*ap, unsigned int);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(const struct spec *spec, va_list *ap)
{
	if (spec->length >= 1)
		return va_arg(*ap, long);
	if (spec->length == -1)
		return (short)va_arg(*ap, int);
	if (spec->length == -2)
		return (signed char)va_arg(*ap, int);
	return va_arg(*ap, int);
}

/* Parse flags, width, precision and length of one conversion. */
static const char *parse_spec(const char *fmt, struct spec *spec, va_list *ap)
{
	*spec = (struct spec){.precision = -1};
	for (;; fmt++) {
		if (*fmt == '-')
			spec->left = true;
		else if (*fmt == '0')
			spec->zero = true;
		else if (*fmt == '#')
			spec->alt = true;
		else
			break;
	}
	if (*fmt == '*') {
		spec->width = va_arg(*ap, int);
		if (spec->width < 0) { /* C11 7.21.6.1p5: a '-' flag and a width */
			spec->left = true;
			spec->width = -spec->width;
		}
		fmt++;
	}
	for (; *fmt >= '0' && *fmt <= '9'; fmt++)
		spec->width = spec->width * 10 + (*fmt - '0');
	if (*fmt == '.') {
		fmt++;
		spec->precision = 0;
		if (*fmt == '*') {
			spec->precision = va_arg(*ap, int);
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			spec->precision = spec->precision * 10 + (*fmt - '0');
	}
	for (;; fmt++) {
		if (*fmt == 'l')
			spec->length++;
		else if (*fmt == 'z')
			spec->length = 2;
		else if (*fmt == 'h')
			spec->length--;
		else
			break;
	}
	return fmt;
}

static void format(struct sink *sink, const char *fmt, va_list ap)
{
	struct spec spec;
	va_list args;

	va_copy(args, ap);
	while (*fmt != '\0') {
		if (*fmt != '%') {
			const char *text = fmt;

			while (*fmt != '\0' && *fmt != '%')
				fmt++;
			sink_write(sink, text, (size_t)(fmt - text));
			continue;
		}
		fmt = parse_spec(fmt + 1, &spec, &args);
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&spec, &args);
			uint64_t magnitude = v < 0 ? -(uint64_t)v : (uint64_t)v;

			emit_number(sink, &spec, magnitude, v < 0, 10, false, "");
			break;
		}
		case 'u':
			emit_number(sink, &spec, arg_unsigned(&spec, &args), false, 10, false, "");
			break;
		case 'x':
		case 'X':
			emit_number(sink, &spec, arg_unsigned(&spec, &args), false, 16, *fmt == 'X',
				    spec.alt ? "0x" : "");
			break;
		case 'p':
			emit_number(sink, &spec, (uintptr_t)va_arg(args, void *), false, 16, false,
				    "0x");
			break;
		case 'c': {
			char c = (char)va_arg(args, int);

			emit_field(sink, &spec, "", &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);

			if (!s)
				s = "(null)";
			emit_field(sink, &spec, "", s,
				   (int)(spec.precision >= 0 ? strnlen(s, spec.precision)
							     : strlen(s)));
			break;
		}
		case '%':
			sink_putc(sink, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print it, do not read past the NUL. */
			sink_putc(sink, '%');
			continue;
		default:
			/* Unknown conversion: show it as written, so the bug is visible. */
			sink_putc(sink, '%');
			sink_putc(sink, *fmt);
			break;
		}
		fmt++;
	}
	va_end(args);
}

int vprintf(const char *fmt, va_list ap)
{
	char staging[CONSOLE_STAGING_SIZE];
	struct sink sink = {.buf = staging, .size = sizeof(staging), .console = true};

	format(&sink, fmt, ap);
	sink_flush(&sink);
	return (int)sink.count;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink sink = {.buf = buf, .size = size ? size - 1 : 0};

	format(&sink, fmt, ap);
	if (size)
		buf[sink.len] = '\0';
	return (int)sink.count;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	size_t len = strlen(s);

	serial_write(s, len);
	serial_putc('\n');
	return (int)len + 1;
}
