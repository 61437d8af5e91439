// SPDX-License-Identifier: MIT
/*
 * Boot-time MSRs for Linux guests. There is no firmware in a kvmini VM, so
 * the monitor states what a BIOS would leave behind. MSR numbers and bits:
 * Intel SDM vol. 4, chapter 2 "Model-Specific Registers"; the SYSCALL MSRs
 * also AMD APM vol. 2, 6.1.1.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "kvmini/log.h"
#include "kvm/msr.h"
#include "kvm/vcpu.h"

#define MSR_IA32_TSC	      0x00000010
#define MSR_IA32_SYSENTER_CS  0x00000174
#define MSR_IA32_SYSENTER_ESP 0x00000175
#define MSR_IA32_SYSENTER_EIP 0x00000176
#define MSR_IA32_MISC_ENABLE  0x000001a0
#define MSR_MTRR_DEF_TYPE     0x000002ff
#define MSR_STAR	      0xc0000081
#define MSR_LSTAR	      0xc0000082
#define MSR_CSTAR	      0xc0000083
#define MSR_SYSCALL_MASK      0xc0000084
#define MSR_KERNEL_GS_BASE    0xc0000102

/* IA32_MISC_ENABLE bit 0: fast-strings (rep movs/stos in cache-line chunks). */
#define MISC_ENABLE_FAST_STRING (1ull << 0)
/* IA32_MTRR_DEF_TYPE: E (bit 11) enables MTRRs; type 6 is write-back (SDM vol. 3, 12.11.2.1). */
#define MTRR_ENABLE  (1ull << 11)
#define MTRR_TYPE_WB 6

struct boot_msr {
	uint32_t index;
	uint64_t value;
	const char *name;
};

/*
 * Linux sets the SYSCALL/SYSENTER MSRs itself (syscall_init()); zeroing them
 * first means no stale value from a previous run of the vCPU is ever live.
 * Linux on Intel reads fast-strings to decide whether `rep movs` is good
 * (early_init_intel(), X86_FEATURE_REP_GOOD); the MTRR default type keeps
 * RAM write-back where the kernel consults MTRRs.
 */
static const struct boot_msr boot_msrs[] = {
	{MSR_IA32_SYSENTER_CS, 0, "IA32_SYSENTER_CS"},
	{MSR_IA32_SYSENTER_ESP, 0, "IA32_SYSENTER_ESP"},
	{MSR_IA32_SYSENTER_EIP, 0, "IA32_SYSENTER_EIP"},
	{MSR_STAR, 0, "STAR"},
	{MSR_LSTAR, 0, "LSTAR"},
	{MSR_CSTAR, 0, "CSTAR"},
	{MSR_SYSCALL_MASK, 0, "SFMASK"},
	{MSR_KERNEL_GS_BASE, 0, "KERNEL_GS_BASE"},
	{MSR_IA32_TSC, 0, "IA32_TSC"},
	{MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING, "IA32_MISC_ENABLE"},
	{MSR_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WB, "IA32_MTRR_DEF_TYPE"},
};
#define NR_BOOT_MSRS (sizeof(boot_msrs) / sizeof(boot_msrs[0]))

int msr_setup_linux(struct vcpu *vcpu)
{
	static bool warned[NR_BOOT_MSRS];
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + NR_BOOT_MSRS * sizeof(msrs->entries[0]));
	unsigned int first = 0;
	int ret = 0;

	if (!msrs)
		return -ENOMEM;
	/*
	 * KVM_SET_MSRS stops at the first MSR it refuses and returns how many
	 * it set (api.rst, 4.19): skip the refused one and go on with the rest.
	 */
	while (first < NR_BOOT_MSRS) {
		unsigned int n = NR_BOOT_MSRS - first;
		msrs->nmsrs = n;
		for (unsigned int i = 0; i < n; i++) {
			msrs->entries[i].index = boot_msrs[first + i].index;
			msrs->entries[i].data = boot_msrs[first + i].value;
		}
		int done = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
		if (done < 0) {
			ret = -errno;
			log_error("KVM_SET_MSRS on vCPU %u failed: %s", vcpu->id, strerror(errno));
			break;
		}
		first += (unsigned int)done;
		if (first < NR_BOOT_MSRS) {
			log_once(&warned[first], LOG_WARN,
				 "this KVM refuses MSR %#x (%s); the guest keeps KVM's reset value",
				 boot_msrs[first].index, boot_msrs[first].name);
			first++;
		}
	}
	free(msrs);
	return ret;
}
