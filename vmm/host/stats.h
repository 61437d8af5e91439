/* SPDX-License-Identifier: MIT */
/* End-of-run reports on stderr (vmm/host/stats.c). */
#ifndef KVMINI_STATS_H
#define KVMINI_STATS_H

#include <stdint.h>

struct vm;

/* --trace: counts per exit reason, time in KVM_RUN, exits per second. */
void stats_print_exits(const struct vm *vm, uint64_t end_ns);

/* --boot-times: each recorded phase, in ms since the monitor started. */
void stats_print_boot_times(const struct vm *vm, uint64_t end_ns);

#endif /* KVMINI_STATS_H */
