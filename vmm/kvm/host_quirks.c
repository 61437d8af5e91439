// SPDX-License-Identifier: MIT
/*
 * Host-kind detection and the workarounds for KVM hosts that emulate guest
 * kernel mode. Nothing else in kvmini tests for the host kind: code asks
 * the flags in struct host_quirks instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <asm/kvm_para.h> /* KVM_FEATURE_* */

#include "kvm/host_quirks.h"
#include "kvmini/log.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

static const struct host_quirks hardware = {
	.name = "hardware",
};

/*
 * Linux options for a guest whose CPL0 code is emulated. Each avoids an
 * instruction the emulator cannot run (measured: see
 * guest/linux/README.md): XSAVE/XRSTOR in FPU init (noxsave), popcnt after
 * alternatives patching, STAC/CLAC (smap), cmpxchg16b in SLUB (cx16),
 * and byte-wise string copies that are very slow when emulated (erms,
 * fsrm). rodata=off avoids page-table splitting work at boot.
 * GLIBC_TUNABLES is not a kernel parameter: Linux hands it to init as an
 * environment variable. With noxsave the kernel does not manage AVX state,
 * but user mode still runs with the host's XCR0, so glibc must not use AVX
 * (the vector registers would leak between processes).
 */
static const struct host_quirks pvm_native = {
	.name = "pvm-native",
	.emulated_kernel_mode = true,
	.linux_cmdline = "noxsave clearcpuid=popcnt,smap,erms,fsrm,cx16 rodata=off "
			 "GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,"
			 "-AVX512DQ,-AVX512CD,-AVX_Fast_Unaligned_Load",
	.inject_int3 = true,
	/*
	 * A Linux guest with 2+ vCPUs hangs at its first hypercall: the vCPU
	 * stays on the VMCALL of a PV IPI (KVM_HC_SEND_IPI) forever (QEMU
	 * -smp 2 hangs the same way). Without these three features Linux
	 * uses plain APIC IPIs, halts in native spinlocks and yields without
	 * hypercalls (arch/x86/kernel/kvm.c).
	 */
	.hidden_kvm_features = (1u << KVM_FEATURE_PV_UNHALT) | (1u << KVM_FEATURE_PV_SEND_IPI) |
			       (1u << KVM_FEATURE_PV_SCHED_YIELD),
};

static bool sysfs_is_yes(const char *path)
{
	char buf[8] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	bool yes = fgets(buf, sizeof(buf), f) && (buf[0] == 'Y' || buf[0] == '1');
	fclose(f);
	return yes;
}

const struct host_quirks *host_quirks_detect(void)
{
	const char *forced = getenv("KVMINI_HOST");

	if (forced && strcmp(forced, "hardware") == 0)
		return &hardware;
	if (forced && strcmp(forced, "pvm-native") == 0)
		return &pvm_native;
	if (forced && *forced)
		log_warn("KVMINI_HOST=%s is not 'hardware' or 'pvm-native'; detecting", forced);
	if (sysfs_is_yes("/sys/module/kvm_pvm/parameters/pvm_native"))
		return &pvm_native;
	return &hardware;
}

/*
 * int3 (opcode 0xcc) at CPL0 fails in the emulator. The architectural effect
 * of int3 is a #BP trap whose saved RIP points after the instruction (Intel
 * SDM vol. 3, 6.15, "Interrupt 3"), so do exactly that: step RIP over the
 * one-byte instruction and inject vector 3 with KVM_SET_VCPU_EVENTS.
 */
static bool inject_breakpoint(struct vcpu *vcpu)
{
	struct kvm_regs regs;
	struct kvm_vcpu_events events;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events) < 0)
		return false;
	regs.rip += 1;
	memset(&events.exception, 0, sizeof(events.exception));
	events.exception.injected = 1;
	events.exception.nr = 3;
	events.flags = 0;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &events) < 0)
		return false;
	return true;
}

bool host_quirks_emulation_failure(const struct host_quirks *quirks, struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (!quirks || !quirks->inject_int3)
		return false;
	/* Only trust the bytes KVM says it captured (api.rst, emulation_failure). */
	if (!(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) ||
	    run->emulation_failure.insn_size < 1 || run->emulation_failure.insn_bytes[0] != 0xcc)
		return false;
	if (!inject_breakpoint(vcpu))
		return false;
	if (vcpu->vm->trace)
		fprintf(stderr, "trace: cpu%u int3 emulated by injecting #BP (host %s)\n", vcpu->id,
			quirks->name);
	return true;
}
