// SPDX-License-Identifier: MIT
/*
 * Host-kind detection and the workarounds for KVM hosts that emulate guest
 * kernel mode. Nothing else in kvmini tests for the host kind: code asks
 * the flags in struct host_quirks instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * Instructions that stop a guest at CPL0 on an emulating host: measured
 * one by one (a CPL0 test of each, KVM_EXIT_INTERNAL_ERROR suberror 1), and
 * the guest patches in guest/linux/README.md. Encodings from the Intel SDM
 * vol. 2 opcode tables; "/n" is the ModRM.reg field that selects the
 * instruction, and `mem` asks for a memory operand (ModRM.mod != 3): with a
 * register operand 0f ae /5, /6, /7 are lfence, mfence and sfence, which
 * the emulator runs.
 */
struct fatal_insn {
	struct host_quirks_insn what;
	uint8_t prefix;	   /* mandatory prefix 0x66, 0xf2 or 0xf3; 0: none of them */
	uint8_t opcode[3]; /* opcode bytes after prefixes and REX */
	uint8_t opcode_len;
	int8_t reg; /* ModRM.reg, or -1 when the opcode alone decides */
	bool mem;   /* ModRM must name memory */
	bool rex_w; /* REX.W must be set (cmpxchg16b; without it, cmpxchg8b) */
};

#define FPU_NOTE "patch 0003 removes Linux's FWAIT when a task's FPU state is dropped"
#define INT3_NOTE                                                                                  \
	"kvmini turns int3 into a #BP on this host; it reaches here only if that failed "          \
	"(patch 0004 makes reboot=t use UD2)"

static const struct fatal_insn fatal_insns[] = {
	{{"fwait", NULL, FPU_NOTE}, 0, {0x9b}, 1, -1, false, false},
	{{"int3", NULL, INT3_NOTE}, 0, {0xcc}, 1, -1, false, false},
	{{"int n", NULL, NULL}, 0, {0xcd}, 1, -1, false, false},
	{{"xsave", "noxsave", NULL}, 0, {0x0f, 0xae}, 2, 4, true, false},
	{{"xrstor", "noxsave", NULL}, 0, {0x0f, 0xae}, 2, 5, true, false},
	{{"xsaveopt", "noxsave", NULL}, 0, {0x0f, 0xae}, 2, 6, true, false},
	{{"ldmxcsr", NULL, NULL}, 0, {0x0f, 0xae}, 2, 2, true, false},
	{{"stmxcsr", NULL, NULL}, 0, {0x0f, 0xae}, 2, 3, true, false},
	{{"clwb", "clearcpuid=clwb", NULL}, 0x66, {0x0f, 0xae}, 2, 6, true, false},
	{{"clflushopt", "clearcpuid=clflushopt", NULL}, 0x66, {0x0f, 0xae}, 2, 7, true, false},
	{{"xrstors", "noxsave", NULL}, 0, {0x0f, 0xc7}, 2, 3, true, false},
	{{"xsavec", "noxsave", NULL}, 0, {0x0f, 0xc7}, 2, 4, true, false},
	{{"xsaves", "noxsave", NULL}, 0, {0x0f, 0xc7}, 2, 5, true, false},
	{{"cmpxchg16b", "clearcpuid=cx16", NULL}, 0, {0x0f, 0xc7}, 2, 1, true, true},
	{{"xgetbv", "noxsave", NULL}, 0, {0x0f, 0x01, 0xd0}, 3, -1, false, false},
	{{"rdtscp", "clearcpuid=rdtscp", NULL}, 0, {0x0f, 0x01, 0xf9}, 3, -1, false, false},
	{{"clac", "clearcpuid=smap", NULL}, 0, {0x0f, 0x01, 0xca}, 3, -1, false, false},
	{{"stac", "clearcpuid=smap", NULL}, 0, {0x0f, 0x01, 0xcb}, 3, -1, false, false},
	{{"popcnt", "clearcpuid=popcnt", NULL}, 0xf3, {0x0f, 0xb8}, 2, -1, false, false},
	{{"invpcid", "clearcpuid=invpcid", NULL}, 0x66, {0x0f, 0x38, 0x82}, 3, -1, false, false},
	{{"verw", "mitigations=off", NULL}, 0, {0x0f, 0x00}, 2, 5, false, false},
	{{"lsl", NULL, NULL}, 0, {0x0f, 0x03}, 2, -1, false, false},
};

/* Intel SDM vol. 2, 2.1.1: lock/rep, segment overrides, operand and address size. */
static bool legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0:
	case 0xf2:
	case 0xf3:
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x26:
	case 0x64:
	case 0x65:
	case 0x66:
	case 0x67:
		return true;
	default:
		return false;
	}
}

static bool insn_matches(const struct fatal_insn *f, uint8_t prefix, bool rex_w, const uint8_t *op,
			 size_t len)
{
	if (f->prefix != prefix || (f->rex_w && !rex_w) || len < f->opcode_len ||
	    memcmp(op, f->opcode, f->opcode_len) != 0)
		return false;
	if (f->reg < 0)
		return true;
	if (len <= f->opcode_len)
		return false; /* the ModRM byte is missing */
	uint8_t modrm = op[f->opcode_len];
	return ((modrm >> 3) & 7) == f->reg && (!f->mem || (modrm >> 6) != 3);
}

