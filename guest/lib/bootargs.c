/* SPDX-License-Identifier: MIT */
/*
 * Words of the kernel command line (see bootargs.h).
 */
#include <string.h>

#include "bootargs.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Find the next word of args at or after *pos: returns its start, sets *len. */
static const char *next_word(const char **pos, size_t *len)
{
	const char *p = *pos;
	const char *start;

	while (is_space(*p))
		p++;
	if (*p == '\0')
		return NULL;
	start = p;
	while (!is_space(*p) && *p != '\0')
		p++;
	*len = (size_t)(p - start);
	*pos = p;
	return start;
}

bool bootargs_has(const char *args, const char *word)
{
	size_t word_len = strlen(word);
	const char *w;
	size_t len;

	while ((w = next_word(&args, &len))) {
		if (len == word_len && memcmp(w, word, len) == 0)
			return true;
	}
	return false;
}

const char *bootargs_value(const char *args, const char *key, size_t *len)
{
	size_t key_len = strlen(key);
	const char *w;
	size_t word_len;

	while ((w = next_word(&args, &word_len))) {
		if (word_len > key_len && memcmp(w, key, key_len) == 0 && w[key_len] == '=') {
			*len = word_len - key_len - 1;
			return w + key_len + 1;
		}
	}
	return NULL;
}
