// SPDX-License-Identifier: MIT
/*
 * The kernel command line, split into words the way Linux splits it
 * (lib/cmdline.c, next_arg()): words are separated by spaces, and double
 * quotes make one word of everything up to the closing quote. A word that
 * is exactly "--" ends the kernel's parameters (init/main.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/linux_cmdline.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Find the next word at or after *pos: returns its start and sets *len, or
 * NULL at the end. Quotes are kept in the word; only their effect on where
 * the word ends matters here.
 */
static const char *next_word(const char **pos, size_t *len)
{
	const char *p = *pos;
	bool quoted = false;

	while (*p && is_space(*p))
		p++;
	if (!*p)
		return NULL;
	const char *start = p;
	for (; *p && (quoted || !is_space(*p)); p++)
		if (*p == '"')
			quoted = !quoted;
	*len = (size_t)(p - start);
	*pos = p;
	return start;
}

/* Where the bare "--" word starts in cmdline, or NULL when there is none. */
static const char *find_dashes(const char *cmdline)
{
	const char *pos = cmdline, *word;
	size_t len;

	while ((word = next_word(&pos, &len)))
		if (len == 2 && word[0] == '-' && word[1] == '-')
			return word;
	return NULL;
}

bool linux_cmdline_has_param(const char *cmdline, const char *name)
{
	size_t name_len = strlen(name);
	const char *pos = cmdline, *word;
	size_t len;

	if (!cmdline)
		return false;
	while ((word = next_word(&pos, &len))) {
		if (len == 2 && word[0] == '-' && word[1] == '-')
			return false; /* the rest belongs to init */
		/* "name" alone (a flag) or "name=value". */
		if (len >= name_len && memcmp(word, name, name_len) == 0 &&
		    (len == name_len || word[name_len] == '='))
			return true;
	}
	return false;
}

/* Length of s[0..len) without trailing spaces. */
static size_t trim_end(const char *s, size_t len)
{
	while (len && is_space(s[len - 1]))
		len--;
	return len;
}

int linux_cmdline_compose(char *out, size_t size, const char *user, const char *additions)
{
	if (!user)
		user = "";
	if (!additions)
		additions = "";
	while (is_space(*user))
		user++;
	while (is_space(*additions))
		additions++;

	const char *dashes = find_dashes(user);
	size_t head_len = trim_end(user, dashes ? (size_t)(dashes - user) : strlen(user));
	size_t add_len = trim_end(additions, strlen(additions));
	const char *tail = dashes ? dashes : "";
	size_t tail_len = trim_end(tail, strlen(tail));

	int n = snprintf(out, size, "%.*s%s%.*s%s%.*s", (int)head_len, user,
			 head_len && add_len ? " " : "", (int)add_len, additions,
			 (head_len || add_len) && tail_len ? " " : "", (int)tail_len, tail);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
