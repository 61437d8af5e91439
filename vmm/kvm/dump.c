// SPDX-License-Identifier: MIT
/*
 * Crash reports. When a run ends badly the user gets: why, the exit reason,
 * RIP (and the guest function, with --symbols), every general register,
 * the control registers, and the instruction bytes at RIP.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/kvmini_abi.h"
#include "cli.h"
#include "kvmini/guest_mem.h"
#include "host/symbols.h"
#include "kvm/dump.h"
#include "kvm/host_quirks.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_exit.h"
#include "kvm/vm.h"
#include "kvm/x86.h"

/*
 * Translate a linear address with the guest's 4-level page tables (Intel
 * SDM vol. 3, 4.5 "4-Level Paging"). Every table read goes through the
 * checked accessor: a guest can point CR3 anywhere. 32-bit non-PAE paging
 * is not walked (no kvmini guest uses it); paging off means identity.
 */
static bool translate(const struct vm *vm, const struct kvm_sregs *sregs, uint64_t la, uint64_t *pa)
{
	if (!(sregs->cr0 & CR0_PG)) {
		*pa = la;
		return true;
	}
	if (!(sregs->efer & EFER_LMA) || !(sregs->cr4 & CR4_PAE))
		return false;

	uint64_t table = sregs->cr3 & PTE_ADDR;
	for (int level = 4; level >= 1; level--) {
		int shift = 12 + 9 * (level - 1);
		uint64_t entry;
		uint64_t index = (la >> shift) & 511;
		if (guest_mem_read(&vm->mem, table + index * 8, &entry, sizeof(entry)))
			return false;
		if (!(entry & PTE_PRESENT))
			return false;
		/* A large page at level 3 (1 GiB) or 2 (2 MiB) ends the walk. */
		if (level <= 3 && level >= 2 && (entry & PTE_PS)) {
			uint64_t mask = (1ull << shift) - 1;
			*pa = (entry & PTE_ADDR & ~mask) | (la & mask);
			return true;
		}
		table = entry & PTE_ADDR;
	}
	*pa = table | (la & 0xfff);
	return true;
}

/*
 * Read up to len bytes of code at the guest's current RIP by walking its page
 * tables. Returns the number of bytes read (0 if RIP does not map to RAM).
 */
static unsigned int read_code(struct vcpu *vcpu, uint8_t *buf, unsigned int len)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	unsigned int n;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return 0;
	uint64_t la = regs.rip;
	if (!(sregs.efer & EFER_LMA) || !sregs.cs.l)
		la = (sregs.cs.base + regs.rip) & 0xffffffffull;
	/* Byte by byte: the instruction may straddle a page boundary. */
	for (n = 0; n < len; n++) {
		uint64_t pa;
		if (!translate(vcpu->vm, &sregs, la + n, &pa) ||
		    guest_mem_read(&vcpu->vm->mem, pa, &buf[n], 1))
			break;
	}
	return n;
}

static void print_bytes(const char *label, const uint8_t *bytes, unsigned int n)
{
	fprintf(stderr, "kvmini:   %s", label);
	if (n == 0)
		fprintf(stderr, " (not readable: RIP does not map to guest RAM)");
	for (unsigned int i = 0; i < n; i++)
		fprintf(stderr, " %02x", bytes[i]);
	fprintf(stderr, "\n");
}

/* "KVM_EXIT_IO": the exit reason as linux/kvm.h spells it, for a search in api.rst. */
static const char *exit_macro_name(uint32_t reason, char *buf, size_t size)
{
	const char *name = vcpu_exit_name(reason);

	if (strcmp(name, "?") == 0)
		return name;
	int n = snprintf(buf, size, "KVM_EXIT_%s", name);
	for (int i = 0; i < n && (size_t)i < size; i++)
		buf[i] = (char)toupper((unsigned char)buf[i]);
	return buf;
}

/* What KVM itself says about an internal error. */
static void dump_internal_error(const struct kvm_run *run)
{
	fprintf(stderr, "kvmini:   suberror %u", run->internal.suberror);
	switch (run->internal.suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		fprintf(stderr, " (KVM_INTERNAL_ERROR_EMULATION: KVM's instruction emulator "
				"could not execute the instruction at RIP)\n");
		if (run->emulation_failure.flags &
		    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) {
			unsigned int n = run->emulation_failure.insn_size;
			if (n > sizeof(run->emulation_failure.insn_bytes))
				n = sizeof(run->emulation_failure.insn_bytes);
			print_bytes("instruction bytes reported by KVM:",
				    run->emulation_failure.insn_bytes, n);
		}
		break;
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		fprintf(stderr, " (exception while delivering an exception)\n");
		break;
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		fprintf(stderr, " (could not deliver an event)\n");
		break;
	default:
		fprintf(stderr, "\n");
	}
	if (run->internal.ndata) {
		fprintf(stderr, "kvmini:   data:");
		for (uint32_t i = 0; i < run->internal.ndata && i < 16; i++)
			fprintf(stderr, " %llx", (unsigned long long)run->internal.data[i]);
		fprintf(stderr, "\n");
	}
}

