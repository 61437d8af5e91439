// SPDX-License-Identifier: MIT
/*
 * Pausing vCPUs without KVM (vmm/kvm/vcpu_pause.c). Each "vCPU" is a thread
 * that behaves like vcpu_thread() with KVM_RUN replaced by a short sleep:
 * when its kvm_run page (plain memory) has immediate_exit set, that is the
 * EINTR a real KVM_RUN returns, and it calls vcpu_pause_point(). The kick
 * signal really is sent. What needs KVM (that a vCPU inside KVM_RUN leaves
 * it on the kick, and that its state is then complete) is covered by the
 * snapshot integration tests, which skip without /dev/kvm.
 */
#include <check.h>
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/vcpu.h"
#include "kvm/vcpu_pause.h"
#include "kvm/vm.h"
#include "unit_run.h"

#define NCPUS 3
#define PAGE  4096

enum fake_mode { RUNS, STUCK, EXITS, NOT_STARTED };

static struct vm vm;
static enum fake_mode modes[NCPUS];
static unsigned long counters[NCPUS]; /* "guest instructions" each fake vCPU ran */

static void on_kick(int sig)
{
	(void)sig;
}

/* vcpu_thread() with KVM_RUN replaced by a 100 us sleep. */
static void *fake_vcpu(void *arg)
{
	struct vcpu *vcpu = arg;

	while (!vm_stopping(vcpu->vm) && modes[vcpu->id] != EXITS) {
		bool kicked = __atomic_load_n(&vcpu->run->immediate_exit, __ATOMIC_SEQ_CST);
		if (kicked && modes[vcpu->id] == RUNS) {
			vcpu_pause_point(vcpu);
			continue;
		}
		__atomic_fetch_add(&counters[vcpu->id], 1, __ATOMIC_SEQ_CST);
		usleep(100);
	}
	vcpu_pause_gone(vcpu);
	return NULL;
}

static void start(enum fake_mode m0, enum fake_mode m1, enum fake_mode m2)
{
	struct sigaction sa = {.sa_handler = on_kick};

	sigaction(SIGUSR1, &sa, NULL);
	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1;
	vm.loop.epoll_fd = vm.loop.wake_fd = -1;
	vm.ncpus = NCPUS;
	vm.vcpu_mmap_size = PAGE;
	vm.vcpus = calloc(NCPUS, sizeof(*vm.vcpus));
	ck_assert_ptr_nonnull(vm.vcpus);
	vcpu_pause_init(&vm.pause);
	modes[0] = m0, modes[1] = m1, modes[2] = m2;
	for (unsigned int i = 0; i < NCPUS; i++) {
		struct vcpu *vcpu = &vm.vcpus[i];
		*vcpu = (struct vcpu){.vm = &vm, .id = i, .fd = -1};
		vcpu->run = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
		ck_assert_ptr_ne(vcpu->run, MAP_FAILED);
		counters[i] = 0;
		if (modes[i] == NOT_STARTED)
			continue;
		ck_assert_int_eq(pthread_create(&vcpu->thread, NULL, fake_vcpu, vcpu), 0);
		vcpu->thread_started = true;
	}
}

static unsigned long count(unsigned int i)
{
	return __atomic_load_n(&counters[i], __ATOMIC_SEQ_CST);
}

/* Ends the run as main() does: a stop request, then vcpus_stop(). Milliseconds taken. */
static uint64_t stop(void)
{
	uint64_t t0 = vm_now_ns();
	vm_request_stop(&vm, 0);
	vcpus_stop(&vm);
	return (vm_now_ns() - t0) / 1000000;
}

