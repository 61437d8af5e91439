// SPDX-License-Identifier: MIT
/*
 * The KVM floor: the least a process can do to run a guest to HLT. Open
 * /dev/kvm, create a VM with 2 MiB of RAM and one vCPU, run four bytes of
 * real-mode code (out to a port, hlt), exit. kvmini's own startup is
 * measured against this (tests/bench/startup.py).
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

int main(void)
{
	/* mov $0x42, %al; out %al, $0xf1; hlt (16-bit real mode at 0x1000) */
	static const uint8_t code[] = {0xb0, 0x42, 0xe6, 0xf1, 0xf4};
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	uint8_t *mem = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm < 0 || mem == MAP_FAILED)
		return perror("kvm_floor: setup"), 1;
	memcpy(mem + 0x1000, code, sizeof(code));
	struct kvm_userspace_memory_region region = {.memory_size = 2 << 20,
						     .userspace_addr = (uintptr_t)mem};
	int vcpu = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0
			   ? -1
			   : ioctl(vm, KVM_CREATE_VCPU, 0);
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run =
		vcpu < 0 ? MAP_FAILED
			 : mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	struct kvm_sregs sregs;
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return perror("kvm_floor: vcpu"), 1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	struct kvm_regs regs = {.rip = 0x1000, .rflags = 0x2};
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return perror("kvm_floor: registers"), 1;
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return perror("kvm_floor: KVM_RUN"), 1;
		if (run->exit_reason == KVM_EXIT_HLT)
			return 0;
		if (run->exit_reason != KVM_EXIT_IO)
			return fprintf(stderr, "kvm_floor: exit %u\n", run->exit_reason), 1;
	}
}
