// SPDX-License-Identifier: MIT
/*
 * The exit handler without KVM (vmm/kvm/vcpu_exit.c, dump.c):
 *  - vcpu_exit_name(): the one table of KVM exit reason names (--trace
 *    counts, crash reports);
 *  - the endings: a HLT without an irqchip is a hung guest, not a success;
 *    and when many vCPUs crash together, one report is printed whole and the
 *    others are summed up in one line. The vCPUs here are a kvm_run page in
 *    plain memory and no file descriptor (fd -1: reading registers fails,
 *    which the crash report says).
 */
#include <check.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "kvm/dump.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_exit.h"
#include "kvm/vm.h"
#include "unit_run.h"

#define NCPUS 50

static struct vm vm;
static struct board board; /* empty: a triple fault asks it how a reset ends the run */
static struct vcpu vcpus[NCPUS];
static FILE *err; /* stderr, captured */

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1;
	vm.loop.epoll_fd = vm.loop.wake_fd = -1;
	board_init(&board, &vm);
	for (unsigned int i = 0; i < NCPUS; i++) {
		vcpus[i] = (struct vcpu){.vm = &vm, .id = i, .fd = -1};
		vcpus[i].run = calloc(1, sizeof(struct kvm_run));
		ck_assert_ptr_nonnull(vcpus[i].run);
	}
	err = tmpfile();
	ck_assert_ptr_nonnull(err);
	fflush(stderr);
	ck_assert_int_ne(dup2(fileno(err), STDERR_FILENO), -1);
}

static void teardown(void)
{
	for (unsigned int i = 0; i < NCPUS; i++)
		free(vcpus[i].run);
}

/* Everything printed on stderr so far. */
static const char *captured(void)
{
	static char text[64 * 1024];

	fflush(stderr);
	size_t n = (size_t)pread(fileno(err), text, sizeof(text) - 1, 0);
	text[n < sizeof(text) ? n : 0] = '\0';
	return text;
}

START_TEST(test_names)
{
	/* tests/labs/lab1.sh and tests/bench parse "io=N" from the --trace summary. */
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_IO), "io");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_MMIO), "mmio");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_HLT), "hlt");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_SHUTDOWN), "shutdown");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_INTERNAL_ERROR), "internal_error");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_SYSTEM_EVENT), "system_event");
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_UNKNOWN), "unknown");
}
END_TEST

START_TEST(test_unnamed)
{
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_SYSTEM_EVENT + 1000), "?");
	ck_assert_str_eq(vcpu_exit_name(UINT32_MAX), "?");
	/* A reason inside the table's range that has no entry (KVM_EXIT_NMI, 16). */
	ck_assert_str_eq(vcpu_exit_name(KVM_EXIT_NMI), "?");
}
END_TEST

static int count(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

START_TEST(test_hlt_without_irqchip_is_hung)
{
	vcpus[0].run->exit_reason = KVM_EXIT_HLT;
	ck_assert_int_eq(vcpu_exit_handle(&vcpus[0]), EXIT_STOP);
	ck_assert(vm_stopping(&vm));
	ck_assert_int_eq(vm.exit_status, KVMINI_STATUS_GUEST_HUNG);
	/* A status of its own, clear of timeout(1)'s and the shell's 124-127. */
	ck_assert_int_ne(KVMINI_STATUS_GUEST_HUNG, KVMINI_STATUS_OK);
	ck_assert_int_ne(KVMINI_STATUS_GUEST_HUNG, KVMINI_STATUS_GUEST_CRASH);
	ck_assert_int_lt(KVMINI_STATUS_GUEST_HUNG, 124);
	ck_assert_ptr_nonnull(strstr(captured(), "kvmini: guest hung: vCPU 0 halted"));
}
END_TEST

/* A guest that wrote its status first keeps it: the HLT after it changes nothing. */
START_TEST(test_hlt_after_guest_exit_keeps_status)
{
	vm_request_stop(&vm, 0); /* the test device's EXIT write */
	vcpus[0].run->exit_reason = KVM_EXIT_HLT;
	ck_assert_int_eq(vcpu_exit_handle(&vcpus[0]), EXIT_STOP);
	ck_assert_int_eq(vm.exit_status, 0);
	ck_assert_ptr_null(strstr(captured(), "guest hung"));
}
END_TEST

static pthread_barrier_t together;

static void *crash_now(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN; /* a triple fault */
	pthread_barrier_wait(&together);
	vcpu_exit_handle(vcpu);
	return NULL;
}

START_TEST(test_simultaneous_crashes_one_report)
{
	pthread_t threads[NCPUS];

	pthread_barrier_init(&together, NULL, NCPUS);
	for (unsigned int i = 0; i < NCPUS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, crash_now, &vcpus[i]), 0);
	for (unsigned int i = 0; i < NCPUS; i++)
		pthread_join(threads[i], NULL);
	dump_crash_summary();

	const char *text = captured();
	ck_assert_int_eq(vm.exit_status, KVMINI_STATUS_GUEST_CRASH);
	ck_assert_int_eq(count(text, "kvmini: guest stopped on vCPU"), 1);
	ck_assert_int_eq(count(text, "exit reason"), 1); /* one dump, whole */
	ck_assert_int_eq(count(text, "also stopped with a crash"), 1);
	ck_assert_ptr_nonnull(strstr(text, "kvmini: 49 other vCPUs also stopped with a crash"));
}
END_TEST

START_TEST(test_single_crash_no_summary)
{
	vcpus[3].run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	ck_assert_int_eq(vcpu_exit_handle(&vcpus[3]), EXIT_STOP);
	dump_crash_summary();
	const char *text = captured();
	ck_assert_int_eq(count(text, "kvmini: guest stopped on vCPU 3"), 1);
	ck_assert_int_eq(count(text, "also stopped"), 0);
}
END_TEST

static Suite *vcpu_exit_suite(void)
{
	Suite *s = suite_create("vcpu_exit");
	TCase *names = tcase_create("names");
	TCase *tc = tcase_create("core");

	tcase_add_test(names, test_names);
	tcase_add_test(names, test_unnamed);
	suite_add_tcase(s, names);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_hlt_without_irqchip_is_hung);
	tcase_add_test(tc, test_hlt_after_guest_exit_keeps_status);
	tcase_add_test(tc, test_simultaneous_crashes_one_report);
	tcase_add_test(tc, test_single_crash_no_summary);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(vcpu_exit_suite());
}
