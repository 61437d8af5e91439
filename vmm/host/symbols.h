/* SPDX-License-Identifier: MIT */
/* Guest symbol lookup from a System.map, for crash reports (--symbols). */
#ifndef KVMINI_SYMBOLS_H
#define KVMINI_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct symbol {
	uint64_t addr;
	char *name;
};

struct symbols {
	struct symbol *syms; /* sorted by address */
	size_t count;
};

/* Load a System.map ("ADDR TYPE NAME" lines). 0 or -errno (-EINVAL if empty/unparsable). */
int symbols_load(struct symbols *syms, const char *path);

/*
 * The function containing addr: the symbol with the highest address <= addr.
 * Sets *offset to addr minus that address. NULL when none.
 */
const char *symbols_lookup(const struct symbols *syms, uint64_t addr, uint64_t *offset);

void symbols_free(struct symbols *syms);

#endif /* KVMINI_SYMBOLS_H */
