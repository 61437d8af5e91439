/* SPDX-License-Identifier: MIT */
/*
 * ticker: clock-driven work that never ends by itself, for the control
 * socket's test (tests/integration/control-guest.sh). It prints
 * "tick N" each time the TSC has advanced by TICK_CYCLES (tens of
 * milliseconds on any x86 of the last decade), so output stops while the
 * vCPU is paused (`kvmini ctl pause`) and goes on after resume. The run is
 * ended from outside: ctl stop or kill, a signal, or --timeout.
 *
 * rdtsc, not a timer interrupt: the guest needs no irqchip, and rdtsc is
 * one of the instructions a nested KVM whose kernel mode is emulated still
 * runs.
 */
#include <stdint.h>

#include "printf.h"

#define TICK_CYCLES 200000000ull

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

int main(void)
{
	uint64_t next = rdtsc();

	puts("ticker: ticking");
	for (unsigned long n = 0;; n++) {
		while (rdtsc() < next)
			;
		printf("tick %lu\n", n);
		/* After a pause, start again from now instead of catching up in a burst. */
		uint64_t now = rdtsc();
		next = next + TICK_CYCLES > now ? next + TICK_CYCLES : now + TICK_CYCLES;
	}
}
