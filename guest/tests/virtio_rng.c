/* SPDX-License-Identifier: MIT */
/*
 * virtio_rng: the entropy device hands out bytes that change, and its
 * completions arrive as interrupts through the I/O APIC.
 * Run with: kvmini run --rng --kernel virtio_rng.elf
 */
#include <stdint.h>
#include <string.h>

#include "irq.h"
#include "report.h"
#include "virtio_rng.h"

static struct vrng rng;

/* Number of different byte values in buf. */
static unsigned int distinct_bytes(const uint8_t *buf, unsigned int len)
{
	uint8_t seen[256] = {0};
	unsigned int n = 0;

	for (unsigned int i = 0; i < len; i++) {
		n += !seen[buf[i]];
		seen[buf[i]] = 1;
	}
	return n;
}

int main(void)
{
	static uint8_t a[64], b[64], big[4096];

	if (irq_init()) {
		report(false, "local APIC usable for interrupts");
		return report_summary();
	}
	if (vrng_open(&rng)) {
		report(false, "virtio-rng device found and initialised (run with --rng)");
		return report_summary();
	}
	report(true, "virtio-rng at %#lx, GSI %u", rng.dev.base, rng.dev.gsi);

	int na = vrng_read(&rng, a, sizeof(a));
	int nb = vrng_read(&rng, b, sizeof(b));
	report(na == 64 && nb == 64, "two 64-byte requests filled (%d, %d bytes)", na, nb);
	report(memcmp(a, b, sizeof(a)) != 0, "two requests give different bytes");
	/* 64 random bytes have ~56 distinct values; 16 is a very safe floor. */
	unsigned int d = distinct_bytes(a, sizeof(a));
	report(d >= 16, "bytes are not constant (%u distinct values in 64)", d);

	int nbig = vrng_read(&rng, big, sizeof(big));
	report(nbig == (int)sizeof(big) && distinct_bytes(big, sizeof(big)) > 200,
	       "a 4 KiB request is filled with varied bytes (%d bytes)", nbig);

	report(irq_count(rng.dev.gsi) >= 3 && rng.dev.irq_count >= 3 &&
		       (rng.dev.isr_bits & VIRTIO_MMIO_INT_VRING),
	       "completions arrived by interrupt (%lu on GSI %u, InterruptStatus bits %#x)",
	       irq_count(rng.dev.gsi), rng.dev.gsi, rng.dev.isr_bits);
	virtio_reset(&rng.dev);
	return report_summary();
}
