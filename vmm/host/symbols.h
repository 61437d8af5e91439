/* SPDX-License-Identifier: MIT */
/* Guest symbol lookup from a System.map, for crash reports (--symbols). */
#ifndef KVMINI_SYMBOLS_H
#define KVMINI_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Bounds on what --symbols reads, so that a wrong file (a disk image, a
 * binary, /dev/zero) is refused quickly instead of eating memory or time.
 * A real System.map is a few MiB, with lines well under 100 bytes.
 */
#define SYMBOLS_MAX_FILE  (64u << 20) /* bytes */
#define SYMBOLS_MAX_LINE  512	      /* bytes, without the newline */
#define SYMBOLS_MAX_COUNT (4u << 20)  /* text symbols */

struct symbol {
	uint64_t addr;
	const char *name; /* points into struct symbols.text */
};

struct symbols {
	struct symbol *syms; /* sorted by address */
	size_t count;
	char *text; /* the file's bytes, every name NUL-terminated in place */
};

/*
 * Parse System.map text ("ADDR TYPE NAME" lines; the last newline is
 * optional) of len bytes, keeping the text symbols (t, T, w, W). Takes
 * ownership of text, a malloc()ed buffer of len + 1 bytes (it is freed on
 * failure, by symbols_free() otherwise). Returns 0; -ENODATA for Debian's
 * placeholder System.map ("The real System.map is in the linux-image-...-dbg
 * package"), with err saying so: a warning, not an error; -EINVAL with a
 * reason in err for a NUL byte, a line over SYMBOLS_MAX_LINE bytes, more
 * than SYMBOLS_MAX_COUNT symbols, or no text symbol at all; -ENOMEM.
 */
int symbols_parse(struct symbols *syms, char *text, size_t len, char *err, size_t errlen);

/*
 * Load a System.map file: only a regular file of at most SYMBOLS_MAX_FILE
 * bytes, opened without blocking (a FIFO or device is refused before it is
 * read), then symbols_parse(). Returns as symbols_parse(), or -errno with a
 * reason in err (never naming the file: the caller does).
 */
int symbols_load(struct symbols *syms, const char *path, char *err, size_t errlen);

/*
 * The function containing addr: the symbol with the highest address <= addr.
 * Sets *offset to addr minus that address. NULL when none.
 */
const char *symbols_lookup(const struct symbols *syms, uint64_t addr, uint64_t *offset);

/* Free what symbols_load()/symbols_parse() allocated; syms is then empty. */
void symbols_free(struct symbols *syms);

#endif /* KVMINI_SYMBOLS_H */
