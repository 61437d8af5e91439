/* SPDX-License-Identifier: MIT */
/* Model-specific registers a Linux guest expects at entry (vmm/kvm/msr.c). */
#ifndef KVMINI_MSR_H
#define KVMINI_MSR_H

struct vcpu;

/*
 * Put the MSRs a freshly reset PC would have after its firmware ran into
 * vcpu with KVM_SET_MSRS: SYSENTER and SYSCALL targets zero, no kernel GS
 * base, TSC at 0, fast strings enabled in IA32_MISC_ENABLE, MTRRs enabled
 * with write-back as the default memory type. An MSR this KVM refuses is
 * reported once (log_warn) and left at KVM's reset value; the guest still
 * boots. 0, or -errno if the ioctl itself fails.
 */
int msr_setup_linux(struct vcpu *vcpu);

#endif /* KVMINI_MSR_H */
