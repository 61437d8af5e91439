/* SPDX-License-Identifier: MIT */
/*
 * External interrupts in the tiny guest: the in-kernel local APIC (xAPIC,
 * MMIO at KVMINI_LAPIC_BASE) and I/O APIC (KVMINI_IOAPIC_BASE) that KVM
 * emulates, interrupt vectors in the IDT, and waiting with `sti; hlt`.
 *
 * Wiring: GSI n of the I/O APIC is delivered as vector IRQ_VECTOR_BASE + n,
 * edge-triggered, active high, to this CPU (virtio-mmio devices pulse their
 * line once per event, see devices/virtio/virtio_mmio.c). The local APIC timer
 * ticks every IRQ_TICK_MS and bounds every wait, so that a lost interrupt is
 * a test failure, not a hung VM. The legacy 8259 PICs are masked, so the only way
 * in is through the I/O APIC.
 *
 * Interrupts are enabled only inside irq_wait(); anything that arrives
 * outside waits stays pending in the local APIC until the next one.
 *
 * References: Intel SDM Vol. 3, chapter 11 (APIC) and 6.14 (64-bit IDT);
 * Intel 82093AA I/O APIC datasheet, 3.2 (IOREGSEL/IOWIN, redirection table).
 */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_VECTOR_BASE	    0x30 /* GSI n -> vector 0x30 + n */
#define IRQ_MAX_GSI	    24	 /* I/O APIC pins */
#define IRQ_TIMER_VECTOR    0xe0 /* local APIC timer: wait timeouts */
#define IRQ_TICK_MS	    10	 /* period of that timer */
#define IRQ_SPURIOUS_VECTOR 0xff

typedef void (*irq_handler)(void *opaque);

/*
 * Install an IDT with the exception gates of exception.c plus the interrupt
 * vectors, enable the local APIC and mask the 8259 PICs. Returns 0, or -1
 * (with a message) if the local APIC is not usable in xAPIC mode.
 * Idempotent.
 */
int irq_init(void);

/*
 * Route GSI gsi to handler(opaque) through the I/O APIC (edge, active high,
 * this CPU). The handler runs with interrupts off; the EOI is sent after it.
 * Returns 0 or -1 for a bad GSI.
 */
int irq_enable_gsi(unsigned int gsi, irq_handler handler, void *opaque);

/* Mask GSI gsi in the I/O APIC again. */
void irq_disable_gsi(unsigned int gsi);

/* Number of interrupts taken on GSI gsi since boot. */
uint64_t irq_count(unsigned int gsi);

/*
 * Wait with interrupts enabled (`sti; hlt`) until done(arg) returns true or
 * about timeout_ms have passed (counted in timer ticks). done() is called with interrupts
 * off, so no wake-up is lost between the check and the hlt. Returns true if
 * done() became true.
 */
bool irq_wait(bool (*done)(void *arg), void *arg, uint32_t timeout_ms);

/* Raw I/O APIC redirection entry of pin gsi (low and high dwords), for tests. */
uint64_t irq_ioapic_entry(unsigned int gsi);

#endif /* GUEST_IRQ_H */
