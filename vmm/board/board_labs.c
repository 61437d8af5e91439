// SPDX-License-Identifier: MIT
/*
 * The board of kvmini-lab: where the labs' device models go (see
 * vmm/board/board_labs.h). Each device is built only when its source
 * file is in the build (meson defines KVMINI_HAVE_LAB_CLOCK and
 * KVMINI_HAVE_LAB_ECHO then), so a student's tree without devices/labs/lab_*.c
 * still builds, and the lab's check fails with a message that names the
 * missing file. A missing device is said only at info level (-v): a warning
 * would show in every other lab's log, e.g. "lab 4: ... no echo device" in
 * lab 2's, while lab 4 is not started yet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "abi/kvmini_labs.h"
#include "board/board.h"
#include "board/board_labs.h"
#include "board/resources.h"
#include "kvmini/lab_clock.h"
#include "kvmini/lab_echo.h"
#include "kvmini/log.h"
#include "kvm/vm.h"

/*
 * The labs' devices, owned by the board (b->labs). The headers are always in
 * the tree; only the devices' .c files may be missing.
 */
struct board_labs {
	struct lab_clock clock;
	struct lab_echo *echo; /* NULL until lab 4's device is created */
	struct irq_line echo_irq;
};

#ifdef KVMINI_HAVE_LAB_CLOCK
static int add_clock(struct board *b)
{
	lab_clock_init(&b->labs->clock, vm_now_ns);
	return board_place_pio(b, &b->labs->clock.dev, LAB_CLOCK_PORT);
}
#else
static int add_clock(struct board *b)
{
	(void)b;
	log_info("lab 2: devices/labs/lab_clock.c is not in this build: no clock at port %#x",
		 LAB_CLOCK_PORT);
	return 0;
}
#endif

#ifdef KVMINI_HAVE_LAB_ECHO
/*
 * The next free virtio-mmio slot after the board's own (the device manager
 * hands them out in order), so the device tree and the Linux command line
 * list it. No ioeventfd: a QueueNotify write is an MMIO exit, and the
 * transport calls the device on the vCPU thread (simpler to follow in a
 * trace; board_virtio_slot.c shows the faster way).
 */
static int add_echo(struct board *b)
{
	struct board_labs *l = b->labs;
	struct vm *vm = b->vm;
	struct virtio_slot slot;
	int ret;

	/* main.c created it (board_labs_need_irqchip()), before COM1 was wired. */
	if (!vm->has_irqchip) {
		log_error("lab 4: the echo device needs the in-kernel irqchip");
		return -EINVAL;
	}
	if ((ret = resources_alloc_virtio(&b->res, KVMINI_VIRTIO_MMIO_SIZE, "lab 4 echo", &slot)) ||
	    (ret = vm_irq_line_init(vm, &l->echo_irq, slot.gsi)) ||
	    (ret = lab_echo_create(&l->echo, &vm->mem, &l->echo_irq)))
		return ret;
	struct virtio_mmio *vmio = lab_echo_mmio(l->echo);
	ret = board_register(&vm->mmio, &vmio->dev, slot.base);
	if (ret)
		return ret;
	log_debug("lab 4: echo device at %#llx, GSI %d", (unsigned long long)vmio->dev.base,
		  slot.gsi);
	return 0;
}
#else
static int add_echo(struct board *b)
{
	(void)b;
	log_info("lab 4: devices/labs/lab_echo.c is not in this build: no echo device");
	return 0;
}
#endif

int board_labs_setup(struct board *b)
{
	b->labs = calloc(1, sizeof(*b->labs));
	if (!b->labs)
		return -ENOMEM;
	int ret = add_clock(b);
	if (!ret)
		ret = add_echo(b);
	return ret;
}

void board_labs_destroy(struct board *b)
{
	if (!b->labs)
		return;
#ifdef KVMINI_HAVE_LAB_ECHO
	lab_echo_destroy(b->labs->echo);
#endif
	free(b->labs);
	b->labs = NULL;
}
