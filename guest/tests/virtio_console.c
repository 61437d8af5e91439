/* SPDX-License-Identifier: MIT */
/*
 * virtio_console: output through the transmitq and through the emergency
 * write register, and input through the receiveq, echoed back.
 *
 * Run by tests/integration/virtio-console.sh, which checks on the host that
 * the lines below appear on stdout (--console stdio) or in the file
 * (--console file:PATH). With console-input=WORD on the command line, the
 * script feeds "WORD\n" on stdin; the guest must receive it and echo it as
 * "virtio-console echo: WORD".
 */
#include <stdint.h>
#include <string.h>

#include "bootargs.h"
#include "devicetree.h"
#include "irq.h"
#include "printf.h"
#include "report.h"
#include "virtio_console.h"

static struct vcons con;

static void emergency_write(const char *s)
{
	for (; *s; s++)
		virtio_write(&con.dev, VIRTIO_MMIO_CONFIG + VIRTIO_CONSOLE_CFG_EMERG_WRITE,
			     (uint8_t)*s);
}

/* Read until '\n' or len - 1 bytes; returns the length without the newline, or -1. */
static int read_line(char *line, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		int got = vcons_read(&con, line + n, len - 1 - n, 4000);
		if (got < 0)
			return -1;
		n += (size_t)got;
		char *nl = memchr(line, '\n', n);
		if (nl) {
			*nl = '\0';
			return (int)(nl - line);
		}
	}
	line[n] = '\0';
	return (int)n;
}

static void test_input(const char *word, size_t word_len)
{
	char line[128], echo[160];
	char want[64];

	if (word_len >= sizeof(want)) {
		report(false, "console-input word is short enough");
		return;
	}
	memcpy(want, word, word_len);
	want[word_len] = '\0';
	int n = read_line(line, sizeof(line));
	report(n >= 0 && strcmp(line, want) == 0,
	       "received '%s' from the host through the receiveq (got '%s')", want,
	       n >= 0 ? line : "(nothing)");
	int len = snprintf(echo, sizeof(echo), "virtio-console echo: %s\n", n >= 0 ? line : "");
	report(vcons_write(&con, echo, (size_t)len) == 0, "echoed the input back");
}

int main(void)
{
	static const char hello[] = "virtio-console: output from the guest via transmitq\n";
	const char *args = dt_bootargs();
	size_t word_len = 0;
	const char *word = args ? bootargs_value(args, "console-input", &word_len) : NULL;

	if (irq_init() || vcons_open(&con)) {
		report(false, "virtio-console found and initialised (run with --console)");
		return report_summary();
	}
	report(true, "virtio-console at %#lx, GSI %u", con.dev.base, con.dev.gsi);
	report(vcons_write(&con, hello, sizeof(hello) - 1) == 0, "transmitq output completed");

	bool emerg = con.dev.features & (1ULL << VIRTIO_CONSOLE_F_EMERG_WRITE);
	report(emerg, "VIRTIO_CONSOLE_F_EMERG_WRITE negotiated");
	if (emerg)
		emergency_write("virtio-console: emergency write\n");

	if (word)
		test_input(word, word_len);
	report(con.dev.irq_count >= 1 && (con.dev.isr_bits & VIRTIO_MMIO_INT_VRING),
	       "completions arrived by interrupt (%u)", con.dev.irq_count);
	return report_summary();
}
