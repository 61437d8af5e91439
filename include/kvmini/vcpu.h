/* SPDX-License-Identifier: MIT */
/*
 * Virtual CPUs: one KVM vCPU file descriptor, its shared kvm_run page, and
 * one host thread that runs it (vcpu.c), plus the x86 register setup that
 * gets a vCPU into the mode a guest expects (cpu_setup.c).
 */
#ifndef KVMINI_VCPU_H
#define KVMINI_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run; /* mmap'd from fd: exit information lives here */
	pthread_t thread;
	bool thread_started;
};

/* What the exit handler wants the vCPU loop to do next. */
enum exit_action { EXIT_CONTINUE, EXIT_STOP };

/*
 * Create vm->ncpus vCPUs (KVM_CREATE_VCPU, mmap of kvm_run, CPUID table).
 * Logs the cause on failure. 0 or -errno.
 */
int vcpus_create(struct vm *vm);

/* Start one thread per vCPU. 0 or -errno. */
int vcpus_start(struct vm *vm);

/* Kick every vCPU out of KVM_RUN, wait for the threads, close the fds. */
void vcpus_stop(struct vm *vm);

/* Handle the exit described in vcpu->run (vcpu_exit.c). */
enum exit_action vcpu_handle_exit(struct vcpu *vcpu);

/* Print why the run stops, the registers and the instruction bytes at RIP (dump.c). */
void vcpu_dump(struct vcpu *vcpu, const char *why);

/*
 * Read up to len bytes of code at the guest's current RIP by walking its page
 * tables (Intel SDM vol. 3, 4.5). Returns the number of bytes read (0 if RIP
 * does not map to RAM).
 */
unsigned int vcpu_read_code(struct vcpu *vcpu, uint8_t *buf, unsigned int len);

/* What KVM can offer a guest (KVM_GET_SUPPORTED_CPUID); free() it. NULL with errno set. */
struct kvm_cpuid2 *cpuid_supported(int kvm_fd);

/*
 * Install supported (from cpuid_supported()) on vcpu, with its APIC ID and
 * the VM's topology filled in (cpuid.c). 0 or -errno.
 */
int cpuid_setup(struct vcpu *vcpu, const struct kvm_cpuid2 *supported);

/*
 * Register setup (cpu_setup.c). Both write a GDT at KVMINI_BOOT_GDT.
 * cpu_setup_long_mode: also identity page tables (2 MiB pages) covering
 * max(4 GiB, top of RAM), paging on, EFER.LME/LMA, 64-bit code segment.
 * cpu_setup_protected_mode: 32-bit flat segments, paging off (PVH entry).
 * RIP, RSP, RSI, RDI and RBX are set as given. 0 or -errno.
 */
struct cpu_entry {
	uint64_t rip, rsp, rdi, rsi, rbx;
};
int cpu_setup_long_mode(struct vcpu *vcpu, const struct cpu_entry *entry);
int cpu_setup_protected_mode(struct vcpu *vcpu, const struct cpu_entry *entry);

#endif /* KVMINI_VCPU_H */
