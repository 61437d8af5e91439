// SPDX-License-Identifier: MIT
/*
 * A line buffer over the guest's console output and a handful of fixed
 * strings from the Linux sources (kernel/panic.c, kernel/reboot.c with its
 * pr_fmt "reboot: "). Anything the guest prints can match, user space
 * included: this is a convenience for ending a run with the right status,
 * not a security boundary (a guest can end the run with any status through
 * the test device anyway).
 */
#include <stdbool.h>
#include <string.h>

#include "boot/linux_events.h"

struct pattern {
	const char *text;
	enum linux_event event;
};

/* Checked in order: the end-of-panic line contains the start-of-panic text. */
static const struct pattern patterns[] = {
	{"---[ end Kernel panic - not syncing", LINUX_EVENT_PANIC_END},
	{"Kernel panic - not syncing", LINUX_EVENT_PANIC},
	{"reboot: System halted", LINUX_EVENT_HALTED},
	{"reboot: Power down", LINUX_EVENT_HALTED},
};

/*
 * How the bzImage decompressor's lines start (arch/x86/boot/compressed/
 * misc.c and kaslr.c, Linux 6.1): "Decompressing Linux... Parsing ELF...
 * done." then "Booting the kernel (entropy: ...).", and with a debug build
 * its sizes and addresses.
 */
static const char *const decompressor_lines[] = {
	"Decompressing Linux", "Parsing ELF",	   "done.",
	"Booting the kernel",  "early console in", "KASLR",
	"Physical KASLR",      "Virtual KASLR",	   "input_data:",
	"input_len:",	       "output:",	   "output_len:",
	"kernel_total_size:",  "needed_size:",	   "trampoline_32bit:",
};

static bool from_decompressor(const char *line)
{
	for (size_t i = 0; i < sizeof(decompressor_lines) / sizeof(decompressor_lines[0]); i++)
		if (strncmp(line, decompressor_lines[i], strlen(decompressor_lines[i])) == 0)
			return true;
	return false;
}

void linux_events_init(struct linux_events *w, linux_events_fn on_event, void *opaque)
{
	memset(w, 0, sizeof(*w));
	w->on_event = on_event;
	w->opaque = opaque;
}

static void end_of_line(struct linux_events *w)
{
	w->line[w->len] = '\0';
	if (!from_decompressor(w->line))
		__atomic_store_n(&w->kernel_running, true, __ATOMIC_SEQ_CST);
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (strstr(w->line, patterns[i].text)) {
			w->on_event(w->opaque, patterns[i].event);
			break;
		}
	}
	w->len = 0;
}

void linux_events_feed(void *opaque, uint8_t byte)
{
	struct linux_events *w = opaque;

	/*
	 * A line ends at '\n'; the '\r' that the serial driver puts before
	 * it is dropped. Acting on '\n' (which the UART writes out right after
	 * this tap returns) means an event that stops the VM still lets the
	 * whole line reach the console.
	 */
	if (byte == '\r')
		return;
	if (byte == '\n') {
		if (w->len)
			end_of_line(w);
		return;
	}
	/* A NUL would hide the rest of the line from strstr(). */
	if (byte == '\0')
		byte = ' ';
	if (w->len < sizeof(w->line) - 1)
		w->line[w->len++] = (char)byte;
}

bool linux_events_kernel_running(const struct linux_events *w)
{
	return __atomic_load_n(&w->kernel_running, __ATOMIC_SEQ_CST);
}
