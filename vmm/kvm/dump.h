/* SPDX-License-Identifier: MIT */
/*
 * The crash report: why a run stops, the registers, and the instruction bytes
 * at RIP, so that a guest that dies is never a silent failure.
 */
#ifndef KVMINI_DUMP_H
#define KVMINI_DUMP_H

struct vcpu;

/* Print why the run stops, the registers and the instruction bytes at RIP. */
void dump_vcpu(struct vcpu *vcpu, const char *why);

#endif /* KVMINI_DUMP_H */
