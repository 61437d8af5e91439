/* SPDX-License-Identifier: MIT */
/*
 * The console's escape key. On an interactive terminal every key goes to the
 * guest, Ctrl-C, Ctrl-\ and Ctrl-Z included (the terminal is raw, without
 * ISIG: vmm/host/stdin_console.c), as in kvmtool and QEMU. Ctrl-A is the
 * prefix that talks to the monitor instead:
 *   Ctrl-A x        quit (a clean stop, as SIGINT would do)
 *   Ctrl-A h        print the keys on stderr
 *   Ctrl-A Ctrl-A   send one Ctrl-A to the guest
 *   Ctrl-A other    send both bytes to the guest, unchanged
 * This is the state machine alone: no I/O, so a unit test can drive it.
 */
#ifndef KVMINI_CONSOLE_ESCAPE_H
#define KVMINI_CONSOLE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_ESCAPE_KEY 0x01 /* Ctrl-A */

/* The one-line hint printed when the console is a terminal. */
#define CONSOLE_ESCAPE_HINT_TEXT                                                                   \
	"console: keys go to the guest (Ctrl-C too); Ctrl-A x quits, Ctrl-A h helps"

/* The help, for Ctrl-A h: one key per line. */
#define CONSOLE_ESCAPE_HELP_TEXT                                                                   \
	"console keys (after the prefix Ctrl-A):\n"                                                \
	"  Ctrl-A x       quit kvmini (the exit status of a stop by SIGINT)\n"                     \
	"  Ctrl-A h       this help\n"                                                             \
	"  Ctrl-A Ctrl-A  send Ctrl-A to the guest\n"                                              \
	"  Ctrl-A other   send both keys to the guest\n"                                           \
	"every other key, Ctrl-C, Ctrl-\\ and Ctrl-Z included, goes to the guest\n"

enum console_escape_action {
	CONSOLE_ESCAPE_NONE, /* nothing for the monitor to do */
	CONSOLE_ESCAPE_QUIT, /* Ctrl-A x */
	CONSOLE_ESCAPE_HELP, /* Ctrl-A h */
};

struct console_escape {
	bool prefix; /* the last byte was an unanswered Ctrl-A */
};

/*
 * Feed one byte typed on the terminal. Writes the bytes the guest gets (0, 1
 * or 2 of them) to out[] and returns their count; *action says what the
 * monitor must do (QUIT and HELP come with no byte for the guest).
 */
size_t console_escape_feed(struct console_escape *e, uint8_t byte, uint8_t out[2],
			   enum console_escape_action *action);

#endif /* KVMINI_CONSOLE_ESCAPE_H */
