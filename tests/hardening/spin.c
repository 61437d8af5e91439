/* SPDX-License-Identifier: MIT */
/*
 * spin: a guest that never ends by itself, for the tests of the ways a run
 * is ended from outside (tests/hardening/: SIGINT, SIGTERM, --timeout).
 *
 * With a virtio-blk disk it first writes a marker to its first 8 sectors and
 * waits until the device reports the write complete, WITHOUT a FLUSH: the
 * monitor must still make it durable when it is stopped (board_shutdown()
 * flushes every disk). Then it prints "spin: spinning" and loops forever
 * with interrupts off.
 *
 * It spins instead of halting: without an in-kernel irqchip a HLT exits to
 * the monitor and ends the run, and with one, a halted vCPU sleeps in the
 * kernel, which is the easier case for a stop. A busy guest is the case
 * that needs the vCPU kick (vcpus_stop(): immediate_exit and SIGUSR1).
 */
#include <stdint.h>
#include <string.h>

#include "irq.h"
#include "printf.h"
#include "report.h"
#include "virtio_blk.h"

static struct vblk disk;
static char marker[4096];

/* "kvmini-spin marker NN\n" lines, the pattern tests/hardening/signal-stop.sh looks for. */
static void make_marker(void)
{
	char line[33];

	for (int i = 0; i < 4096 / 32; i++) {
		snprintf(line, sizeof(line), "kvmini-spin marker %012d\n", i);
		memcpy(marker + 32 * i, line, 32);
	}
}

static void write_marker(void)
{
	if (irq_init() || vblk_open(&disk, 0)) {
		report(false, "virtio-blk disk usable");
		return;
	}
	make_marker();
	int st = vblk_request(&disk, VIRTIO_BLK_T_OUT, 0, marker, sizeof(marker));
	report(st == VIRTIO_BLK_S_OK, "marker written to sectors 0-7, no flush (status %d)", st);
}

int main(void)
{
	struct virtio_dev probe;

	if (virtio_find(VIRTIO_ID_BLOCK, 0, &probe) == 0)
		write_marker();
	puts("spin: spinning");
	asm volatile("cli" : : : "memory");
	for (;;)
		asm volatile("" : : : "memory");
}
