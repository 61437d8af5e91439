/* SPDX-License-Identifier: MIT */
/*
 * The CPUID table a vCPU sees: what KVM supports, with the APIC ID, the
 * topology and the host quirks applied.
 */
#ifndef KVMINI_CPUID_H
#define KVMINI_CPUID_H

#include <linux/kvm.h>

struct vcpu;

/* What KVM can offer a guest (KVM_GET_SUPPORTED_CPUID); free() it. NULL with errno set. */
struct kvm_cpuid2 *cpuid_supported(int kvm_fd);

/*
 * Install supported (from cpuid_supported()) on vcpu, with its APIC ID and
 * the VM's topology filled in. 0 or -errno.
 */
int cpuid_setup(struct vcpu *vcpu, const struct kvm_cpuid2 *supported);

#endif /* KVMINI_CPUID_H */
