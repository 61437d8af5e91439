/* SPDX-License-Identifier: MIT */
/*
 * Minimal string functions for the tiny guest and for libfdt.a.
 *
 * memcpy and memset move 8 bytes per step with `rep movsq` / `rep stosq` and
 * finish the last 0..7 bytes with the byte form. Byte-wise string operations
 * for whole buffers would be slow where KVM emulates guest kernel code (about
 * 0.6 us per repetition: 1 MiB of `rep movsb` takes over a second there,
 * `rep movsq` about 0.13 s). The rest are plain loops over short strings.
 *
 * The guest is built with -fno-tree-loop-distribute-patterns, so that GCC
 * does not turn these loops back into calls to themselves.
 */
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	size_t words = n / 8;
	size_t tail = n % 8;

	/* DF is clear: the System V ABI requires it on function entry. */
	asm volatile("rep movsq\n\t"
		     "movq %3, %%rcx\n\t"
		     "rep movsb"
		     : "+D"(d), "+S"(src), "+c"(words)
		     : "r"(tail)
		     : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t words = n / 8;
	size_t tail = n % 8;
	uint64_t pattern = (uint8_t)c * 0x0101010101010101ULL;

	asm volatile("rep stosq\n\t"
		     "movq %3, %%rcx\n\t"
		     "rep stosb"
		     : "+D"(d), "+c"(words)
		     : "a"(pattern), "r"(tail)
		     : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/*
	 * A forward copy is safe unless dst starts inside [src, src + n):
	 * every 8-byte block is read before the write that could overlap it.
	 */
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n > 0) {
		n--;
		d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a;
	const unsigned char *q = b;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	}
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;

	while (n < maxlen && s[n] != '\0')
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ca = a[i];
		unsigned char cb = b[i];

		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca == '\0')
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}
