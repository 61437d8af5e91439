/* SPDX-License-Identifier: MIT */
/*
 * What every tiny-guest test program sees: the boot information, the entry
 * point it must define, and how to stop the VM.
 *
 * A test program is one C file with
 *	int main(void) { report(...); ...; return report_summary(); }
 * linked with guest/lib (see guest/meson.build).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>

/* Register values the monitor passed at entry (include/abi/kvmini_abi.h). */
struct boot_info {
	uint64_t fdt_addr; /* RDI: guest-physical address of the device tree */
	uint64_t magic;	   /* RSI: KVMINI_BOOT_MAGIC if the monitor kept the contract */
};

extern struct boot_info boot_info;

/* Start and end (page aligned) of the loaded image, from linker.ld. */
extern char __image_start[];
extern char __image_end[];

/*
 * The test program. Runs with the console and the exception handlers ready;
 * its return value is the VM's exit status (use report_summary()).
 */
int main(void);

/* Stop the VM through the test device; the monitor exits with status & 0xff. */
__attribute__((noreturn)) void guest_exit(int status);

#endif /* GUEST_GUEST_H */
