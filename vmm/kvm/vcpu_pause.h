/* SPDX-License-Identifier: MIT */
/*
 * Pausing the vCPUs: every vCPU thread parks outside KVM_RUN, so that the
 * I/O thread can read or write the whole machine's state (a snapshot) with
 * no guest code running. A stop request always wins over a pause: a parked
 * thread leaves as soon as vm_stopping() is true.
 *
 * A vCPU parks only after KVM_RUN returned EINTR: KVM finishes a pending
 * port-I/O or MMIO read when it is re-entered, even with immediate_exit
 * set, so a parked vCPU's state is complete (api.rst, "kvm_run":
 * "userspace should ensure that the operation is completed before
 * performing a live migration").
 */
#ifndef KVMINI_VCPU_PAUSE_H
#define KVMINI_VCPU_PAUSE_H

#include <pthread.h>
#include <stdbool.h>

struct vm;
struct vcpu;

/* Lives in struct vm; vcpu_pause_init() before the vCPU threads start. */
struct vcpu_pause {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* parked/gone changed, or the request ended */
	bool requested;	     /* the I/O thread wants every vCPU parked */
	bool paused;	     /* every vCPU is parked: vcpus_paused() */
	unsigned int parked; /* threads waiting in vcpu_pause_point() */
	unsigned int gone;   /* threads that left their KVM_RUN loop for good */
};

/* Initialise the pause state (mutex, condition on CLOCK_MONOTONIC). */
void vcpu_pause_init(struct vcpu_pause *pause);

/*
 * Park every vCPU outside KVM_RUN (kick with a signal / immediate_exit, as
 * vcpus_stop does) and return once all are parked; called from the I/O
 * (main) thread. 0 or -errno (-ECANCELED if the VM is stopping, -ETIMEDOUT
 * if a vCPU did not park within 5 s: the vCPUs then run on). Idempotent.
 */
int vcpus_pause(struct vm *vm);

/* Let parked vCPUs run on. No-op if not paused. */
void vcpus_resume(struct vm *vm);

/* True between vcpus_pause() and vcpus_resume(). */
bool vcpus_paused(const struct vm *vm);

/*
 * vCPU thread side, called after KVM_RUN returned EINTR: if a pause is
 * requested, wait until it ends or the VM stops. Clears the vCPU's
 * immediate_exit when the pause ends and the VM goes on.
 */
void vcpu_pause_point(struct vcpu *vcpu);

/* vCPU thread side: the thread leaves its loop and will never park. */
void vcpu_pause_gone(struct vcpu *vcpu);

/* Wake parked threads so that they see a stop at once (vcpus_stop()). */
void vcpu_pause_wake(struct vm *vm);

#endif /* KVMINI_VCPU_PAUSE_H */
