// SPDX-License-Identifier: MIT
/* End-of-run reports: exit counts (--trace) and boot-phase times (--boot-times). */
#include <stdio.h>

#include <linux/kvm.h>

#include "abi/kvmini_abi.h"
#include "host/stats.h"
#include "kvm/vcpu_exit.h"
#include "kvm/vm.h"

void stats_print_exits(const struct vm *vm, uint64_t end_ns)
{
	uint64_t total = 0;
	double wall_ms = (double)(end_ns - vm->start_ns) / 1e6;
	double in_run_ms = (double)vm->ns_in_kvm_run / 1e6;

	fprintf(stderr, "kvmini: exits by reason:");
	for (int i = 0; i < VM_EXIT_REASONS; i++) {
		if (!vm->exit_counts[i])
			continue;
		total += vm->exit_counts[i];
		fprintf(stderr, " %s=%llu", vcpu_exit_name((uint32_t)i),
			(unsigned long long)vm->exit_counts[i]);
	}
	fprintf(stderr, " (total %llu)\n", (unsigned long long)total);
	fprintf(stderr,
		"kvmini: wall %.3f ms, vCPU 0 in KVM_RUN %.3f ms, "
		"%.0f exits/s\n",
		wall_ms, in_run_ms, wall_ms > 0 ? (double)total / (wall_ms / 1e3) : 0.0);
}

static const char *marker_name(int id)
{
	switch (id) {
	case KVMINI_MARKER_GUEST_ENTRY:
		return "guest entry";
	case KVMINI_MARKER_LINUX_INIT:
		return "Linux /init";
	case KVMINI_MARKER_READY:
		return "guest ready";
	default:
		return "guest marker";
	}
}

void stats_print_boot_times(const struct vm *vm, uint64_t end_ns)
{
	unsigned int n = vm->nmarks < VM_MAX_MARKS ? vm->nmarks : VM_MAX_MARKS;

	fprintf(stderr, "kvmini: boot times (ms since the monitor started):\n");
	fprintf(stderr, "kvmini: %10.3f  monitor start\n", 0.0);
	for (unsigned int i = 0; i < n; i++) {
		const struct boot_mark *m = &vm->marks[i];
		if (m->name)
			fprintf(stderr, "kvmini: %10.3f  %s\n", (double)m->ns / 1e6, m->name);
		else
			fprintf(stderr, "kvmini: %10.3f  %s (marker %d)\n", (double)m->ns / 1e6,
				marker_name(m->guest_marker), m->guest_marker);
	}
	fprintf(stderr, "kvmini: %10.3f  exit\n", (double)(end_ns - vm->start_ns) / 1e6);
	fprintf(stderr, "kvmini: %10.3f  monitor time outside KVM_RUN (vCPU 0 view)\n",
		(double)(end_ns - vm->start_ns - vm->ns_in_kvm_run) / 1e6);
}
