/* SPDX-License-Identifier: MIT */
/*
 * exceptions: raise CPU exceptions on purpose, catch them, check what the
 * CPU (or KVM) reported, and carry on.
 *
 * Each test arms the handler with exception_expect(), runs one faulting
 * instruction in an asm statement that also sets the resume point (see
 * exception.h), and then checks the vector, the error code, the saved RIP
 * (the faulting instruction for faults; the next one for the #BP trap) and,
 * for #PF, CR2. Vectors and error codes: Intel SDM Vol. 3, 6.15.
 *
 * The int3 test comes last. int3 is one of the instructions that KVM's
 * instruction emulator cannot run; on such hosts kvmini must inject the #BP
 * itself (advance RIP past the int3, then KVM_SET_VCPU_EVENTS). If it does
 * not, the VM ends there and the earlier results are already printed.
 */
#include <stdbool.h>
#include <stdint.h>

#include "exception.h"
#include "report.h"

/*
 * 512 GiB: mapped by PML4 entry 1, which the monitor leaves empty (it maps
 * only up to max(4 GiB, top of RAM) from entry 0).
 */
#define UNMAPPED_ADDRESS      0x8000000000ULL
#define NON_CANONICAL_ADDRESS 0x8000000000000000ULL

static void check_caught(unsigned int vector, uint64_t expected_rip, uint64_t expected_error,
			 const char *what)
{
	struct exception_info info = {0};
	bool caught = exception_caught(&info);

	report(caught && info.vector == vector && info.rip == expected_rip &&
		       info.error_code == expected_error,
	       "%s raises %s (caught %d: vector %u, RIP %#lx (expected %#lx), error code %#lx)",
	       what, exception_name(vector), caught, info.vector, info.rip, expected_rip,
	       info.error_code);
}

/* #UD, and all registers as they were at the fault after the return. */
static void test_ud(void)
{
	uint64_t rip, rbx, r12;

	exception_expect(UD_VECTOR);
	asm volatile(EXCEPTION_RESUME_AT("1f") "movabsq $0x0123456789abcdef, %%rbx\n\t"
					       "movabsq $0xfedcba9876543210, %%r12\n\t"
					       "leaq 2f(%%rip), %0\n"
					       "2: ud2\n"
					       "1: movq %%rbx, %1\n\t"
					       "movq %%r12, %2"
		     : "=r"(rip), "=r"(rbx), "=r"(r12)
		     :
		     : "rbx", "r12", "memory");
	check_caught(UD_VECTOR, rip, 0, "ud2");
	report(rbx == 0x0123456789abcdefULL && r12 == 0xfedcba9876543210ULL,
	       "registers survive the #UD handler (rbx %#lx, r12 %#lx)", rbx, r12);
}

static void test_de(void)
{
	uint64_t rip;
	uint32_t divisor = 0;

	exception_expect(DE_VECTOR);
	asm volatile(EXCEPTION_RESUME_AT("1f") "movl $1, %%eax\n\t"
					       "xorl %%edx, %%edx\n\t"
					       "leaq 2f(%%rip), %0\n"
					       "2: divl %1\n"
					       "1:"
		     : "=&r"(rip)
		     : "r"(divisor)
		     : "rax", "rdx", "memory");
	check_caught(DE_VECTOR, rip, 0, "divide by zero");
}

/* A read and a write of an unmapped page: #PF with CR2 and the access type. */
static void test_pf(void)
{
	struct exception_info info = {0};
	uint64_t rip, value = 0;
	bool caught;

	exception_expect(PF_VECTOR);
	asm volatile(EXCEPTION_RESUME_AT("1f") "leaq 2f(%%rip), %0\n"
					       "2: movq (%2), %1\n"
					       "1:"
		     : "=&r"(rip), "+r"(value)
		     : "r"(UNMAPPED_ADDRESS)
		     : "memory");
	caught = exception_caught(&info);
	/* Bits 0-2: not present (P=0), read (W=0), supervisor (U=0). */
	report(caught && info.vector == PF_VECTOR && info.rip == rip &&
		       info.cr2 == UNMAPPED_ADDRESS && (info.error_code & 7) == 0,
	       "read of unmapped %#llx raises #PF (caught %d: vector %u, RIP %#lx (expected "
	       "%#lx), CR2 %#lx, error code %#lx)",
	       UNMAPPED_ADDRESS, caught, info.vector, info.rip, rip, info.cr2, info.error_code);

	exception_expect(PF_VECTOR);
	asm volatile(EXCEPTION_RESUME_AT("1f") "leaq 2f(%%rip), %0\n"
					       "2: movq %1, (%2)\n"
					       "1:"
		     : "=&r"(rip)
		     : "r"(value), "r"(UNMAPPED_ADDRESS + 8)
		     : "memory");
	caught = exception_caught(&info);
	report(caught && info.vector == PF_VECTOR && info.rip == rip &&
		       info.cr2 == UNMAPPED_ADDRESS + 8 && (info.error_code & 7) == PF_ERR_WRITE,
	       "write to unmapped %#llx raises #PF (caught %d: CR2 %#lx, error code %#lx)",
	       UNMAPPED_ADDRESS + 8, caught, info.cr2, info.error_code);
}

/* A non-canonical address is a #GP(0), not a #PF (SDM Vol. 1, 3.3.7.1). */
static void test_gp(void)
{
	uint64_t rip, value = 0;

	exception_expect(GP_VECTOR);
	asm volatile(EXCEPTION_RESUME_AT("1f") "leaq 2f(%%rip), %0\n"
					       "2: movq (%2), %1\n"
					       "1:"
		     : "=&r"(rip), "+r"(value)
		     : "r"(NON_CANONICAL_ADDRESS)
		     : "memory");
	check_caught(GP_VECTOR, rip, 0, "read of a non-canonical address");
}

/* An armed handler must not report an exception that did not happen. */
static void test_no_exception(void)
{
	struct exception_info info;

	exception_expect(UD_VECTOR);
	/* clang-format off */
	asm volatile(EXCEPTION_RESUME_AT("1f")
		     "nop\n"
		     "1:" : : : "memory");
	/* clang-format on */
	report(!exception_caught(&info), "no exception reported when none happened");
}

/*
 * int3 is a trap: the saved RIP is the instruction after it. The symbol
 * check_insns_allow_int3 exempts exactly this one instruction from the
 * build-time instruction check (guest/lint/check-insns.sh).
 */
static __attribute__((noinline)) void test_bp(void)
{
	uint64_t rip;

	exception_expect(BP_VECTOR);
	asm volatile(EXCEPTION_RESUME_AT("1f") "leaq 2f(%%rip), %0\n"
					       "check_insns_allow_int3:\n"
					       "2: int3\n"
					       "exceptions_after_int3:\n"
					       "1:"
		     : "=r"(rip)
		     :
		     : "memory");
	check_caught(BP_VECTOR, rip + 1, 0, "int3");
}

int main(void)
{
	test_ud();
	test_de();
	test_pf();
	test_gp();
	test_no_exception();
	test_bp();
	return report_summary();
}
