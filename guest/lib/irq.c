/* SPDX-License-Identifier: MIT */
/*
 * Local APIC, I/O APIC, IDT vectors and interrupt waits (see irq.h).
 */
#include <stddef.h>

#include <abi/kvmini_abi.h>

#include "io.h"
#include "irq.h"
#include "printf.h"

/* Local APIC registers, offsets from KVMINI_LAPIC_BASE (SDM Vol. 3, table 11-1). */
#define LAPIC_ID	   0x020
#define LAPIC_TPR	   0x080
#define LAPIC_EOI	   0x0b0
#define LAPIC_SVR	   0x0f0
#define LAPIC_LVT_TIMER	   0x320
#define LAPIC_LVT_LINT0	   0x350
#define LAPIC_TIMER_INIT   0x380
#define LAPIC_TIMER_DIV	   0x3e0
#define LAPIC_SVR_ENABLE   0x100 /* APIC software enable */
#define LAPIC_LVT_MASKED   0x10000
#define LAPIC_LVT_PERIODIC 0x20000 /* timer mode bits 18:17 = 01 */
#define LAPIC_DIV_BY_1	   0xb
#define MSR_APIC_BASE	   0x1b
#define APIC_BASE_ENABLE   (1u << 11)
#define APIC_BASE_X2APIC   (1u << 10)
/* KVM's local APIC timer counts at 1 GHz before the divider. */
#define LAPIC_TICKS_PER_MS 1000000u

/* I/O APIC: an index register and a data window (82093AA datasheet, 3.1). */
#define IOAPIC_IOREGSEL	 0x00
#define IOAPIC_IOWIN	 0x10
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define IOAPIC_MASKED	 0x10000 /* bit 16; bit 15 = 0 edge, bit 13 = 0 active high */

/* 8259 PIC data ports: a write there sets the interrupt mask (OCW1). */
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

#define IDT_ENTRIES	   256
#define IDT_GATE_INTERRUPT 0x8e

struct idt_gate {
	uint64_t low, high;
};

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t irq_stubs[]; /* irq_entry.S: (vector, address) pairs */

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));
static struct {
	irq_handler fn;
	void *opaque;
	uint64_t count;
} gsi_table[IRQ_MAX_GSI];
static volatile uint64_t ticks; /* local APIC timer interrupts taken */
static bool initialised;

static uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(KVMINI_LAPIC_BASE + reg);
}

static void lapic_write(uint32_t reg, uint32_t value)
{
	mmio_write32(KVMINI_LAPIC_BASE + reg, value);
}

static void ioapic_write(uint32_t reg, uint32_t value)
{
	mmio_write32(KVMINI_IOAPIC_BASE + IOAPIC_IOREGSEL, reg);
	mmio_write32(KVMINI_IOAPIC_BASE + IOAPIC_IOWIN, value);
}

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(KVMINI_IOAPIC_BASE + IOAPIC_IOREGSEL, reg);
	return mmio_read32(KVMINI_IOAPIC_BASE + IOAPIC_IOWIN);
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void set_gate(unsigned int vector, uint64_t addr)
{
	idt[vector].low = (addr & 0xffff) | (uint64_t)KVMINI_SEL_CODE64 << 16 |
			  (uint64_t)IDT_GATE_INTERRUPT << 40 | (addr & 0xffff0000) << 32;
	idt[vector].high = addr >> 32;
}

/* A bigger IDT: the 32 exception gates exception.c installed, then ours. */
static void idt_extend(void)
{
	struct idt_pointer old, new;

	asm volatile("sidt %0" : "=m"(old));
	const struct idt_gate *gates = (const struct idt_gate *)old.base;
	unsigned int count = (old.limit + 1u) / sizeof(struct idt_gate);
	for (unsigned int v = 0; v < count && v < IDT_ENTRIES; v++)
		idt[v] = gates[v];
	for (const uint64_t *p = irq_stubs; p[0] != 0; p += 2)
		set_gate((unsigned int)p[0], p[1]);
	new.limit = sizeof(idt) - 1;
	new.base = (uintptr_t)idt;
	asm volatile("lidt %0" : : "m"(new) : "memory");
}

