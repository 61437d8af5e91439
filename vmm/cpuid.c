// SPDX-License-Identifier: MIT
/*
 * The CPUID a guest sees: what KVM supports (KVM_GET_SUPPORTED_CPUID), with
 * this vCPU's APIC ID filled in and the "running on a hypervisor" bit set.
 * KVM also checks the table itself: long mode cannot be entered unless the
 * table says the CPU has it (CPUID.80000001H:EDX.LM).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmini/log.h"
#include "kvmini/vcpu.h"
#include "kvmini/vm.h"

static struct kvm_cpuid2 *get_supported(int kvm_fd)
{
	/* Grow the buffer until KVM stops answering E2BIG (api.rst 4.46). */
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *cpuid =
			calloc(1, sizeof(*cpuid) + n * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			return NULL;
		cpuid->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		free(cpuid);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

int cpuid_setup(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = get_supported(vcpu->vm->kvm_fd);
	int ret = 0;

	if (!cpuid) {
		ret = errno ? -errno : -ENOMEM;
		log_error("KVM_GET_SUPPORTED_CPUID failed: %s", strerror(-ret));
		return ret;
	}
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		switch (e->function) {
		case 1:
			/* EBX[31:24]: initial APIC ID; ECX[31]: hypervisor present. */
			e->ebx = (e->ebx & 0x00ffffff) | (vcpu->id << 24);
			e->ecx |= 1u << 31;
			break;
		case 0xb:
		case 0x1f:
			/* Extended topology: EDX is the x2APIC ID of this CPU. */
			e->edx = vcpu->id;
			break;
		}
	}
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0) {
		ret = -errno;
		log_error("KVM_SET_CPUID2 on vCPU %u failed: %s", vcpu->id, strerror(errno));
	}
	free(cpuid);
	return ret;
}
