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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* An instruction that KVM's emulator is known to fail on (an emulating host). */
struct host_quirks_insn {
	const char *name;   /* "xrstor" */
	const char *option; /* the guest command-line option that avoids it, or NULL */
	const char *note;   /* what else helps (a guest patch), or NULL */
};

/*
 * Decode the instruction in bytes[0, len) (the bytes KVM reports with an
 * emulation failure, or those at RIP) against the instructions measured to
 * stop an emulating host (host_quirks.c, the table fatal_insns). Skips
 * legacy prefixes and a REX prefix; 66/F2/F3 count as part of the opcode
 * where they select the instruction. Returns the match, or NULL for an
 * instruction not in the table (or too few bytes). Pure: reads only bytes.
 */
const struct host_quirks_insn *host_quirks_fatal_insn(const uint8_t *bytes, size_t len);

/*
 * Can KVM be used through path (normally "/dev/kvm")? 0 if path is a
 * character device that opens read-write and answers KVM_GET_API_VERSION
 * with 12 (api.rst 4.1). Otherwise -errno, and why[len] says why in one
 * line. Checks the file kind before opening it, and never creates it.
 */
int host_quirks_kvm_check(const char *path, char *why, size_t len);

/*
 * Print the decisions in quirks as one JSON object (RFC 8259) on out: the
 * output of `kvmini host-info`, which scripts and tests read instead of
 * copying host knowledge. Keys, in this order:
 *   "host"                  quirks->name
 *   "emulated_kernel_mode"  true/false
 *   "linux_cmdline"         the Linux command-line additions ("" for none)
 *   "hidden_kvm_features"   names of the hidden KVM_FEATURE_* bits, without
 *                           the prefix (["PV_UNHALT", ...]); "bit N" for a
 *                           bit this table does not name
 *   "inject_int3"           true/false
 *   "kvm_usable"            kvm_problem == NULL
 *   "kvm_problem"           kvm_problem, or null
 * Strings are escaped as JSON requires. 0, or -EIO if out reports an error.
 */
int host_quirks_print_json(const struct host_quirks *quirks, const char *kvm_problem, FILE *out);

#endif /* KVMINI_HOST_QUIRKS_H */