START_TEST(pause_parks_every_vcpu_and_resume_lets_them_run)
{
	start(RUNS, RUNS, RUNS);
	usleep(20000);
	ck_assert(!vcpus_paused(&vm));
	ck_assert_int_eq(vcpus_pause(&vm), 0);
	ck_assert(vcpus_paused(&vm));
	ck_assert_uint_eq(vm.pause.parked, NCPUS);

	unsigned long before[NCPUS];
	for (unsigned int i = 0; i < NCPUS; i++)
		before[i] = count(i);
	usleep(50000);
	for (unsigned int i = 0; i < NCPUS; i++)
		ck_assert_uint_eq(count(i), before[i]); /* nothing ran while paused */

	ck_assert_int_eq(vcpus_pause(&vm), 0); /* idempotent */
	ck_assert(vcpus_paused(&vm));

	vcpus_resume(&vm);
	ck_assert(!vcpus_paused(&vm));
	usleep(50000);
	for (unsigned int i = 0; i < NCPUS; i++) {
		ck_assert_uint_gt(count(i), before[i]);		      /* running again ... */
		ck_assert_int_eq(vm.vcpus[i].run->immediate_exit, 0); /* ... for real */
	}
	vcpus_resume(&vm); /* not paused: nothing happens */
	ck_assert(!vcpus_paused(&vm));

	/* A second pause after a resume works the same. */
	ck_assert_int_eq(vcpus_pause(&vm), 0);
	ck_assert_uint_eq(vm.pause.parked, NCPUS);
	vcpus_resume(&vm);
	ck_assert_uint_lt(stop(), 1000);
}
END_TEST

START_TEST(stop_wins_over_a_pause)
{
	start(RUNS, RUNS, RUNS);
	ck_assert_int_eq(vcpus_pause(&vm), 0);
	/* SIGTERM or --timeout while paused: the run ends at once. */
	ck_assert_uint_lt(stop(), 1000);
	ck_assert_ptr_null(vm.vcpus);
}
END_TEST

START_TEST(parked_threads_see_a_stop_by_themselves)
{
	start(RUNS, RUNS, RUNS);
	ck_assert_int_eq(vcpus_pause(&vm), 0);
	vm_request_stop(&vm, 0); /* no vcpus_stop() yet: the timed waits notice */
	uint64_t t0 = vm_now_ns();
	for (;;) {
		pthread_mutex_lock(&vm.pause.lock);
		unsigned int gone = vm.pause.gone;
		pthread_mutex_unlock(&vm.pause.lock);
		if (gone == NCPUS)
			break;
		ck_assert_uint_lt(vm_now_ns() - t0, 1000000000ull);
		usleep(1000);
	}
	stop();
}
END_TEST

START_TEST(no_pause_once_stopping)
{
	start(RUNS, RUNS, RUNS);
	vm_request_stop(&vm, 0);
	ck_assert_int_eq(vcpus_pause(&vm), -ECANCELED);
	ck_assert(!vcpus_paused(&vm));
	stop();
}
END_TEST

static void *stop_later(void *arg)
{
	(void)arg;
	usleep(100000);
	vm_request_stop(&vm, 0);
	return NULL;
}

START_TEST(a_stop_ends_a_pause_that_waits)
{
	/* vCPU 1 never leaves "KVM_RUN": the pause waits until the stop comes. */
	start(RUNS, STUCK, RUNS);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, stop_later, NULL), 0);
	uint64_t t0 = vm_now_ns();
	ck_assert_int_eq(vcpus_pause(&vm), -ECANCELED);
	ck_assert_uint_lt((vm_now_ns() - t0) / 1000000, 1000);
	ck_assert(!vcpus_paused(&vm));
	pthread_join(t, NULL);
	ck_assert_uint_lt(stop(), 1000);
}
END_TEST

START_TEST(finished_and_unstarted_threads_count_as_parked)
{
	start(EXITS, NOT_STARTED, RUNS);
	usleep(10000);
	ck_assert_int_eq(vcpus_pause(&vm), 0);
	ck_assert_uint_eq(vm.pause.parked, 1);
	unsigned long before = count(2);
	usleep(30000);
	ck_assert_uint_eq(count(2), before);
	vcpus_resume(&vm);
	stop();
}
END_TEST

START_TEST(no_vcpus_no_pause)
{
	memset(&vm, 0, sizeof(vm));
	vcpu_pause_init(&vm.pause);
	ck_assert_int_eq(vcpus_pause(&vm), -ENODEV);
	ck_assert(!vcpus_paused(&vm));
	vcpus_resume(&vm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vcpu_pause");
	TCase *tc = tcase_create("pause");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, pause_parks_every_vcpu_and_resume_lets_them_run);
	tcase_add_test(tc, stop_wins_over_a_pause);
	tcase_add_test(tc, parked_threads_see_a_stop_by_themselves);
	tcase_add_test(tc, no_pause_once_stopping);
	tcase_add_test(tc, a_stop_ends_a_pause_that_waits);
	tcase_add_test(tc, finished_and_unstarted_threads_count_as_parked);
	tcase_add_test(tc, no_vcpus_no_pause);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