const struct host_quirks_insn *host_quirks_fatal_insn(const uint8_t *bytes, size_t len)
{
	uint8_t prefix = 0;
	bool rex_w = false;
	size_t i = 0;

	/* At most 15 bytes make an instruction (SDM vol. 2, 2.3.11). */
	if (len > 15)
		len = 15;
	for (; i < len && legacy_prefix(bytes[i]); i++)
		if (bytes[i] == 0x66 || bytes[i] == 0xf2 || bytes[i] == 0xf3)
			prefix = bytes[i]; /* the last one selects (SDM vol. 2, 2.1.2) */
	/* REX (40-4f) must come right before the opcode (64-bit mode only). */
	if (i < len && (bytes[i] & 0xf0) == 0x40) {
		rex_w = bytes[i] & 0x08;
		i++;
	}
	for (size_t k = 0; k < sizeof(fatal_insns) / sizeof(fatal_insns[0]); k++)
		if (insn_matches(&fatal_insns[k], prefix, rex_w, bytes + i, len - i))
			return &fatal_insns[k].what;
	return NULL;
}

int host_quirks_kvm_check(const char *path, char *why, size_t len)
{
	struct stat st;
	int err;

	/*
	 * Look before opening: an open() with O_CREAT (a shell's "<>path"
	 * does that) would leave a regular file where the device is missing.
	 */
	if (stat(path, &st) < 0) {
		err = errno;
		snprintf(why, len, "%s: %s", path,
			 err == ENOENT ? "does not exist (no KVM on this machine)" : strerror(err));
		return -err;
	}
	if (!S_ISCHR(st.st_mode)) {
		snprintf(why, len, "%s is not a character device (a stray file? KVM is missing)",
			 path);
		return -ENODEV;
	}
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		snprintf(why, len, "cannot open %s read-write: %s", path, strerror(err));
		return -err;
	}
	int version = ioctl(fd, KVM_GET_API_VERSION, 0);
	err = errno;
	close(fd);
	if (version < 0) {
		snprintf(why, len, "%s does not answer KVM_GET_API_VERSION: %s", path,
			 strerror(err));
		return -err;
	}
	if (version != KVM_API_VERSION) {
		snprintf(why, len, "%s speaks KVM API version %d, kvmini needs %d", path, version,
			 KVM_API_VERSION);
		return -EINVAL;
	}
	return 0;
}

/* The KVM_FEATURE_* bits of CPUID 0x40000001 EAX that <asm/kvm_para.h> names. */
static const struct {
	unsigned int bit;
	const char *name;
} kvm_feature_names[] = {
	{KVM_FEATURE_CLOCKSOURCE, "CLOCKSOURCE"},
	{KVM_FEATURE_NOP_IO_DELAY, "NOP_IO_DELAY"},
	{KVM_FEATURE_MMU_OP, "MMU_OP"},
	{KVM_FEATURE_CLOCKSOURCE2, "CLOCKSOURCE2"},
	{KVM_FEATURE_ASYNC_PF, "ASYNC_PF"},
	{KVM_FEATURE_STEAL_TIME, "STEAL_TIME"},
	{KVM_FEATURE_PV_EOI, "PV_EOI"},
	{KVM_FEATURE_PV_UNHALT, "PV_UNHALT"},
	{KVM_FEATURE_PV_TLB_FLUSH, "PV_TLB_FLUSH"},
	{KVM_FEATURE_ASYNC_PF_VMEXIT, "ASYNC_PF_VMEXIT"},
	{KVM_FEATURE_PV_SEND_IPI, "PV_SEND_IPI"},
	{KVM_FEATURE_POLL_CONTROL, "POLL_CONTROL"},
	{KVM_FEATURE_PV_SCHED_YIELD, "PV_SCHED_YIELD"},
	{KVM_FEATURE_ASYNC_PF_INT, "ASYNC_PF_INT"},
	{KVM_FEATURE_MSI_EXT_DEST_ID, "MSI_EXT_DEST_ID"},
};

/*
 * s as a JSON string (RFC 8259, section 7): quotation mark, reverse solidus
 * and the control characters U+0000..U+001F must be escaped; every other
 * byte (UTF-8 included) may stand as it is. NULL prints null.
 */
static void json_string(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_features(FILE *out, uint32_t bits)
{
	const char *sep = "";

	fputc('[', out);
	for (unsigned int bit = 0; bit < 32; bit++) {
		if (!(bits & (1u << bit)))
			continue;
		const char *name = NULL;
		for (size_t i = 0; i < sizeof(kvm_feature_names) / sizeof(kvm_feature_names[0]);
		     i++)
			if (kvm_feature_names[i].bit == bit)
				name = kvm_feature_names[i].name;
		if (name) {
			fprintf(out, "%s", sep);
			json_string(out, name);
		} else {
			fprintf(out, "%s\"bit %u\"", sep, bit);
		}
		sep = ", ";
	}
	fputc(']', out);
}

int host_quirks_print_json(const struct host_quirks *quirks, const char *kvm_problem, FILE *out)
{
	const char *yes_no[] = {"false", "true"};

	fputs("{\n  \"host\": ", out);
	json_string(out, quirks->name);
	fprintf(out, ",\n  \"emulated_kernel_mode\": %s", yes_no[quirks->emulated_kernel_mode]);
	fputs(",\n  \"linux_cmdline\": ", out);
	json_string(out, quirks->linux_cmdline ? quirks->linux_cmdline : "");
	fputs(",\n  \"hidden_kvm_features\": ", out);
	json_features(out, quirks->hidden_kvm_features);
	fprintf(out, ",\n  \"inject_int3\": %s", yes_no[quirks->inject_int3]);
	fprintf(out, ",\n  \"kvm_usable\": %s", yes_no[kvm_problem == NULL]);
	fputs(",\n  \"kvm_problem\": ", out);
	json_string(out, kvm_problem);
	fputs("\n}\n", out);
	return ferror(out) ? -EIO : 0;
}