int irq_init(void)
{
	if (initialised)
		return 0;
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE) || (base & APIC_BASE_X2APIC)) {
		printf("irq: local APIC not in xAPIC mode (IA32_APIC_BASE %#lx)\n", base);
		return -1;
	}
	idt_extend();
	/* The PICs would deliver GSIs 0-15 too, as vectors that are exceptions here. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | IRQ_SPURIOUS_VECTOR);
	/*
	 * A periodic tick bounds every wait. It runs all the time, so a wait
	 * costs no timer programming; it is only taken while a wait has
	 * interrupts enabled (at most one tick stays pending otherwise).
	 */
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_BY_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_PERIODIC | IRQ_TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, IRQ_TICK_MS * LAPIC_TICKS_PER_MS);
	initialised = true;
	return 0;
}

int irq_enable_gsi(unsigned int gsi, irq_handler handler, void *opaque)
{
	if (gsi >= IRQ_MAX_GSI)
		return -1;
	gsi_table[gsi].fn = handler;
	gsi_table[gsi].opaque = opaque;
	uint32_t apic_id = lapic_read(LAPIC_ID) >> 24;
	ioapic_write(IOAPIC_REDTBL(gsi) + 1, apic_id << 24);
	ioapic_write(IOAPIC_REDTBL(gsi), IRQ_VECTOR_BASE + gsi); /* fixed, physical, edge, high */
	return 0;
}

void irq_disable_gsi(unsigned int gsi)
{
	if (gsi < IRQ_MAX_GSI)
		ioapic_write(IOAPIC_REDTBL(gsi), IOAPIC_MASKED | (IRQ_VECTOR_BASE + gsi));
}

uint64_t irq_count(unsigned int gsi)
{
	return gsi < IRQ_MAX_GSI ? gsi_table[gsi].count : 0;
}

uint64_t irq_ioapic_entry(unsigned int gsi)
{
	if (gsi >= IRQ_MAX_GSI)
		return 0;
	return (uint64_t)ioapic_read(IOAPIC_REDTBL(gsi) + 1) << 32 |
	       ioapic_read(IOAPIC_REDTBL(gsi));
}

/* Called by irq_common (irq_entry.S) for every external interrupt. */
void irq_dispatch(uint64_t vector);

void irq_dispatch(uint64_t vector)
{
	if (vector == IRQ_SPURIOUS_VECTOR)
		return; /* SDM 11.9: no EOI for a spurious interrupt */
	if (vector == IRQ_TIMER_VECTOR) {
		ticks++;
	} else if (vector >= IRQ_VECTOR_BASE && vector < IRQ_VECTOR_BASE + IRQ_MAX_GSI) {
		unsigned int gsi = (unsigned int)(vector - IRQ_VECTOR_BASE);
		gsi_table[gsi].count++;
		if (gsi_table[gsi].fn)
			gsi_table[gsi].fn(gsi_table[gsi].opaque);
	}
	lapic_write(LAPIC_EOI, 0);
}

bool irq_wait(bool (*done)(void *arg), void *arg, uint32_t timeout_ms)
{
	/* +1: the first tick may come at once (one may be pending from before). */
	uint64_t start = ticks, limit = timeout_ms / IRQ_TICK_MS + 1;

	for (;;) {
		asm volatile("cli" : : : "memory");
		if (done(arg))
			return true;
		if (ticks - start > limit)
			return false;
		/*
		 * sti delays interrupts by one instruction (SDM Vol. 2, STI), so
		 * one that is already pending wakes the hlt instead of slipping
		 * in between the check above and the hlt. Interrupts are off
		 * again when this function returns.
		 */
		asm volatile("sti; hlt" : : : "memory");
	}
}
