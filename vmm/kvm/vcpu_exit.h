/* SPDX-License-Identifier: MIT */
/*
 * What a vCPU thread does when KVM_RUN returns: one switch on
 * kvm_run->exit_reason (port I/O and MMIO to the buses, HLT, shutdown,
 * emulation failures, ...).
 */
#ifndef KVMINI_VCPU_EXIT_H
#define KVMINI_VCPU_EXIT_H

#include "kvm/vcpu.h"

/* Handle the exit described in vcpu->run. */
enum exit_action vcpu_exit_handle(struct vcpu *vcpu);

/*
 * The name of a KVM exit reason (a KVM_EXIT_* value, linux/kvm.h) without its
 * KVM_EXIT_ prefix, in lower case: "io", "mmio", "shutdown". "?" for a
 * reason kvmini has no name for. Used by --trace's counts and the crash report.
 */
const char *vcpu_exit_name(uint32_t reason);

#endif /* KVMINI_VCPU_EXIT_H */
