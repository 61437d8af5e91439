/* SPDX-License-Identifier: MIT */
/*
 * Virtual CPUs: one KVM vCPU file descriptor, its shared kvm_run page, and
 * one host thread that runs it. What a vCPU does on each exit is in
 * vcpu_exit.h; how its registers are set up for a guest, in cpu_setup.h.
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

/*
 * Make the vCPU leave KVM_RUN now, or not enter it: set its immediate_exit
 * and send its thread the kick signal (api.rst, "immediate_exit").
 */
void vcpu_kick(struct vcpu *vcpu);

/* Kick every vCPU out of KVM_RUN, wait for the threads, close the fds. */
void vcpus_stop(struct vm *vm);

#endif /* KVMINI_VCPU_H */
