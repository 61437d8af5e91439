/* SPDX-License-Identifier: MIT */
/*
 * Watching a Linux guest's serial console for the kernel's last words
 * (vmm/linux_console.c). A PC without ACPI has no way to power itself off,
 * and a panicking kernel does not tell the machine why it resets, so the
 * monitor reads what the kernel prints:
 *   "Kernel panic - not syncing: ..."        panic() starts (kernel/panic.c)
 *   "---[ end Kernel panic - not syncing..."  panic() is done and will hang
 *   "reboot: System halted"                   kernel_halt() (kernel/reboot.c)
 *   "reboot: Power down"                      kernel_power_off()
 * Lines are matched anywhere (they follow a "[   1.234567] " timestamp).
 */
#ifndef KVMINI_LINUX_CONSOLE_H
#define KVMINI_LINUX_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

enum linux_console_event {
	LINUX_CONSOLE_PANIC,	 /* a panic started: more output (the backtrace) follows */
	LINUX_CONSOLE_PANIC_END, /* the panic is complete; the kernel now spins forever */
	LINUX_CONSOLE_HALTED,	 /* halt or power off: the CPUs now stop forever */
};

typedef void (*linux_console_fn)(void *opaque, enum linux_console_event event);

#define LINUX_CONSOLE_LINE 256 /* longer lines are matched on their first 255 bytes */

struct linux_console {
	linux_console_fn on_event;
	void *opaque;
	char line[LINUX_CONSOLE_LINE];
	size_t len;
};

/* Start watching: on_event(opaque, event) is called once per matching line. */
void linux_console_init(struct linux_console *w, linux_console_fn on_event, void *opaque);

/*
 * Feed one byte of console output. Has the shape of serial_output_fn
 * (kvmini/serial.h) with w as opaque, so it can be the UART's tap. Calls
 * on_event from the caller's thread when a line ends ('\n'; '\r' is ignored).
 */
void linux_console_feed(void *w, uint8_t byte);

#endif /* KVMINI_LINUX_CONSOLE_H */
