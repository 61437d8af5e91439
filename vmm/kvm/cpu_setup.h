/* SPDX-License-Identifier: MIT */
/*
 * x86 register setup that puts a vCPU into the mode a guest expects at its
 * entry point: 64-bit long mode (the tiny guest, a bzImage) or 32-bit
 * protected mode (the PVH entry of a vmlinux).
 */
#ifndef KVMINI_CPU_SETUP_H
#define KVMINI_CPU_SETUP_H

#include <stdint.h>

struct vcpu;

/*
 * Both write a GDT at KVMINI_BOOT_GDT.
 * cpu_setup_long_mode: also identity page tables (2 MiB pages) covering
 * max(4 GiB, top of RAM), paging on, EFER.LME/LMA, 64-bit code segment.
 * cpu_setup_protected_mode: 32-bit flat segments, paging off (PVH entry).
 * RIP, RSP, RSI, RDI, RBX and RAX are set as given (RAX: the multiboot
 * loader magic). 0 or -errno.
 */
struct cpu_entry {
	uint64_t rip, rsp, rdi, rsi, rbx, rax;
};
int cpu_setup_long_mode(struct vcpu *vcpu, const struct cpu_entry *entry);
int cpu_setup_protected_mode(struct vcpu *vcpu, const struct cpu_entry *entry);

#endif /* KVMINI_CPU_SETUP_H */
