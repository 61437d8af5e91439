// SPDX-License-Identifier: MIT
/* The Ctrl-A escape of the console (see vmm/host/console_escape.h). */
#include "host/console_escape.h"

size_t console_escape_feed(struct console_escape *e, uint8_t byte, uint8_t out[2],
			   enum console_escape_action *action)
{
	*action = CONSOLE_ESCAPE_NONE;
	if (!e->prefix) {
		if (byte == CONSOLE_ESCAPE_KEY) {
			e->prefix = true; /* wait for the next key to know what it means */
			return 0;
		}
		out[0] = byte;
		return 1;
	}
	e->prefix = false;
	switch (byte) {
	case 'x':
	case 'X':
		*action = CONSOLE_ESCAPE_QUIT;
		return 0;
	case 'h':
	case 'H':
	case '?':
		*action = CONSOLE_ESCAPE_HELP;
		return 0;
	case CONSOLE_ESCAPE_KEY:
		out[0] = CONSOLE_ESCAPE_KEY; /* Ctrl-A Ctrl-A: one Ctrl-A for the guest */
		return 1;
	default:
		/* Not ours: the guest gets what was typed, both keys. */
		out[0] = CONSOLE_ESCAPE_KEY;
		out[1] = byte;
		return 2;
	}
}
