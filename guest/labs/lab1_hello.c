/* SPDX-License-Identifier: MIT */
/*
 * Lab 1 reference solution (docs/labs/lab1-hello-kvm.md): talk to the
 * monitor with nothing but port I/O. Every `out` and `in` below is one VM
 * exit, which `kvmini run --trace` prints as one line:
 *
 *   1. "Hello, KVM!\n", one `outb` per byte to COM1's data register;
 *   2. LAB1_SCRATCH_VALUE written to the test device's SCRATCH register
 *      with `outl`, and read back with `inl`;
 *   3. marker LAB_MARKER_STUDENT to the test device's MARKER register,
 *      which --boot-times reports with its time;
 *   4. exit status LAB1_EXIT_STATUS through the test device's EXIT
 *      register: kvmini stops and exits with it.
 *
 * No guest library helper is used for any of it (only io.h's one-instruction
 * wrappers), so the trace shows exactly these accesses after the library's
 * own start-up (boot marker, UART FIFO set-up).
 */
#include <stdint.h>

#include <abi/kvmini_abi.h>
#include <abi/kvmini_labs.h>

#include "guest.h"
#include "io.h"

#define LAB1_SCRATCH_VALUE 0x4b564d21U /* "!MVK": any value will do */
#define LAB1_EXIT_STATUS   42

int main(void)
{
	static const char greeting[] = "Hello, KVM!\n";

	for (const char *p = greeting; *p; p++)
		outb(KVMINI_COM1_PORT, (uint8_t)*p);

	outl(KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_SCRATCH, LAB1_SCRATCH_VALUE);
	if (inl(KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_SCRATCH) != LAB1_SCRATCH_VALUE)
		return 1; /* boot.c writes it to EXIT: kvmini exits 1 */

	outl(KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_MARKER, LAB_MARKER_STUDENT);
	outl(KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_EXIT, LAB1_EXIT_STATUS);
	return 1; /* not reached: the monitor stopped the VM at the EXIT write */
}
