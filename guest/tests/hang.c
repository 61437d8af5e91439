/* SPDX-License-Identifier: MIT */
/*
 * hang: a guest that stops without saying how it ended. It prints one line,
 * then executes `cli; hlt` without writing its status to the test device.
 *
 * It has no virtio device and one vCPU, so the monitor creates no irqchip
 * (vmm/main.c), and nothing can ever wake the halted vCPU: kvmini must call
 * this a hang (KVMINI_STATUS_GUEST_HUNG, with a message), never a success.
 * tests/integration/hang.sh checks that.
 */
#include "io.h"
#include "printf.h"

int main(void)
{
	puts("hang: halting with interrupts off, without an exit status");
	cpu_halt_forever();
}
