/* SPDX-License-Identifier: MIT */
/*
 * Minimal string functions of the tiny guest.
 *
 * This header shadows the C library's <string.h> (guest/lib comes first in
 * the include path), because the guest has no C library: libfdt's
 * libfdt_env.h includes <string.h> and libfdt.a calls these functions.
 * Semantics are those of ISO C11, 7.24.
 */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include <stddef.h>

/* Copy n bytes; the areas must not overlap. Returns dst. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
/* Copy n bytes; the areas may overlap. Returns dst. */
void *memmove(void *dst, const void *src, size_t n);
/* Fill n bytes with (unsigned char)c. Returns dst. */
void *memset(void *dst, int c, size_t n);
/* Compare n bytes as unsigned char: <0, 0 or >0. */
int memcmp(const void *a, const void *b, size_t n);
/* First byte equal to (unsigned char)c among the first n, or NULL. */
void *memchr(const void *s, int c, size_t n);

/* Length of the NUL-terminated string s. */
size_t strlen(const char *s);
/* Length of s, but at most maxlen (s need not be terminated within maxlen). */
size_t strnlen(const char *s, size_t maxlen);
/* Compare two strings as unsigned char: <0, 0 or >0. */
int strcmp(const char *a, const char *b);
/* Like strcmp, for at most n characters. */
int strncmp(const char *a, const char *b, size_t n);
/* First / last occurrence of (char)c in s (the terminator counts), or NULL. */
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

#endif /* GUEST_STRING_H */
