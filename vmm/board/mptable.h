/* SPDX-License-Identifier: MIT */
/*
 * The Intel MultiProcessor Specification table (version 1.4, May 1997): how
 * a guest without ACPI learns its CPUs, its IOAPIC and how ISA interrupts
 * reach the IOAPIC. Linux reads it in arch/x86/kernel/mpparse.c.
 */
#ifndef KVMINI_MPTABLE_H
#define KVMINI_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

/* The MP table's fixed parts (MP spec 1.4, chapter 4). */
#define MPTABLE_ISA_IRQS       16   /* ISA IRQs 0-15, one I/O interrupt entry each */
#define MPTABLE_APIC_VERSION   0x14 /* KVM's local APIC (integrated, version register) */
#define MPTABLE_IOAPIC_VERSION 0x11 /* KVM's IOAPIC (82093AA) */

/* Bytes the floating pointer and configuration table take for ncpus CPUs. */
size_t mptable_size(unsigned int ncpus);

/*
 * Write the MP floating pointer structure followed by the MP configuration
 * table into buf, which the guest sees at guest-physical gpa (below 4 GiB,
 * and where Linux scans for it: the first KiB of RAM, the last KiB of base
 * memory, or 0xf0000-0xfffff). It describes:
 *   - ncpus processors with local APIC IDs 0..ncpus-1, CPU 0 the boot CPU;
 *   - one ISA bus (id 0);
 *   - one IOAPIC with id ncpus (after the CPUs' IDs) at KVMINI_IOAPIC_BASE;
 *   - ISA IRQ n -> IOAPIC pin n for n = 0..15 (the PC's wiring in KVM's
 *     default GSI routing; the virtio-mmio GSIs lie in this range);
 *   - ExtINT (the 8259 PIC) on LINT0 and NMI on LINT1 of every local APIC.
 * ncpus: 1..254 (the IOAPIC needs an ID too). Returns 0, -EINVAL for a bad
 * ncpus or gpa, -ENOSPC if len < mptable_size(ncpus).
 */
int mptable_build(void *buf, size_t len, uint64_t gpa, unsigned int ncpus);

#endif /* KVMINI_MPTABLE_H */