/*
 * An emulation failure on an emulating host: name the instruction if it is
 * one known to stop the emulator (host_quirks_fatal_insn()), and say what
 * avoids it. KVM's own copy of the bytes is preferred; the bytes at RIP
 * stand in when KVM gave none.
 */
static void name_fatal_insn(const struct kvm_run *run, const uint8_t *code, unsigned int ncode)
{
	const uint8_t *bytes = code;
	size_t len = ncode;

	if (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) {
		bytes = run->emulation_failure.insn_bytes;
		len = run->emulation_failure.insn_size;
		if (len > sizeof(run->emulation_failure.insn_bytes))
			len = sizeof(run->emulation_failure.insn_bytes);
	}
	const struct host_quirks_insn *insn = host_quirks_fatal_insn(bytes, len);
	if (!insn)
		return;
	fprintf(stderr, "kvmini:   the instruction is %s, which this host's emulator cannot run\n",
		insn->name);
	if (insn->option)
		fprintf(stderr, "kvmini:   hint: the guest kernel option '%s' avoids it\n",
			insn->option);
	if (insn->note)
		fprintf(stderr, "kvmini:   hint: %s\n", insn->note);
	fprintf(stderr, "kvmini:   see guest/linux/README.md (the guest patches)\n");
}

void dump_vcpu(struct vcpu *vcpu, const char *why)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t code[16];
	char name[40];

	fprintf(stderr, "kvmini: guest stopped on vCPU %u: %s\n", vcpu->id, why);
	fprintf(stderr, "kvmini:   exit reason %u (%s)\n", run->exit_reason,
		exit_macro_name(run->exit_reason, name, sizeof(name)));
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		dump_internal_error(run);
	if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		fprintf(stderr, "kvmini:   hardware entry failure reason %#llx\n",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "kvmini:   (registers not readable)\n");
		return;
	}
	fprintf(stderr, "kvmini:   RIP %016llx", (unsigned long long)r.rip);
	uint64_t off;
	const char *fn = symbols_lookup(vcpu->vm->symbols, r.rip, &off);
	if (fn)
		fprintf(stderr, " <%s+%#llx>", fn, (unsigned long long)off);
	fprintf(stderr, "  RFLAGS %08llx  CPL %u\n", (unsigned long long)r.rflags,
		(unsigned)(s.cs.selector & 3));
	fprintf(stderr,
		"kvmini:   RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n"
		"kvmini:   RSI %016llx RDI %016llx RBP %016llx RSP %016llx\n"
		"kvmini:   R8  %016llx R9  %016llx R10 %016llx R11 %016llx\n"
		"kvmini:   R12 %016llx R13 %016llx R14 %016llx R15 %016llx\n",
		r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11,
		r.r12, r.r13, r.r14, r.r15);
	fprintf(stderr,
		"kvmini:   CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx\n"
		"kvmini:   EFER %llx  CS %04x  SS %04x  DS %04x\n",
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector, s.ss.selector, s.ds.selector);
	unsigned int ncode = read_code(vcpu, code, sizeof(code));
	print_bytes("code at RIP:", code, ncode);
	if (vcpu->vm->quirks && vcpu->vm->quirks->emulated_kernel_mode &&
	    run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		fprintf(stderr,
			"kvmini:   note: this host (%s) runs guest kernel-mode code in "
			"KVM's instruction emulator, which lacks some instructions "
			"(see docs/architecture.md, \"Host quirks\")\n",
			vcpu->vm->quirks->name);
		if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
			name_fatal_insn(run, code, ncode);
	}
}

/*
 * Who reported a crash. The lock only orders the decision "am I first?";
 * the first report itself is printed outside it, so a slow dump never holds
 * up the other vCPUs (which are being stopped).
 */
static struct {
	pthread_mutex_t lock;
	bool reported;		      /* a first report was printed (or is being printed) */
	unsigned int others;	      /* crashes after it */
	bool other_ids[CLI_MAX_CPUS]; /* which vCPUs they were (ids are below --cpus' limit) */
} crashes = {.lock = PTHREAD_MUTEX_INITIALIZER};

void dump_crash(struct vcpu *vcpu, const char *why)
{
	bool first;

	pthread_mutex_lock(&crashes.lock);
	first = !crashes.reported && !vm_stopping(vcpu->vm);
	if (first) {
		crashes.reported = true;
	} else if (crashes.reported) {
		crashes.others++;
		if (vcpu->id < CLI_MAX_CPUS)
			crashes.other_ids[vcpu->id] = true;
	}
	pthread_mutex_unlock(&crashes.lock);
	if (first)
		dump_vcpu(vcpu, why);
}

void dump_crash_summary(void)
{
	char ids[4 * CLI_MAX_CPUS] = "";
	size_t len = 0;

	pthread_mutex_lock(&crashes.lock);
	unsigned int others = crashes.others;
	for (unsigned int i = 0; i < CLI_MAX_CPUS && len < sizeof(ids); i++) {
		if (crashes.other_ids[i])
			len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%u",
						len ? ", " : "", i);
	}
	pthread_mutex_unlock(&crashes.lock);
	if (others)
		fprintf(stderr, "kvmini: %u other vCPU%s also stopped with a crash (vCPU %s)\n",
			others, others == 1 ? "" : "s", ids);
}
