/* SPDX-License-Identifier: MIT */
/*
 * Lab 2 check, guest side (docs/labs/lab2-port-device.md): the lab clock
 * (include/abi/kvmini_labs.h) seen from a guest under kvmini-lab. Given to
 * the students with the lab: their part is the device, devices/labs/lab_clock.c.
 */
#include <stdint.h>

#include <abi/kvmini_labs.h>

#include "io.h"
#include "report.h"

static uint64_t clock_now(void)
{
	outl(LAB_CLOCK_PORT + LAB_CLOCK_CONTROL, LAB_CLOCK_LATCH);
	uint64_t low = inl(LAB_CLOCK_PORT + LAB_CLOCK_LOW);
	return (uint64_t)inl(LAB_CLOCK_PORT + LAB_CLOCK_HIGH) << 32 | low;
}

int main(void)
{
	uint32_t id = inl(LAB_CLOCK_PORT + LAB_CLOCK_ID);
	if (id != LAB_CLOCK_MAGIC) {
		report(false, "clock at port %#x: ID reads %#x, expected %#x (\"CLK1\")",
		       LAB_CLOCK_PORT, id, LAB_CLOCK_MAGIC);
		return report_summary();
	}
	report(true, "clock at port %#x: ID is \"CLK1\"", LAB_CLOCK_PORT);

	/* Byte and word reads see the bytes of the same little-endian register. */
	uint8_t b0 = inb(LAB_CLOCK_PORT + LAB_CLOCK_ID),
		b3 = inb(LAB_CLOCK_PORT + LAB_CLOCK_ID + 3);
	uint16_t w1 = inw(LAB_CLOCK_PORT + LAB_CLOCK_ID + 2);
	report(b0 == 'C' && b3 == '1' && w1 == 0x314b, "narrow reads of ID: %#x %#x %#x", b0, b3,
	       w1);

	/* The latch holds still until the next LATCH. */
	uint64_t t1 = clock_now();
	uint32_t again = inl(LAB_CLOCK_PORT + LAB_CLOCK_LOW);
	for (int i = 0; i < 200; i++)
		inb(LAB_CLOCK_PORT + LAB_CLOCK_ID); /* time passes: 200 exits */
	uint32_t later = inl(LAB_CLOCK_PORT + LAB_CLOCK_LOW);
	report(t1 > 0 && again == (uint32_t)t1 && later == (uint32_t)t1,
	       "the latch holds one time (%lu ns) until the next LATCH", t1);

	uint64_t t2 = clock_now();
	report(t2 > t1, "time goes on: %lu ns after 200 port reads", t2 - t1);
	/* 200 exits take ~2 ms where KVM emulates the guest, ~0.1 ms elsewhere. */
	report(t2 - t1 < 2000000000ULL, "... and less than 2 s of it");

	/* Never backwards, over many latches. */
	uint64_t prev = clock_now(), backwards = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t now = clock_now();
		backwards += now < prev;
		prev = now;
	}
	report(backwards == 0, "100 latches in a row never go backwards (%lu did)", backwards);

	/* Writes that are not a whole-register LATCH do nothing. */
	uint64_t before = clock_now();
	outb(LAB_CLOCK_PORT + LAB_CLOCK_CONTROL, LAB_CLOCK_LATCH);
	outl(LAB_CLOCK_PORT + LAB_CLOCK_CONTROL, 2);
	outl(LAB_CLOCK_PORT + LAB_CLOCK_LOW, 0);
	uint64_t latched = (uint64_t)inl(LAB_CLOCK_PORT + LAB_CLOCK_HIGH) << 32 |
			   inl(LAB_CLOCK_PORT + LAB_CLOCK_LOW);
	report(latched == before, "byte LATCH, other CONTROL values and LOW writes are ignored");
	report(inl(LAB_CLOCK_PORT + LAB_CLOCK_CONTROL) == 0, "CONTROL reads 0");
	return report_summary();
}
