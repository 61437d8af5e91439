/* SPDX-License-Identifier: MIT */
/*
 * The VM's in-kernel state for a snapshot: the irqchip (PIC master and
 * slave, IOAPIC: KVM_GET_IRQCHIP), the PIT (KVM_GET_PIT2) when they were
 * created, and the KVM clock (KVM_GET_CLOCK) with the host's wall-clock
 * time it was read at. Like vcpu_state.h: get/set talk to KVM, save/load
 * are the blob without KVM.
 */
#ifndef KVMINI_VM_STATE_H
#define KVMINI_VM_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmini/device_state.h"

struct vm;

#define VM_STATE_CHIPS 3 /* KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE, _IOAPIC */

struct vm_state {
	bool has_irqchip;
	struct kvm_irqchip chips[VM_STATE_CHIPS];
	bool has_pit;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	uint64_t realtime_ns; /* host CLOCK_REALTIME when the clock was read */
};

/* Read the VM's state (vCPUs paused). with_pit: the PIT was created. 0 or -errno, logged. */
int vm_state_get(struct vm *vm, bool with_pit, struct vm_state *st);

/*
 * Set the irqchip and PIT back: after vm_create_irqchip(), before any
 * vCPU's LAPIC (vcpu_state_set()). 0 or -errno, logged.
 */
int vm_state_set_chips(struct vm *vm, const struct vm_state *st);

/*
 * Set the KVM clock last, after every vCPU's state (api.rst: KVM_SET_CLOCK
 * makes kvmclock jump; the vCPUs' TSC MSRs must be in place). The clock is
 * stepped forward by the host wall-clock time since the snapshot, so a
 * restored guest's time of day matches the host's. 0 or -errno, logged.
 */
int vm_state_set_clock(struct vm *vm, const struct vm_state *st);

/* Append st as one blob (SNAPSHOT_KIND_VM, version 1). 0 or the writer's error. */
int vm_state_save(const struct vm_state *st, struct state_writer *w);

/* Read a blob written by vm_state_save(), checking every size and chip id. 0, -EPROTO or -EINVAL.
 */
int vm_state_load(struct vm_state *st, struct state_reader *r);

#endif /* KVMINI_VM_STATE_H */
