/* SPDX-License-Identifier: MIT */
/*
 * The crash report: why a run stops, the registers, and the instruction bytes
 * at RIP, so that a guest that dies is never a silent failure.
 */
#ifndef KVMINI_DUMP_H
#define KVMINI_DUMP_H

#include <stdint.h>

struct vcpu;

/* Print why the run stops, the registers and the instruction bytes at RIP. */
void dump_vcpu(struct vcpu *vcpu, const char *why);

/*
 * Read up to len bytes of code at the guest's current RIP by walking its page
 * tables (Intel SDM vol. 3, 4.5). Returns the number of bytes read (0 if RIP
 * does not map to RAM).
 */
unsigned int dump_read_code(struct vcpu *vcpu, uint8_t *buf, unsigned int len);

#endif /* KVMINI_DUMP_H */
