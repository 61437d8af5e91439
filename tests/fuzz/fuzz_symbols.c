// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the System.map reader (vmm/host/symbols.c): the
 * fuzzer's bytes are the file's text. Parsing must stay inside the buffer,
 * and a parsed map must be sorted and answer lookups consistently.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/symbols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symbols syms;
	char err[256];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (symbols_parse(&syms, text, size, err, sizeof(err)) != 0) {
		if (syms.syms || syms.text || syms.count)
			abort(); /* a failed parse must leave nothing behind */
		return 0;
	}
	for (size_t i = 0; i < syms.count; i++) {
		uint64_t off;
		if (i && syms.syms[i - 1].addr > syms.syms[i].addr)
			abort();
		const char *name = symbols_lookup(&syms, syms.syms[i].addr, &off);
		if (!name || off != 0 || strlen(name) == 0 || strlen(name) > SYMBOLS_MAX_LINE)
			abort();
	}
	symbols_free(&syms);
	return 0;
}
