/* SPDX-License-Identifier: MIT */
/*
 * Entry point of the tiny guest kernel.
 *
 * The monitor starts us as described by the entry contract in
 * include/abi/kvmini_abi.h: 64-bit long mode, paging on, memory identity
 * mapped, interrupts off, and
 *	RDI = guest-physical address of the flattened device tree
 *	RSI = KVMINI_BOOT_MAGIC
 *	RSP = KVMINI_BOOT_STACK_TOP (in the monitor's low-memory area)
 *
 * We only switch to a stack of our own and call guest_boot(fdt, magic) in
 * boot.c, which runs the test program and stops the VM through the test
 * device. RDI and RSI already hold guest_boot()'s two arguments in the
 * System V AMD64 calling convention, so they are passed through untouched.
 *
 * .bss is NOT cleared here. The monitor gives the guest zero-filled memory,
 * and the ELF's .bss lies past the end of the file data (p_memsz > p_filesz),
 * so it is already zero. Clearing it anyway, with `rep stosb` or a loop,
 * would cost milliseconds: on hosts where KVM emulates guest kernel code,
 * every instruction or repetition costs about 0.6 us.
 */
	.section .text.boot, "ax"
	.code64
	.globl	_start
	.type	_start, @function
_start:
	leaq	boot_stack_top(%rip), %rsp
	xorl	%ebp, %ebp		/* end of the frame-pointer chain */
	call	guest_boot		/* does not return */
1:	cli
	hlt
	jmp	1b
	.size	_start, . - _start

	/*
	 * The boot stack. 16-byte aligned, so that RSP is aligned as the ABI
	 * wants at the call above. Exceptions are delivered on this stack
	 * too (no IST), which is why the guest is built with -mno-red-zone.
	 */
	.section .bss
	.balign	16
boot_stack:
	.skip	32768
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
