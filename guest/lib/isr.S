/* SPDX-License-Identifier: MIT */
/*
 * Entry stubs of the 32 exception vectors.
 *
 * The stubs are ISR_STUB_SIZE = 16 bytes apart, in one 512-byte aligned
 * block: exception_init() relies on that layout to fill the IDT cheaply.
 *
 * In 64-bit mode the CPU pushes SS, RSP, RFLAGS, CS and RIP, and for some
 * vectors an error code (Intel SDM Vol. 3, 6.14.2 and table 6-1). Each stub
 * pushes a 0 where the CPU pushed no error code, so that all frames look the
 * same, then its vector number, and jumps to isr_common. isr_common saves the
 * general-purpose registers, making the stack a struct exception_frame
 * (exception.c), and calls exception_dispatch(frame). On return, it restores
 * the registers (the handler may have changed frame->rip) and leaves with
 * iretq.
 */
#define ISR_STUB_SIZE 16 /* as in exception.c */

/* Vectors whose exceptions push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
#define HAS_ERROR_CODE(v) \
	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.code64

	/*
	 * One stub, padded with nops to exactly ISR_STUB_SIZE bytes. If a
	 * stub grew larger, .org would have to move backwards: an assembler
	 * error, not a broken IDT.
	 */
	.macro ISR_STUB vector
isr_stub_\vector:
	.if !HAS_ERROR_CODE(\vector)
	pushq	$0
	.endif
	pushq	$\vector
	jmp	isr_common
	.org	isr_stub_\vector + ISR_STUB_SIZE, 0x90
	.endm

	.balign	512
	.globl	isr_stub_0
	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ISR_STUB \v
	.endr

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi		/* argument: struct exception_frame * */
	movq	%rsp, %rbx		/* callee-saved: survives the call */
	andq	$-16, %rsp		/* the ABI wants RSP 16-byte aligned at a call */
	cld				/* ... and the direction flag clear */
	call	exception_dispatch
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
