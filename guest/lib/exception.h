/* SPDX-License-Identifier: MIT */
/*
 * CPU exceptions in the tiny guest.
 *
 * boot.c installs an IDT with a handler for each of the 32 exception vectors
 * (Intel SDM Vol. 3, 6.3.1, table 6-1). By default any exception is a test
 * failure: the handler prints
 *	FAIL: unexpected exception #PF (vector 14) at RIP ..., error code ..., CR2 ...
 * then the summary, and stops the VM with exit status 1.
 *
 * A test that WANTS an exception arms the handler for one vector and says
 * where execution goes on afterwards, inside the same asm statement as the
 * faulting instruction:
 *
 *	struct exception_info info;
 *
 *	exception_expect(UD_VECTOR);
 *	asm volatile(EXCEPTION_RESUME_AT("1f")
 *		     "ud2\n"
 *		     "1:" : : : "memory");
 *	report(exception_caught(&info) && info.vector == UD_VECTOR, "ud2 raises #UD");
 *
 * EXCEPTION_RESUME_AT("1f") stores the address of local label 1 as the
 * resume point. When the armed exception arrives, the handler records it and
 * returns (iretq) to that label with every register as it was at the fault.
 * It is one-shot: the next exception is unexpected again. If the instruction
 * does not fault, execution simply falls through to the label and
 * exception_caught() returns false.
 *
 * The resume point must be in the same asm statement, so that the compiler
 * cannot have moved values into registers between the fault and the label.
 */
#ifndef GUEST_EXCEPTION_H
#define GUEST_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

#define DE_VECTOR	  0  /* divide error */
#define DB_VECTOR	  1  /* debug */
#define BP_VECTOR	  3  /* breakpoint (int3) */
#define UD_VECTOR	  6  /* invalid opcode */
#define DF_VECTOR	  8  /* double fault */
#define GP_VECTOR	  13 /* general protection */
#define PF_VECTOR	  14 /* page fault */
#define EXCEPTION_VECTORS 32

/* Page-fault error code bits (SDM Vol. 3, 4.7, figure 4-12). */
#define PF_ERR_PRESENT 0x1 /* 0: the page was not present */
#define PF_ERR_WRITE   0x2 /* 1: the access was a write */
#define PF_ERR_USER    0x4 /* 1: the access was made in user mode */

/* What the handler recorded about a caught exception. */
struct exception_info {
	unsigned int vector;
	uint64_t error_code; /* 0 for vectors that push none */
	uint64_t rip;	     /* as pushed by the CPU: the faulting instruction for
			      * faults, the next instruction for traps (#BP) */
	uint64_t cr2;	     /* faulting address, #PF only */
};

/* Resume point of the armed exception; 0 if none. Set by EXCEPTION_RESUME_AT. */
extern uint64_t exception_resume_rip;

/*
 * Inline-assembly prefix (extended asm only): the armed exception resumes at
 * label. The image is linked below 2 GiB, so the address fits the
 * sign-extended 32-bit immediate of movq.
 */
#define EXCEPTION_RESUME_AT(label) "movq $" label ", exception_resume_rip(%%rip)\n\t"

/* Install the IDT. Called once by boot.c. */
void exception_init(void);

/* Arm the handler for the next exception with this vector (see above). */
void exception_expect(unsigned int vector);

/*
 * Disarm the handler. Returns true and fills *info if the armed exception
 * happened since exception_expect(), false if it did not.
 */
bool exception_caught(struct exception_info *info);

/* Short name of a vector, such as "#PF". */
const char *exception_name(unsigned int vector);

#endif /* GUEST_EXCEPTION_H */
