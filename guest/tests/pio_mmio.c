/* SPDX-License-Identifier: MIT */
/*
 * pio_mmio: round trips to the test device through port I/O and MMIO.
 *
 * Registers: include/abi/kvmini_abi.h. The SCRATCH registers keep what was
 * written; the COUNTER registers return one more on every read access, which
 * lets us count how many accesses reached the device. That matters for
 * string I/O: KVM may hand all repetitions of `rep insb` to the monitor in a
 * single exit (kvm_run->io.count > 1), and the monitor must perform each one.
 */
#include <stdbool.h>
#include <stdint.h>

#include <abi/kvmini_abi.h>

#include "devicetree.h"
#include "io.h"
#include "report.h"

#define PIO_SCRATCH (KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_SCRATCH)
#define PIO_COUNTER (KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_COUNTER)
/* The first port after the test device's window: nothing claims it. */
#define PIO_UNCLAIMED (KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_PIO_SIZE)

#define MMIO_SCRATCH (KVMINI_TESTDEV_MMIO_BASE + KVMINI_TESTDEV_MMIO_SCRATCH)
#define MMIO_COUNTER (KVMINI_TESTDEV_MMIO_BASE + KVMINI_TESTDEV_MMIO_COUNTER)
#define MMIO_MAGIC   (KVMINI_TESTDEV_MMIO_BASE + KVMINI_TESTDEV_MMIO_MAGIC)

#define STRING_COUNT 16

static void test_pio_scratch(void)
{
	uint32_t l;
	uint16_t w;
	uint8_t b;

	outl(PIO_SCRATCH, 0xdeadbeef);
	l = inl(PIO_SCRATCH);
	report(l == 0xdeadbeef, "PIO scratch: 4-byte write, 4-byte read (%#x)", l);
	outl(PIO_SCRATCH, 0x01020304);
	l = inl(PIO_SCRATCH);
	report(l == 0x01020304, "PIO scratch: a second 4-byte value (%#x)", l);
	outw(PIO_SCRATCH, 0x1234);
	w = inw(PIO_SCRATCH);
	report(w == 0x1234, "PIO scratch: 2-byte write, 2-byte read (%#x)", w);
	outb(PIO_SCRATCH, 0x5a);
	b = inb(PIO_SCRATCH);
	report(b == 0x5a, "PIO scratch: 1-byte write, 1-byte read (%#x)", b);
}

static void test_pio_counter(void)
{
	uint32_t first = inl(PIO_COUNTER);
	uint32_t second = inl(PIO_COUNTER);
	uint16_t w = inw(PIO_COUNTER);
	uint8_t b = inb(PIO_COUNTER);

	report(second == first + 1, "PIO counter: consecutive 4-byte reads (%u, %u)", first,
	       second);
	report(w == (uint16_t)(first + 2) && b == (uint8_t)(first + 3),
	       "PIO counter: 2- and 1-byte reads count too (%u, %u)", w, b);
}

/* rep insb/insw/insl from the counter: every element must be one more. */
static void test_pio_string_in(void)
{
	uint8_t bytes[STRING_COUNT];
	uint16_t words[STRING_COUNT];
	uint32_t longs[STRING_COUNT];
	uint32_t start, after;
	bool ok;

	/* Fill with values that differ from the expected ones. */
	start = inl(PIO_COUNTER) + 1;
	for (int i = 0; i < STRING_COUNT; i++)
		bytes[i] = (uint8_t) ~(start + i);
	insb(PIO_COUNTER, bytes, STRING_COUNT);
	after = inl(PIO_COUNTER);
	ok = after == start + STRING_COUNT;
	for (int i = 0; i < STRING_COUNT; i++)
		ok = ok && bytes[i] == (uint8_t)(start + i);
	report(ok, "rep insb: %d counter reads, each dispatched (first %u, last %u, next %u)",
	       STRING_COUNT, bytes[0], bytes[STRING_COUNT - 1], after);

	start = after + 1;
	for (int i = 0; i < STRING_COUNT; i++)
		words[i] = (uint16_t) ~(start + i);
	insw(PIO_COUNTER, words, STRING_COUNT);
	after = inl(PIO_COUNTER);
	ok = after == start + STRING_COUNT;
	for (int i = 0; i < STRING_COUNT; i++)
		ok = ok && words[i] == (uint16_t)(start + i);
	report(ok, "rep insw: %d counter reads, each dispatched (first %u, last %u, next %u)",
	       STRING_COUNT, words[0], words[STRING_COUNT - 1], after);

	start = after + 1;
	for (int i = 0; i < STRING_COUNT; i++)
		longs[i] = ~(start + i);
	insl(PIO_COUNTER, longs, STRING_COUNT);
	after = inl(PIO_COUNTER);
	ok = after == start + STRING_COUNT;
	for (int i = 0; i < STRING_COUNT; i++)
		ok = ok && longs[i] == start + i;
	report(ok, "rep insl: %d counter reads, each dispatched (first %u, last %u, next %u)",
	       STRING_COUNT, longs[0], longs[STRING_COUNT - 1], after);
}

