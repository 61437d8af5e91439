/* SPDX-License-Identifier: MIT */
/*
 * Lab 4 check, guest side (docs/labs/lab4-virtio.md): the student's echo
 * driver (lab4_echo_driver.c) against the student's echo device
 * (devices/labs/lab_echo.c) under kvmini-lab. Given to the students.
 */
#include <stdint.h>
#include <string.h>

#include "irq.h"
#include "lab4_echo.h"
#include "report.h"

static struct echo echo;

/* Request in, answer into out (zeroed first); checks used length and bytes. */
static void check_echo(const char *in, uint32_t out_len, const char *expected, const char *what)
{
	static char out[256];
	uint32_t len = (uint32_t)strlen(in), want = (uint32_t)strlen(expected);

	memset(out, 0, sizeof(out));
	int used = echo_transfer(&echo, in, len, out, out_len);
	report(used == (int)want && memcmp(out, expected, want) == 0 && out[want] == 0,
	       "%s: '%s' -> '%s' (used length %d)", what, in, out, used);
}

int main(void)
{
	if (irq_init()) {
		report(false, "local APIC usable for interrupts");
		return report_summary();
	}
	if (echo_open(&echo, false)) {
		report(false, "echo device (ID %#x) found and initialised", LAB_ECHO_DEVICE_ID);
		return report_summary();
	}
	report(true, "echo device at %#lx, GSI %u", echo.dev.base, echo.dev.gsi);
	report((echo.dev.device_features & (1ULL << LAB_ECHO_F_UPPER)) &&
		       !(echo.dev.features & (1ULL << LAB_ECHO_F_UPPER)),
	       "UPPER offered by the device, not negotiated when not asked for");

	check_echo("hello, virtio", 64, "hello, virtio", "plain echo");
	check_echo("truncate me", 4, "trun", "answer buffer shorter than the input");
	report(echo_bytes_echoed(&echo) == 13 + 4, "config bytes_echoed counts written bytes (%u)",
	       echo_bytes_echoed(&echo));

	/* A new driver session: reset, negotiate UPPER this time. */
	if (echo_open(&echo, true)) {
		report(false, "echo device re-initialised with UPPER");
		return report_summary();
	}
	report(echo.dev.features & (1ULL << LAB_ECHO_F_UPPER), "UPPER negotiated when asked for");
	report(echo_bytes_echoed(&echo) == 0, "device reset clears bytes_echoed (%u)",
	       echo_bytes_echoed(&echo));
	check_echo("Hello, World 42!", 64, "HELLO, WORLD 42!", "UPPER echo");

	/* Several requests in a row reuse the ring's descriptors. */
	unsigned int bad = 0;
	for (int i = 0; i < 3 * LAB_ECHO_QUEUE_SIZE; i++) {
		char out[8] = {0};
		bad += echo_transfer(&echo, "abc", 3, out, sizeof(out)) != 3 ||
		       memcmp(out, "ABC", 3) != 0;
	}
	report(bad == 0, "%d requests in a row, three times round the ring (%u bad)",
	       3 * LAB_ECHO_QUEUE_SIZE, bad);
	report(echo.dev.irq_count > 0 && (echo.dev.isr_bits & VIRTIO_MMIO_INT_VRING),
	       "completions arrived by interrupt (%u)", echo.dev.irq_count);
	virtio_reset(&echo.dev);
	return report_summary();
}
