/* SPDX-License-Identifier: MIT */
/*
 * Looking up words in the kernel command line (/chosen/bootargs).
 *
 * The command line is a list of words separated by white space; a word is either
 * a flag ("hello") or key=value ("kvmini-test-arg=42"), as for Linux
 * (Documentation/admin-guide/kernel-parameters.rst). Quoting is not
 * supported: the tiny guest's tests do not need it.
 */
#ifndef GUEST_BOOTARGS_H
#define GUEST_BOOTARGS_H

#include <stdbool.h>
#include <stddef.h>

/* True if args contains word as a whole word. */
bool bootargs_has(const char *args, const char *word);

/*
 * The value of the first word "key=value" in args: returns a pointer to
 * value (not NUL-terminated) and stores its length in *len; NULL if absent.
 */
const char *bootargs_value(const char *args, const char *key, size_t *len);

#endif /* GUEST_BOOTARGS_H */
