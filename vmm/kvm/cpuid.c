// SPDX-License-Identifier: MIT
/*
 * The CPUID a guest sees: what KVM supports (KVM_GET_SUPPORTED_CPUID), with
 * this vCPU's APIC ID filled in, the "running on a hypervisor" bit set, and
 * the topology leaves describing vm->ncpus cores, minus the paravirtual
 * features the host quirks say the guest must not use.
 * KVM also checks the table itself: long mode cannot be entered unless the
 * table says the CPU has it (CPUID.80000001H:EDX.LM).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmini/log.h"
#include "kvm/cpuid.h"
#include "kvm/host_quirks.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

struct kvm_cpuid2 *cpuid_supported(int kvm_fd)
{
	/*
	 * Grow the buffer until KVM stops answering E2BIG (api.rst 4.46).
	 * Start big enough for today's CPUs (about 80 entries): every call
	 * costs ~0.4 ms on a nested host, so one call is worth the bytes.
	 */
	for (unsigned int n = 256; n <= 4096; n *= 2) {
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

/* Bits needed to hold IDs 0..n-1: ceil(log2(n)). */
static uint32_t order(uint32_t n)
{
	uint32_t bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

/*
 * CPUID leaf 0xb / 0x1f subleaf `level` for vCPU id of ncpus, all cores of
 * one package with one thread each (Intel SDM vol. 2A, CPUID "V2 Extended
 * Topology Enumeration Leaf"): level 0 is the SMT level (shift 0, 1 thread),
 * level 1 the core level (shift = bits of the core ID, ncpus cores), level 2
 * the invalid level that ends the list.
 */
static struct kvm_cpuid_entry2 topology_entry(uint32_t function, uint32_t level, uint32_t id,
					      uint32_t ncpus)
{
	struct kvm_cpuid_entry2 e = {
		.function = function,
		.index = level,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.edx = id, /* x2APIC ID of this CPU */
	};

	if (level == 0) {
		e.eax = 0;
		e.ebx = 1;
		e.ecx = (1u << 8) | level; /* type 1: SMT */
	} else if (level == 1) {
		e.eax = order(ncpus);
		e.ebx = ncpus;
		e.ecx = (2u << 8) | level; /* type 2: core */
	} else {
		e.ecx = level; /* type 0: invalid */
	}
	return e;
}

/*
 * The table a vCPU gets: what KVM supports, with this vCPU's APIC ID and a
 * topology of ncpus single-threaded cores in one package, so that the guest
 * agrees with the MP table (mptable.c: APIC IDs 0..ncpus-1).
 */
static struct kvm_cpuid2 *vcpu_table(const struct kvm_cpuid2 *supported, uint32_t id,
				     uint32_t ncpus, uint32_t hidden_features)
{
	/* Room for 3 subleaves each of 0xb and 0x1f on top of what KVM gave. */
	uint32_t max = supported->nent + 6;
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + max * sizeof(cpuid->entries[0]));
	bool has_0b = false, has_1f = false;
	uint32_t ids = 1u << order(ncpus); /* APIC IDs the package spans: a power of 2 */

	if (!cpuid)
		return NULL;
	for (uint32_t i = 0; i < supported->nent; i++) {
		struct kvm_cpuid_entry2 e = supported->entries[i];
		switch (e.function) {
		case 1:
			/*
			 * EBX[31:24]: initial APIC ID; EBX[23:16]: logical
			 * processors per package, valid with EDX[28] (HTT);
			 * ECX[31]: hypervisor present.
			 */
			e.ebx = (e.ebx & 0x0000ffff) | (id << 24) | (ids << 16);
			if (ncpus > 1)
				e.edx |= 1u << 28;
			else
				e.edx &= ~(1u << 28);
			e.ecx |= 1u << 31;
			break;
		case 4:
			/* EAX[31:26]: addressable core IDs per package - 1 (cache leaf). */
			if (e.eax & 0x1f)
				e.eax = (e.eax & 0x03ffffff) | ((ids - 1) << 26);
			break;
		case 0x80000008:
			/* AMD: ECX[7:0] cores - 1; ECX[15:12] core-ID bits of the APIC ID. */
			e.ecx = (e.ecx & ~0xf0ffu) | (order(ncpus) << 12) | (ncpus - 1);
			break;
		case 0x40000001:
			/* KVM_FEATURE_* bits: some need hypercalls this host cannot run. */
			e.eax &= ~hidden_features;
			break;
		case 0xb:
			has_0b = true;
			continue; /* replaced below */
		case 0x1f:
			has_1f = true;
			continue;
		}
		cpuid->entries[cpuid->nent++] = e;
	}
	for (uint32_t level = 0; level < 3; level++) {
		if (has_0b)
			cpuid->entries[cpuid->nent++] = topology_entry(0xb, level, id, ncpus);
		if (has_1f)
			cpuid->entries[cpuid->nent++] = topology_entry(0x1f, level, id, ncpus);
	}
	return cpuid;
}

int cpuid_setup(struct vcpu *vcpu, const struct kvm_cpuid2 *supported)
{
	int ret = 0;
	const struct host_quirks *quirks = vcpu->vm->quirks;
	struct kvm_cpuid2 *cpuid = vcpu_table(supported, vcpu->id, vcpu->vm->ncpus,
					      quirks ? quirks->hidden_kvm_features : 0);
	if (!cpuid)
		return -ENOMEM;
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0) {
		ret = -errno;
		log_error("KVM_SET_CPUID2 on vCPU %u failed: %s", vcpu->id, strerror(errno));
	}
	free(cpuid);
	return ret;
}
