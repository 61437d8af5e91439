/* SPDX-License-Identifier: MIT */
/*
 * Samples of every instruction category that guest/lint/check-insns.sh must
 * reject. Assembled into a library that is NEVER linked into a guest: the
 * guest-lint self-test runs the checker on it and expects every category to
 * be found, so that a broken checker cannot pass silently.
 */
	.text
	.code64
forbidden_samples:
	/* SSE/AVX/MMX register */
	pxor	%xmm0, %xmm0
	vpxor	%ymm1, %ymm1, %ymm1
	movq	%mm0, %rax
	/* x87 instruction */
	fnstsw	%ax
	fwait
	fldz
	/* popcnt */
	popcnt	%rax, %rbx
	/* xsave family */
	xsave	(%rdi)
	xrstor	(%rdi)
	xgetbv
	/* cmpxchg16b */
	lock cmpxchg16b (%rdi)
	/* crc32 */
	crc32q	%rax, %rbx
	/* software interrupt */
	int3
	int	$0x80
	/* rdtscp/rdpid */
	rdtscp
	rdpid	%rax
	/* lzcnt/tzcnt */
	lzcnt	%rax, %rbx
	tzcnt	%rax, %rbx
	/* BMI/ADX */
	andn	%rax, %rbx, %rcx
	blsr	%rax, %rbx
	shlx	%rax, %rbx, %rcx
	/* movbe */
	movbe	(%rdi), %rax
	/* other instruction the emulator lacks */
	stac
	clac
	lsl	%ax, %bx
	verw	%ax
	ldmxcsr	(%rdi)
	clflushopt (%rdi)
	ret

	.section .note.GNU-stack, "", @progbits
