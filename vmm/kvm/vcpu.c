// SPDX-License-Identifier: MIT
/*
 * vCPU threads. Each thread calls KVM_RUN in a loop; every return from
 * KVM_RUN is an "exit" that vcpu_exit_handle() (vcpu_exit.c) deals with.
 *
 * Stopping: whoever ends the run calls vm_request_stop(); vcpus_stop() then
 * sets kvm_run.immediate_exit and sends SIGUSR1 to each vCPU thread, so a
 * thread inside KVM_RUN returns with EINTR, and a thread about to enter it
 * returns at once (api.rst, "immediate_exit").
 *
 * Pausing (vcpu_pause.c) uses the same kick; a kicked thread parks in
 * vcpu_pause_point() when a pause is requested.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "kvmini/log.h"
#include "kvm/cpuid.h"
#include "kvm/dump.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_exit.h"
#include "kvm/vcpu_pause.h"
#include "kvm/vm.h"

#define KICK_SIGNAL SIGUSR1

static void kick_handler(int sig)
{
	(void)sig; /* only here to interrupt KVM_RUN */
}

int vcpus_create(struct vm *vm)
{
	int ret = 0;

	vcpu_pause_init(&vm->pause);
	vm->vcpus = calloc(vm->ncpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vm->vcpus[i].fd = -1; /* so that vcpus_stop() after a failure closes only ours */

	/* One look at what KVM supports serves every vCPU's CPUID table. */
	struct kvm_cpuid2 *supported = cpuid_supported(vm->kvm_fd);
	if (!supported) {
		ret = errno ? -errno : -ENOMEM;
		log_error("KVM_GET_SUPPORTED_CPUID failed: %s", strerror(-ret));
		return ret;
	}
	for (unsigned int i = 0; i < vm->ncpus && !ret; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];
		vcpu->vm = vm;
		vcpu->id = i;
		vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (vcpu->fd < 0) {
			ret = -errno;
			log_error("KVM_CREATE_VCPU %u failed: %s", i, strerror(errno));
			break;
		}
		vcpu->run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED) {
			ret = -errno;
			vcpu->run = NULL;
			log_error("mmap of vCPU %u's kvm_run failed: %s", i, strerror(errno));
			break;
		}
		ret = cpuid_setup(vcpu, supported);
	}
	free(supported);
	return ret;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	bool first = true;

	while (!vm_stopping(vm)) {
		if (first && vcpu->id == 0)
			vm_mark(vm, "first KVM_RUN", -1);
		first = false;

		uint64_t t0 = vm_now_ns();
		int ret = ioctl(vcpu->fd, KVM_RUN, 0);
		if (vcpu->id == 0) /* the boot CPU's view is what boot time is made of */
			__atomic_fetch_add(&vm->ns_in_kvm_run, vm_now_ns() - t0, __ATOMIC_RELAXED);

		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* kicked: a pause parks here, then the loop condition decides */
				vcpu_pause_point(vcpu);
				continue;
			}
			log_error("vCPU %u: KVM_RUN failed: %s", vcpu->id, strerror(errno));
			vm_request_stop(vm, KVMINI_STATUS_GUEST_CRASH);
			break;
		}
		uint32_t reason = vcpu->run->exit_reason;
		if (reason < VM_EXIT_REASONS)
			__atomic_fetch_add(&vm->exit_counts[reason], 1, __ATOMIC_RELAXED);
		if (vcpu_exit_handle(vcpu) == EXIT_STOP)
			break;
	}
	vcpu_pause_gone(vcpu);
	return NULL;
}

int vcpus_start(struct vm *vm)
{
	struct sigaction sa = {.sa_handler = kick_handler}; /* no SA_RESTART */
	sigset_t block, old;

	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;

	/*
	 * vCPU threads inherit this mask: SIGINT/SIGTERM and friends go to the
	 * main thread, never into the middle of a vCPU exit handler.
	 */
	sigfillset(&block);
	sigdelset(&block, KICK_SIGNAL);
	sigdelset(&block, SIGSEGV);
	sigdelset(&block, SIGBUS);
	sigdelset(&block, SIGFPE);
	sigdelset(&block, SIGILL);
	sigdelset(&block, SIGABRT);
	sigdelset(&block, SIGSYS); /* seccomp.c reports forbidden system calls with it */
	pthread_sigmask(SIG_SETMASK, &block, &old);

	int ret = 0;
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];
		ret = -pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
		if (ret) {
			log_error("cannot start vCPU %u's thread: %s", i, strerror(-ret));
			break;
		}
		vcpu->thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->run)
		__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, KICK_SIGNAL);
}

void vcpus_stop(struct vm *vm)
{
	if (!vm->vcpus)
		return;
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	vcpu_pause_wake(vm); /* parked threads see the stop now, not at their next tick */
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];
		if (vcpu->thread_started)
			pthread_join(vcpu->thread, NULL);
		if (vcpu->run)
			munmap(vcpu->run, (size_t)vm->vcpu_mmap_size);
		if (vcpu->fd >= 0)
			close(vcpu->fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	dump_crash_summary(); /* every vCPU has stopped: how many others crashed */
}
