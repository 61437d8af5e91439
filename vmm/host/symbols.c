// SPDX-License-Identifier: MIT
/* System.map reader: lets a crash report say "popcnt at __sw_hweight64+0x12". */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/symbols.h"

static int by_addr(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int symbols_load(struct symbols *syms, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], type, name[256];
	uint64_t addr;
	size_t cap = 0;

	syms->syms = NULL;
	syms->count = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3)
			continue;
		/* Text symbols only: crash addresses are code addresses. */
		if (type != 't' && type != 'T' && type != 'W' && type != 'w')
			continue;
		if (syms->count == cap) {
			cap = cap ? cap * 2 : 4096;
			struct symbol *n = realloc(syms->syms, cap * sizeof(*n));
			if (!n)
				goto nomem;
			syms->syms = n;
		}
		syms->syms[syms->count].addr = addr;
		syms->syms[syms->count].name = strdup(name);
		if (!syms->syms[syms->count].name)
			goto nomem;
		syms->count++;
	}
	fclose(f);
	if (syms->count == 0)
		return -EINVAL;
	qsort(syms->syms, syms->count, sizeof(*syms->syms), by_addr);
	return 0;
nomem:
	fclose(f);
	symbols_free(syms);
	return -ENOMEM;
}

const char *symbols_lookup(const struct symbols *syms, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = syms ? syms->count : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (syms->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	*offset = addr - syms->syms[lo - 1].addr;
	return syms->syms[lo - 1].name;
}

void symbols_free(struct symbols *syms)
{
	for (size_t i = 0; i < syms->count; i++)
		free(syms->syms[i].name);
	free(syms->syms);
	syms->syms = NULL;
	syms->count = 0;
}
