/* SPDX-License-Identifier: MIT */
/* The fuzzer's bytes, taken field by field by the harnesses that script devices. */
#ifndef KVMINI_FUZZ_INPUT_H
#define KVMINI_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t n;
};

/* Next len bytes of input as a little-endian number; zeros once input runs out. */
static inline uint64_t take(struct input *in, unsigned int len)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < len && in->n > 0; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

#endif /* KVMINI_FUZZ_INPUT_H */
