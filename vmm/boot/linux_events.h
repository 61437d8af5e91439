/* SPDX-License-Identifier: MIT */
/*
 * Watching a Linux guest's serial console for the kernel's last words
 * (vmm/boot/linux_events.c). A PC without ACPI has no way to power itself off,
 * and a panicking kernel does not tell the machine why it resets, so the
 * monitor reads what the kernel prints:
 *   "Kernel panic - not syncing: ..."        panic() starts (kernel/panic.c)
 *   "---[ end Kernel panic - not syncing..."  panic() is done and will hang
 *   "reboot: System halted"                   kernel_halt() (kernel/reboot.c)
 *   "reboot: Power down"                      kernel_power_off()
 * Lines are matched anywhere (they follow a "[   1.234567] " timestamp).
 *
 * The watch also notes the kernel's first console line: from then on Linux
 * is running, so a reset is a reboot and not a death (boot/boot_linux.c).
 * The bzImage decompressor's own lines (arch/x86/boot/compressed/misc.c,
 * printed only with earlyprintk=serial) do not count: the kernel proper has
 * not started yet when it prints them. The kernel's own early lines with
 * earlyprintk do count, although its console is not up yet: a death after
 * them reads as a reboot.
 */
#ifndef KVMINI_LINUX_EVENTS_H
#define KVMINI_LINUX_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum linux_event {
	LINUX_EVENT_PANIC,     /* a panic started: more output (the backtrace) follows */
	LINUX_EVENT_PANIC_END, /* the panic is complete; the kernel now spins forever */
	LINUX_EVENT_HALTED,    /* halt or power off: the CPUs now stop forever */
};

typedef void (*linux_events_fn)(void *opaque, enum linux_event event);

#define LINUX_EVENTS_LINE 256 /* longer lines are matched on their first 255 bytes */

struct linux_events {
	linux_events_fn on_event;
	void *opaque;
	char line[LINUX_EVENTS_LINE];
	size_t len;
	bool kernel_running; /* a line from the kernel proper was seen (atomic) */
};

/* Start watching: on_event(opaque, event) is called once per matching line. */
void linux_events_init(struct linux_events *w, linux_events_fn on_event, void *opaque);

/*
 * Feed one byte of console output. Has the shape of serial_output_fn
 * (kvmini/serial.h) with w as opaque, so it can be the UART's tap. Calls
 * on_event from the caller's thread when a line ends ('\n'; '\r' is ignored).
 */
void linux_events_feed(void *w, uint8_t byte);

/*
 * Has the kernel printed its first console line (a complete line, not the
 * decompressor's)? Thread-safe: the watch is fed on vCPU threads.
 */
bool linux_events_kernel_running(const struct linux_events *w);

#endif /* KVMINI_LINUX_EVENTS_H */
