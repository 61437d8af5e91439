/* SPDX-License-Identifier: MIT */
/*
 * From start.S to the test program's main(), and back out through the test
 * device.
 *
 * Work done here is paid by every test, including the boot-time benchmark
 * of the `hello` guest, so it is kept small: no device-tree parsing (the
 * programs that need it call devicetree.h), no clearing of .bss (start.S
 * explains why it is already zero).
 */
#include <abi/kvmini_abi.h>

#include "exception.h"
#include "guest.h"
#include "io.h"
#include "serial.h"
#include "stack_protector.h"

struct boot_info boot_info;

void guest_exit(int status)
{
	outl(KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_EXIT, (uint32_t)status);
	/* The monitor stops the VM on that write; should it not, stay here. */
	cpu_halt_forever();
}

/* Called by start.S with the entry registers RDI and RSI. Does not return. */
__attribute__((noreturn)) void guest_boot(uint64_t fdt_addr, uint64_t magic);

void guest_boot(uint64_t fdt_addr, uint64_t magic)
{
	/* First thing: timestamp "guest code runs" for the boot benchmarks. */
	outl(KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_MARKER, KVMINI_MARKER_GUEST_ENTRY);

	boot_info.fdt_addr = fdt_addr;
	boot_info.magic = magic;
	stack_protector_init();
	serial_init();
	exception_init();
	guest_exit(main());
}
