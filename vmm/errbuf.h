/* SPDX-License-Identifier: MIT */
/*
 * One-line error messages for the caller to print. The parsers (cli.c,
 * boot/elf.c, boot/bzimage.c) do not log: they write why they refused into a
 * buffer the caller owns, so that the caller can add what the parser does not
 * know (which file, which option) and unit tests can compare the text.
 */
#ifndef KVMINI_ERRBUF_H
#define KVMINI_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Format the reason into err (errlen bytes, always NUL-terminated when errlen
 * > 0; a long reason is cut short) and return ret, so that a parser can
 * write: return errbuf_set(err, errlen, -ENOEXEC, "no loadable segment");
 */
static inline int errbuf_set(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int errbuf_set(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

#endif /* KVMINI_ERRBUF_H */
