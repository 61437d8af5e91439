/* SPDX-License-Identifier: MIT */
/*
 * Everything kvmini does differently because of the KVM host it runs on,
 * in one place (vmm/kvm/host_quirks.c). On a hardware KVM host (Intel VT-x,
 * AMD-V) none of it applies.
 *
 * The known awkward host: a nested, paravirtualized KVM ("PVM native" mode,
 * /sys/module/kvm_pvm/parameters/pvm_native = Y) that runs guest kernel-mode
 * (CPL0) code in KVM's instruction emulator. See docs/architecture.md.
 */
#ifndef KVMINI_HOST_QUIRKS_H
#define KVMINI_HOST_QUIRKS_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

struct host_quirks {
	const char *name; /* "hardware" or "pvm-native", for messages */
	/* Guest CPL0 code runs in KVM's instruction emulator (slow, subset). */
	bool emulated_kernel_mode;
	/*
	 * Appended to a Linux guest's command line: tells the guest kernel
	 * not to use what the emulator lacks. NULL when nothing is needed.
	 */
	const char *linux_cmdline;
	/* An int3 the emulator cannot run is turned into an injected #BP. */
	bool inject_int3;
	/*
	 * KVM paravirtual features (KVM_FEATURE_* bits of CPUID 0x40000001
	 * EAX) hidden from the guest, because they need hypercalls
	 * (VMCALL/VMMCALL) that this host does not complete (cpuid.c).
	 */
	uint32_t hidden_kvm_features;
};

/*
 * Detect the host kind once. KVMINI_HOST=hardware|pvm-native in the
 * environment overrides detection (for testing both paths on one machine).
 */
const struct host_quirks *host_quirks_detect(void);

/*
 * Called on KVM_EXIT_INTERNAL_ERROR with suberror KVM_INTERNAL_ERROR_EMULATION.
 * Returns true if the failure was handled and the vCPU may run on (the
 * instruction was completed on the guest's behalf); false if it is fatal,
 * in which case the caller dumps the vCPU and stops.
 */
bool host_quirks_emulation_failure(const struct host_quirks *quirks, struct vcpu *vcpu);

#endif /* KVMINI_HOST_QUIRKS_H */
