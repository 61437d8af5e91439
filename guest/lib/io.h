/* SPDX-License-Identifier: MIT */
/*
 * Port I/O, MMIO and a few privileged CPU instructions for the tiny guest.
 *
 * Every helper is a single instruction in inline assembly, so that a test
 * knows exactly which access reaches the monitor: the compiler may not merge,
 * split, widen or reorder them ("memory" clobbers, volatile asm).
 *
 * Only instructions that this host's KVM instruction emulator can run are
 * used (see /work/shared/host-notes.md and guest/lint/check-insns.sh).
 */
#ifndef GUEST_IO_H
#define GUEST_IO_H

#include <stdint.h>
#include <stddef.h>

/* ---- port I/O (Intel SDM Vol. 1, 18.2 "I/O port addressing") ---------- */

static inline void outb(uint16_t port, uint8_t value)
{
	asm volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t value)
{
	asm volatile("outw %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t value)
{
	asm volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t value;

	asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
	return value;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t value;

	asm volatile("inw %1, %0" : "=a"(value) : "Nd"(port) : "memory");
	return value;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t value;

	asm volatile("inl %1, %0" : "=a"(value) : "Nd"(port) : "memory");
	return value;
}

/*
 * String port I/O: `rep ins`/`rep outs` move count elements between the port
 * and buf. KVM may hand all repetitions to the monitor in one exit
 * (kvm_run->io.count > 1); the monitor must perform every one of them.
 */
static inline void insb(uint16_t port, void *buf, size_t count)
{
	asm volatile("rep insb" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void insw(uint16_t port, void *buf, size_t count)
{
	asm volatile("rep insw" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void insl(uint16_t port, void *buf, size_t count)
{
	asm volatile("rep insl" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void outsb(uint16_t port, const void *buf, size_t count)
{
	asm volatile("rep outsb" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void outsw(uint16_t port, const void *buf, size_t count)
{
	asm volatile("rep outsw" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void outsl(uint16_t port, const void *buf, size_t count)
{
	asm volatile("rep outsl" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
}

/* ---- MMIO: one plain mov of the given width ---------------------------- */

static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t value;

	asm volatile("movl (%1), %0" : "=r"(value) : "r"(addr) : "memory");
	return value;
}

static inline uint64_t mmio_read64(uint64_t addr)
{
	uint64_t value;

	asm volatile("movq (%1), %0" : "=r"(value) : "r"(addr) : "memory");
	return value;
}

static inline void mmio_write32(uint64_t addr, uint32_t value)
{
	asm volatile("movl %0, (%1)" : : "r"(value), "r"(addr) : "memory");
}

static inline void mmio_write64(uint64_t addr, uint64_t value)
{
	asm volatile("movq %0, (%1)" : : "r"(value), "r"(addr) : "memory");
}

/* ---- privileged CPU state ---------------------------------------------- */

/* CR2 holds the linear address of the last page fault (SDM Vol. 3, 4.7). */
static inline uint64_t read_cr2(void)
{
	uint64_t value;

	asm volatile("movq %%cr2, %0" : "=r"(value));
	return value;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
		     : "memory");
}

/* Stop this vCPU for good: interrupts are off, so hlt never returns. */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt" : : : "memory");
}

#endif /* GUEST_IO_H */
