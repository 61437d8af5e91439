// SPDX-License-Identifier: MIT
/*
 * Put a vCPU straight into the mode the guest's entry point expects, without
 * running any firmware: flat segments from our own GDT, and for long mode
 * identity-mapped page tables (Intel SDM vol. 3: 3.4.5 segment descriptors,
 * 4.5 4-level paging, 9.8.5 initializing IA-32e mode).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/kvmini_abi.h"
#include "kvmini/log.h"
#include "kvm/cpu_setup.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"
#include "kvm/x86.h"

#define GIB  (1ull << 30)
#define MIB2 (2ull << 20)

/*
 * GDT descriptors as the CPU reads them (SDM vol. 3, figure 3-8):
 * base 0, limit 0xfffff in 4 KiB units (G=1), present, DPL 0.
 *   0x00af9b000000ffff: code, execute/read, L=1 (64-bit)
 *   0x00cf93000000ffff: data, read/write, D/B=1
 *   0x00cf9b000000ffff: code, execute/read, D/B=1 (32-bit)
 */
static const uint64_t boot_gdt[] = {
	0, 0x00af9b000000ffffull, /* KVMINI_SEL_CODE64 */
	0x00cf93000000ffffull,	  /* KVMINI_SEL_DATA */
	0x00cf9b000000ffffull,	  /* KVMINI_SEL_CODE32 */
};

/* The same segments as KVM_SET_SREGS wants them (the hidden part of the registers). */
static struct kvm_segment flat_segment(uint16_t selector, bool code, bool long_mode)
{
	struct kvm_segment seg = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = code ? 0xb : 0x3, /* execute/read accessed, or read/write accessed */
		.present = 1,
		.dpl = 0,
		.db = long_mode && code ? 0 : 1, /* D must be 0 when L is 1 */
		.s = 1,
		.l = long_mode && code ? 1 : 0,
		.g = 1,
	};
	return seg;
}

static int write_gdt(struct vm *vm, struct kvm_sregs *sregs)
{
	if (guest_mem_write(&vm->mem, KVMINI_BOOT_GDT, boot_gdt, sizeof(boot_gdt)))
		return -ENOMEM;
	sregs->gdt.base = KVMINI_BOOT_GDT;
	sregs->gdt.limit = sizeof(boot_gdt) - 1;
	/* No IDT yet: the guest installs its own before it enables interrupts. */
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	return 0;
}

/*
 * Identity map [0, max(4 GiB, top of RAM)) with 2 MiB pages: one PML4
 * entry, one PDPT with an entry per GiB, one page directory per GiB.
 * The MMIO hole is mapped too, so devices and the APICs are reachable.
 */
static int write_page_tables(struct vm *vm)
{
	uint64_t top = guest_mem_top(&vm->mem);
	uint64_t span = top > 4 * GIB ? top : 4 * GIB;
	uint64_t gigs = (span + GIB - 1) / GIB;
	uint64_t pml4 = KVMINI_BOOT_PML4, pdpt = pml4 + 0x1000, pd = pdpt + 0x1000;

	if (gigs > 512 || pd + gigs * 0x1000 > KVMINI_BOOT_PT_END)
		return -E2BIG;

	uint64_t *pml4_p = guest_mem_ptr(&vm->mem, pml4, 0x1000);
	uint64_t *pdpt_p = guest_mem_ptr(&vm->mem, pdpt, 0x1000);
	uint64_t *pd_p = guest_mem_ptr(&vm->mem, pd, gigs * 0x1000);
	if (!pml4_p || !pdpt_p || !pd_p)
		return -ENOMEM;

	memset(pml4_p, 0, 0x2000);
	pml4_p[0] = pdpt | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t g = 0; g < gigs; g++)
		pdpt_p[g] = (pd + g * 0x1000) | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t i = 0; i < gigs * 512; i++)
		pd_p[i] = (i * MIB2) | PTE_PRESENT | PTE_WRITABLE | PTE_PS;
	return 0;
}

static int set_registers(struct vcpu *vcpu, struct kvm_sregs *sregs, const struct cpu_entry *e)
{
	struct kvm_regs regs = {
		.rip = e->rip,
		.rsp = e->rsp,
		.rdi = e->rdi,
		.rsi = e->rsi,
		.rbx = e->rbx,
		.rax = e->rax,
		.rflags = 0x2, /* bit 1 is reserved and always set; IF clear */
	};

	if (ioctl(vcpu->fd, KVM_SET_SREGS, sregs) < 0) {
		int err = errno;
		log_error("KVM_SET_SREGS on vCPU %u failed: %s", vcpu->id, strerror(err));
		return -err;
	}
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0) {
		int err = errno;
		log_error("KVM_SET_REGS on vCPU %u failed: %s", vcpu->id, strerror(err));
		return -err;
	}
	return 0;
}

int cpu_setup_long_mode(struct vcpu *vcpu, const struct cpu_entry *entry)
{
	struct kvm_sregs sregs;
	int ret;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	ret = write_gdt(vcpu->vm, &sregs);
	if (!ret)
		ret = write_page_tables(vcpu->vm);
	if (ret) {
		log_error("guest memory too small or too large for the boot page tables");
		return ret;
	}
	sregs.cs = flat_segment(KVMINI_SEL_CODE64, true, true);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		flat_segment(KVMINI_SEL_DATA, false, true);
	sregs.cr3 = KVMINI_BOOT_PML4;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	/* With KVM_SET_SREGS we state the final IA-32e state directly: LME and LMA. */
	sregs.efer = EFER_LME | EFER_LMA;
	return set_registers(vcpu, &sregs, entry);
}

int cpu_setup_protected_mode(struct vcpu *vcpu, const struct cpu_entry *entry)
{
	struct kvm_sregs sregs;
	int ret;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	ret = write_gdt(vcpu->vm, &sregs);
	if (ret)
		return ret;
	sregs.cs = flat_segment(KVMINI_SEL_CODE32, true, false);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		flat_segment(KVMINI_SEL_DATA, false, false);
	sregs.cr0 = CR0_PE | CR0_ET;
	sregs.cr4 = 0;
	sregs.efer = 0;
	return set_registers(vcpu, &sregs, entry);
}
