/* SPDX-License-Identifier: MIT */
/*
 * One vCPU's architectural state for a snapshot, as KVM hands it out:
 * registers, segment and control registers, FPU/XSAVE, XCRs, every MSR
 * KVM lists as saveable (KVM_GET_MSR_INDEX_LIST: TSC and kvmclock ones
 * among them), pending events, debug registers, MP state and the local
 * APIC. vcpu_state_get()/vcpu_state_set() talk to KVM; vcpu_state_save()/
 * vcpu_state_load() turn the struct into a state blob (device_state.h) and
 * back without KVM, so restore checks every vCPU file before /dev/kvm and
 * the fuzzer can reach the loader.
 */
#ifndef KVMINI_VCPU_STATE_H
#define KVMINI_VCPU_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmini/device_state.h"

struct vcpu;

#define VCPU_STATE_MAX_MSRS 512 /* KVM lists about 100 on x86 today */

struct vcpu_state {
	uint32_t id;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	bool has_xsave; /* KVM_CAP_XSAVE: xsave, else fpu */
	/* struct kvm_xsave's region (4 KiB; its newer flexible tail is for AMX, not used) */
	uint32_t xsave[1024];
	struct kvm_fpu fpu;
	bool has_xcrs; /* KVM_CAP_XCRS */
	struct kvm_xcrs xcrs;
	uint32_t nmsrs;
	struct kvm_msr_entry msrs[VCPU_STATE_MAX_MSRS];
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	struct kvm_mp_state mp_state;
	bool has_lapic; /* the VM has an in-kernel irqchip */
	struct kvm_lapic_state lapic;
};

/*
 * Read a parked vCPU's state from KVM (vcpus_pause() first: a vCPU inside
 * KVM_RUN has no stable state). MSRs KVM lists but cannot read are left
 * out. 0 or -errno, logged with the ioctl's name.
 */
int vcpu_state_get(struct vcpu *vcpu, struct vcpu_state *st);

/*
 * Give a freshly created vCPU (CPUID set: vcpus_create()) the state st, in
 * the order KVM needs (api.rst): sregs before regs (the mode decides how
 * registers read), the LAPIC after the VM's irqchip (vm_state_set_chips()),
 * MSRs after CPUID and the LAPIC (TSC_DEADLINE lives in the LAPIC), events
 * and MP state last. 0 or -errno, logged with the ioctl's name.
 */
int vcpu_state_set(struct vcpu *vcpu, const struct vcpu_state *st);

/* Append st as one blob (SNAPSHOT_KIND_VCPU, version 1). 0 or the writer's error. */
int vcpu_state_save(const struct vcpu_state *st, struct state_writer *w);

/*
 * Read a blob written by vcpu_state_save(). Every structure's size must be
 * the one this build's <linux/kvm.h> has, and the MSR count within bounds.
 * 0, -EPROTO or -EINVAL (device_state.h), logged.
 */
int vcpu_state_load(struct vcpu_state *st, struct state_reader *r);

#endif /* KVMINI_VCPU_STATE_H */
