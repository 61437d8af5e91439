/* SPDX-License-Identifier: MIT */
/*
 * Entry stubs of the external-interrupt vectors (see irq.h).
 *
 * An interrupt pushes SS, RSP, RFLAGS, CS and RIP and no error code (Intel
 * SDM Vol. 3, 6.14.2). Each stub pushes its vector and jumps to irq_common,
 * which saves the registers the C calling convention lets irq_dispatch()
 * clobber, calls irq_dispatch(vector) on a 16-byte aligned stack and returns
 * with iretq. The interrupted code may be anywhere (it is normally the `hlt`
 * in irq_wait()), so every caller-saved register is preserved.
 */
	.text
	.code64

	.macro IRQ_STUB vector
	.balign	16
irq_stub_\vector:
	pushq	$\vector
	jmp	irq_common
	.endm

	/* Vectors 0x30..0x47 (GSI 0..23), the timer 0xe0 and spurious 0xff. */
	.irp	v, 0x30,0x31,0x32,0x33,0x34,0x35,0x36,0x37,0x38,0x39,0x3a,0x3b,0x3c,0x3d,0x3e,0x3f,0x40,0x41,0x42,0x43,0x44,0x45,0x46,0x47,0xe0,0xff
	IRQ_STUB \v
	.endr

irq_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	movq	80(%rsp), %rdi		/* argument: the vector the stub pushed */
	movq	%rsp, %rbx		/* callee-saved: survives the call */
	andq	$-16, %rsp
	cld
	call	irq_dispatch
	movq	%rbx, %rsp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$8, %rsp		/* the vector */
	iretq

	/* (vector, stub address) pairs for irq_init(), ended by a 0 vector. */
	.section .rodata
	.balign	8
	.globl	irq_stubs
irq_stubs:
	.irp	v, 0x30,0x31,0x32,0x33,0x34,0x35,0x36,0x37,0x38,0x39,0x3a,0x3b,0x3c,0x3d,0x3e,0x3f,0x40,0x41,0x42,0x43,0x44,0x45,0x46,0x47,0xe0,0xff
	.quad	\v, irq_stub_\v
	.endr
	.quad	0, 0

	.section .note.GNU-stack, "", @progbits
