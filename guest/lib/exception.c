/* SPDX-License-Identifier: MIT */
/*
 * The IDT and the C half of exception handling (see exception.h for the
 * API and isr.S for the entry stubs).
 */
#include <stddef.h>

#include <abi/kvmini_abi.h>

#include "exception.h"
#include "guest.h"
#include "io.h"
#include "report.h"

/* The stack as isr_common leaves it, lowest address first. */
struct exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code; /* pushed by the CPU, or 0 by the stub */
	/* Pushed by the CPU (SDM Vol. 3, 6.14.2, figure 6-9). */
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * A 64-bit interrupt gate (SDM Vol. 3, 6.14.1, figure 6-8) is 16 bytes:
 *   bits  0-15  handler offset 15:0
 *   bits 16-31  code segment selector
 *   bits 32-34  IST index (0: stay on the current stack)
 *   bits 40-47  type 0xe (64-bit interrupt gate), DPL 0, present: 0x8e
 *   bits 48-63  handler offset 31:16
 *   bits 64-95  handler offset 63:32
 */
struct idt_gate {
	uint64_t low;
	uint64_t high;
};

#define IDT_GATE_INTERRUPT 0x8e
#define NO_VECTOR	   0xffffffffu

/* Operand of lidt: limit (size - 1) and linear base address. */
struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* isr.S: the stub of vector v is at isr_stub_0 + v * ISR_STUB_SIZE. */
extern const char isr_stub_0[];
#define ISR_STUB_SIZE 16

static struct idt_gate idt[EXCEPTION_VECTORS] __attribute__((aligned(16)));

uint64_t exception_resume_rip;
static unsigned int expected_vector = NO_VECTOR;
static struct exception_info caught_info;
static bool caught;
static bool reporting; /* an unexpected exception is being reported */

static const char *const vector_names[] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE",  "#CP",
};

const char *exception_name(unsigned int vector)
{
	if (vector < sizeof(vector_names) / sizeof(vector_names[0]))
		return vector_names[vector];
	return "reserved";
}

void exception_init(void)
{
	struct idt_pointer idtr = {.limit = sizeof(idt) - 1, .base = (uintptr_t)idt};
	uint64_t stub = (uintptr_t)isr_stub_0;
	uint64_t gate;

	/*
	 * The gate of vector 0. The image is linked at 1 MiB, far below 4 GiB,
	 * so offset 63:32, and with it the upper half of every gate, is 0, as
	 * .bss already is.
	 */
	gate = (stub & 0xffff) | (uint64_t)KVMINI_SEL_CODE64 << 16 |
	       (uint64_t)IDT_GATE_INTERRUPT << 40 | (stub & 0xffff0000) << 32;
	/*
	 * isr.S puts stub v at isr_stub_0 + 16 * v in one 512-byte aligned
	 * block, which never crosses a 64 KiB boundary: from one gate to the
	 * next, only offset 15:0 changes, by 16. Filling the IDT this way
	 * takes 5 instructions per gate, which counts where KVM emulates the
	 * guest (a general version took 13, about 0.4 ms for the 32 gates).
	 */
	for (unsigned int v = 0; v < EXCEPTION_VECTORS; v++) {
		idt[v].low = gate;
		gate += ISR_STUB_SIZE;
	}
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

void exception_expect(unsigned int vector)
{
	expected_vector = vector;
	exception_resume_rip = 0;
	caught = false;
}

bool exception_caught(struct exception_info *info)
{
	bool was_caught = caught;

	if (was_caught)
		*info = caught_info;
	expected_vector = NO_VECTOR;
	exception_resume_rip = 0;
	caught = false;
	return was_caught;
}

static __attribute__((noreturn)) void report_unexpected(const struct exception_frame *frame)
{
	if (reporting) {
		/* A fault while printing the last one: just stop. */
		guest_exit(1);
	}
	reporting = true;
	report(false, "unexpected exception %s (vector %lu) at RIP %#lx, error code %#lx, RSP %#lx",
	       exception_name(frame->vector), frame->vector, frame->rip, frame->error_code,
	       frame->rsp);
	if (frame->vector == PF_VECTOR)
		printf("  CR2 (faulting address) = %#lx\n", read_cr2());
	if (expected_vector != NO_VECTOR) {
		printf("  (armed for %s; resume point %s)\n", exception_name(expected_vector),
		       exception_resume_rip ? "set" : "missing: no EXCEPTION_RESUME_AT?");
	}
	guest_exit(report_summary());
}

/* Called by isr_common for every exception. */
void exception_dispatch(struct exception_frame *frame);

void exception_dispatch(struct exception_frame *frame)
{
	if (frame->vector != expected_vector || exception_resume_rip == 0)
		report_unexpected(frame);

	caught_info = (struct exception_info){
		.vector = (unsigned int)frame->vector,
		.error_code = frame->error_code,
		.rip = frame->rip,
		.cr2 = frame->vector == PF_VECTOR ? read_cr2() : 0,
	};
	caught = true;
	frame->rip = exception_resume_rip;
	expected_vector = NO_VECTOR;
	exception_resume_rip = 0;
}
