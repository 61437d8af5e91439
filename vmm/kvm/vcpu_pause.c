// SPDX-License-Identifier: MIT
/*
 * Pause and resume of the vCPU threads (vcpu_pause.h).
 *
 * The I/O thread sets `requested` and kicks every vCPU out of KVM_RUN the
 * way vcpus_stop() does (immediate_exit plus a signal). Each vCPU thread,
 * on its next EINTR, calls vcpu_pause_point(): it counts itself parked and
 * waits. vcpus_pause() returns once every thread is parked or gone.
 *
 * immediate_exit is written under the lock by both sides, so a resume that
 * clears it cannot undo the kick of a pause that follows. vcpus_stop() sets
 * it without the lock, but only after vm_request_stop(): a thread that
 * clears it re-checks vm_stopping() at the top of its loop before KVM_RUN.
 * Waits are timed (PAUSE_TICK_MS) and re-check vm_stopping(), so a stop
 * requested from any thread ends a pause within a tick.
 */
#include <errno.h>
#include <time.h>

#include "kvmini/log.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_pause.h"
#include "kvm/vm.h"

#define PAUSE_TICK_MS  10
#define PAUSE_LIMIT_MS 5000 /* a vCPU thread's exit handler is bounded: this is a bug */

void vcpu_pause_init(struct vcpu_pause *pause)
{
	pthread_condattr_t attr;

	*pause = (struct vcpu_pause){0};
	pthread_mutex_init(&pause->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pause->cond, &attr);
	pthread_condattr_destroy(&attr);
}

/* Wait on the condition for at most one tick. Called with the lock held. */
static void wait_tick(struct vcpu_pause *pause)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += PAUSE_TICK_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&pause->cond, &pause->lock, &ts);
}

static void set_immediate_exit(struct vcpu *vcpu, int value)
{
	if (vcpu->run)
		__atomic_store_n(&vcpu->run->immediate_exit, value, __ATOMIC_SEQ_CST);
}

/* Threads that can never enter KVM_RUN again (or never started) count as parked. */
static unsigned int settled(const struct vm *vm)
{
	unsigned int n = vm->pause.parked + vm->pause.gone;

	for (unsigned int i = 0; i < vm->ncpus; i++)
		n += !vm->vcpus[i].thread_started;
	return n;
}

/* End a request that did not complete. Called with the lock held. */
static int give_up(struct vm *vm, int err)
{
	vm->pause.requested = false;
	for (unsigned int i = 0; i < vm->ncpus; i++)
		if (!vm_stopping(vm))
			set_immediate_exit(&vm->vcpus[i], 0);
	pthread_cond_broadcast(&vm->pause.cond);
	pthread_mutex_unlock(&vm->pause.lock);
	return err;
}

int vcpus_pause(struct vm *vm)
{
	struct vcpu_pause *pause = &vm->pause;

	if (!vm->vcpus)
		return -ENODEV;
	pthread_mutex_lock(&pause->lock);
	if (pause->paused) {
		pthread_mutex_unlock(&pause->lock);
		return 0;
	}
	if (vm_stopping(vm)) {
		pthread_mutex_unlock(&pause->lock);
		return -ECANCELED;
	}
	pause->requested = true;
	for (unsigned int i = 0; i < vm->ncpus; i++)
		set_immediate_exit(&vm->vcpus[i], 1);

	uint64_t deadline = vm_now_ns() + PAUSE_LIMIT_MS * 1000000ull;
	while (settled(vm) < vm->ncpus) {
		if (vm_stopping(vm))
			return give_up(vm, -ECANCELED);
		if (vm_now_ns() > deadline) {
			log_error("vCPUs did not pause within %d ms", PAUSE_LIMIT_MS);
			return give_up(vm, -ETIMEDOUT);
		}
		/*
		 * A signal sent just before a thread enters KVM_RUN is lost,
		 * but immediate_exit is not; kicking again each tick costs a
		 * parked thread nothing.
		 */
		for (unsigned int i = 0; i < vm->ncpus; i++)
			vcpu_kick(&vm->vcpus[i]);
		wait_tick(pause);
	}
	if (vm_stopping(vm)) /* the last ones may have left because of it */
		return give_up(vm, -ECANCELED);
	pause->paused = true;
	pthread_mutex_unlock(&pause->lock);
	return 0;
}

void vcpus_resume(struct vm *vm)
{
	struct vcpu_pause *pause = &vm->pause;

	pthread_mutex_lock(&pause->lock);
	if (pause->paused) {
		pause->paused = false;
		pause->requested = false;
		pthread_cond_broadcast(&pause->cond);
	}
	pthread_mutex_unlock(&pause->lock);
}

bool vcpus_paused(const struct vm *vm)
{
	struct vcpu_pause *pause = (struct vcpu_pause *)&vm->pause;

	pthread_mutex_lock(&pause->lock);
	bool paused = pause->paused;
	pthread_mutex_unlock(&pause->lock);
	return paused;
}

void vcpu_pause_point(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct vcpu_pause *pause = &vm->pause;

	pthread_mutex_lock(&pause->lock);
	if (!pause->requested) {
		pthread_mutex_unlock(&pause->lock);
		return;
	}
	pause->parked++;
	pthread_cond_broadcast(&pause->cond);
	while (pause->requested && !vm_stopping(vm))
		wait_tick(pause);
	pause->parked--;
	if (!pause->requested && !vm_stopping(vm))
		set_immediate_exit(vcpu, 0);
	pthread_mutex_unlock(&pause->lock);
}

void vcpu_pause_gone(struct vcpu *vcpu)
{
	struct vcpu_pause *pause = &vcpu->vm->pause;

	pthread_mutex_lock(&pause->lock);
	pause->gone++;
	pthread_cond_broadcast(&pause->cond);
	pthread_mutex_unlock(&pause->lock);
}

void vcpu_pause_wake(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause.lock);
	pthread_cond_broadcast(&vm->pause.cond);
	pthread_mutex_unlock(&vm->pause.lock);
}
