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

/*
 * A vCPU hit a fatal exit. When several crash together (a guest bug often
 * hits every vCPU), their reports must not interleave: the first one is
 * printed whole (dump_vcpu), the others are only counted, for
 * dump_crash_summary(). Nothing is printed if the run was already stopping
 * for another reason before the first crash (its status wins anyway).
 * Thread-safe; call before vm_request_stop().
 */
void dump_crash(struct vcpu *vcpu, const char *why);

/*
 * After the vCPU threads ended: one line saying how many other vCPUs also
 * crashed, and which, if any did. Prints nothing otherwise.
 */
void dump_crash_summary(void);

#endif /* KVMINI_DUMP_H */