/*
 * rep outsb/outsw/outsl to the scratch register: the register must hold the
 * LAST element, so the monitor walked the whole batch with the right stride.
 */
static void test_pio_string_out(void)
{
	static const uint8_t bytes[] = {0x11, 0x22, 0x33, 0x44, 0x55};
	static const uint16_t words[] = {0x1111, 0x2222, 0x3333, 0xbeef};
	static const uint32_t longs[] = {0x11111111, 0x22222222, 0xcafef00d};
	uint32_t l;
	uint16_t w;
	uint8_t b;

	outsb(PIO_SCRATCH, bytes, sizeof(bytes));
	b = inb(PIO_SCRATCH);
	report(b == 0x55, "rep outsb: scratch holds the last of 5 bytes (%#x)", b);
	outsw(PIO_SCRATCH, words, 4);
	w = inw(PIO_SCRATCH);
	report(w == 0xbeef, "rep outsw: scratch holds the last of 4 words (%#x)", w);
	outsl(PIO_SCRATCH, longs, 3);
	l = inl(PIO_SCRATCH);
	report(l == 0xcafef00d, "rep outsl: scratch holds the last of 3 longs (%#x)", l);
}

static void test_pio_unclaimed(void)
{
	uint8_t b;
	uint16_t w;
	uint32_t l;

	/* A write nobody claims must be dropped, not kill the VM. */
	outb(PIO_UNCLAIMED, 0);
	b = inb(PIO_UNCLAIMED);
	w = inw(PIO_UNCLAIMED);
	l = inl(PIO_UNCLAIMED);
	/* Like an ISA bus that nobody drives: all ones. */
	report(b == 0xff && w == 0xffff && l == 0xffffffff,
	       "unclaimed port %#x: write ignored, reads all ones (%#x, %#x, %#x)", PIO_UNCLAIMED,
	       b, w, l);
}

static void test_mmio(void)
{
	struct dt_range reg;
	uint64_t q, first, second;
	uint32_t magic;
	int err;

	err = dt_compatible_reg("kvmini,testdev", &reg);
	report(err == 0 && reg.base == KVMINI_TESTDEV_MMIO_BASE,
	       "device tree: kvmini,testdev reg at %#lx (error %d)", err ? 0 : reg.base, err);

	magic = mmio_read32(MMIO_MAGIC);
	report(magic == KVMINI_TESTDEV_MAGIC, "MMIO magic register (%#x)", magic);

	mmio_write64(MMIO_SCRATCH, 0x0123456789abcdefULL);
	q = mmio_read64(MMIO_SCRATCH);
	report(q == 0x0123456789abcdefULL, "MMIO scratch: 8-byte write, 8-byte read (%#lx)", q);
	mmio_write64(MMIO_SCRATCH, 0xfedcba9876543210ULL);
	q = mmio_read64(MMIO_SCRATCH);
	report(q == 0xfedcba9876543210ULL, "MMIO scratch: a second 8-byte value (%#lx)", q);

	first = mmio_read64(MMIO_COUNTER);
	second = mmio_read64(MMIO_COUNTER);
	report(second == first + 1, "MMIO counter: consecutive reads (%lu, %lu)", first, second);
}

int main(void)
{
	test_pio_scratch();
	test_pio_counter();
	test_pio_string_in();
	test_pio_string_out();
	test_pio_unclaimed();
	test_mmio();
	return report_summary();
}
