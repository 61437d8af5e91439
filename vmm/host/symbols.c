// SPDX-License-Identifier: MIT
/*
 * System.map reader: lets a crash report say "popcnt at __sw_hweight64+0x12".
 * The file is read whole (it is bounded) and parsed in place: every name
 * stays in the one buffer, so memory is the file plus 16 bytes a symbol.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/symbols.h"

/* Debian ships this one line instead of the real map (package linux-image-*). */
#define DEBIAN_PLACEHOLDER "The real System.map is in the linux-image-"

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static int by_addr(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Skip spaces and tabs (never the NUL that ends a line). */
static char *skip_blanks(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * One NUL-terminated line "ADDR TYPE NAME [MODULE]". Returns true and fills
 * *sym for a text symbol (the name is cut off in place); false for anything
 * else, which a System.map may hold (data symbols, absolute ones) and we skip.
 */
static bool parse_line(char *line, struct symbol *sym)
{
	char *end;

	line = skip_blanks(line);
	if (!((*line >= '0' && *line <= '9') || (*line >= 'a' && *line <= 'f') ||
	      (*line >= 'A' && *line <= 'F')))
		return false;
	errno = 0;
	unsigned long long addr = strtoull(line, &end, 16);
	if (errno || (*end != ' ' && *end != '\t'))
		return false;
	char *type = skip_blanks(end);
	/* Text symbols only: crash addresses are code addresses. */
	if (!strchr("tTwW", *type) || *type == '\0' || (type[1] != ' ' && type[1] != '\t'))
		return false;
	char *name = skip_blanks(type + 1);
	size_t n = strcspn(name, " \t\r");
	if (n == 0)
		return false;
	name[n] = '\0';
	sym->addr = addr;
	sym->name = name;
	return true;
}

int symbols_parse(struct symbols *syms, char *text, size_t len, char *err, size_t errlen)
{
	size_t cap = 0, lineno = 0;
	bool placeholder = false;

	syms->syms = NULL;
	syms->count = 0;
	syms->text = text;
	text[len] = '\0';
	/* A NUL byte means a binary file, not a text map: refuse it whole. */
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		size_t at = (size_t)(nul - text);
		symbols_free(syms);
		return fail(err, errlen, -EINVAL, "a NUL byte at offset %zu: not a text System.map",
			    at);
	}
	for (char *line = text; line < text + len;) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		char *end = nl ? nl : text + len;
		lineno++;
		if ((size_t)(end - line) > SYMBOLS_MAX_LINE) {
			symbols_free(syms);
			return fail(err, errlen, -EINVAL,
				    "line %zu is longer than %d bytes: not a System.map", lineno,
				    SYMBOLS_MAX_LINE);
		}
		*end = '\0';
		if (strstr(line, DEBIAN_PLACEHOLDER))
			placeholder = true;
		struct symbol sym;
		if (parse_line(line, &sym)) {
			if (syms->count == SYMBOLS_MAX_COUNT) {
				symbols_free(syms);
				return fail(err, errlen, -EINVAL, "more than %u text symbols",
					    SYMBOLS_MAX_COUNT);
			}
			if (syms->count == cap) {
				cap = cap ? cap * 2 : 4096;
				struct symbol *n = realloc(syms->syms, cap * sizeof(*n));
				if (!n) {
					symbols_free(syms);
					return fail(err, errlen, -ENOMEM, "out of memory");
				}
				syms->syms = n;
			}
			syms->syms[syms->count++] = sym;
		}
		line = end + 1;
	}
	if (syms->count == 0) {
		symbols_free(syms);
		if (placeholder)
			return fail(err, errlen, -ENODATA,
				    "Debian's placeholder System.map: the real one is in the "
				    "linux-image-...-dbg package");
		return fail(err, errlen, -EINVAL, "no text symbols in it");
	}
	qsort(syms->syms, syms->count, sizeof(*syms->syms), by_addr);
	return 0;
}

int symbols_load(struct symbols *syms, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int ret;

	syms->syms = NULL;
	syms->count = 0;
	syms->text = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = fail(err, errlen, -errno, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = fail(err, errlen, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL, "%s",
			   S_ISDIR(st.st_mode)	  ? "is a directory"
			   : S_ISFIFO(st.st_mode) ? "is a FIFO (named pipe), not a regular file"
			   : S_ISCHR(st.st_mode)  ? "is a character device, not a regular file"
						  : "not a regular file");
		goto out;
	}
	if (st.st_size > SYMBOLS_MAX_FILE) {
		ret = fail(err, errlen, -EFBIG,
			   "%lld bytes is too large for a System.map (at most %u MiB)",
			   (long long)st.st_size, SYMBOLS_MAX_FILE >> 20);
		goto out;
	}
	size_t len = (size_t)st.st_size;
	char *text = malloc(len + 1);
	if (!text) {
		ret = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = pread(fd, text + done, len - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = fail(err, errlen, n < 0 ? -errno : -EIO, "%s",
				   n < 0 ? strerror(errno) : "the file shrank while it was read");
			free(text);
			goto out;
		}
		done += (size_t)n;
	}
	ret = symbols_parse(syms, text, len, err, errlen);
out:
	close(fd);
	return ret;
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
	free(syms->syms);
	free(syms->text);
	syms->syms = NULL;
	syms->count = 0;
	syms->text = NULL;
}
