/* SPDX-License-Identifier: MIT */
/*
 * Composing a Linux guest's kernel command line from what the user gave and
 * what the monitor must add (vmm/boot/linux_cmdline.c). Pure string functions.
 *
 * Linux stops parsing kernel parameters at a bare "--" word and hands the
 * rest to init as arguments (init/main.c, parse_args()). The minimal guest's
 * /init runs that tail as a shell command (guest/linux/init.sh). So the
 * monitor's additions go in front of the user's "--", never after it.
 */
#ifndef KVMINI_LINUX_CMDLINE_H
#define KVMINI_LINUX_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True if the kernel part of cmdline (before a bare "--") has a parameter
 * whose name is name, e.g. name "console" matches "console=hvc0". Words in
 * double quotes count as one word, as in the kernel's parser. cmdline may be NULL.
 */
bool linux_cmdline_has_param(const char *cmdline, const char *name);

/*
 * Write into out (size bytes) the user's command line with additions (a
 * space-separated list of parameters, may be NULL or empty) inserted before
 * the user's bare "--" word, or appended when there is none. Words are
 * separated by single spaces where the two parts meet. user may be NULL.
 * Returns the length of the result (without NUL), or -ENOSPC (out then
 * holds a truncated string) when it needs more than size - 1 bytes.
 */
int linux_cmdline_compose(char *out, size_t size, const char *user, const char *additions);

#endif /* KVMINI_LINUX_CMDLINE_H */
