// SPDX-License-Identifier: MIT
/*
 * The board of kvmini-lab: where the labs' device models go (see
 * vmm/board/board_labs.h). Each device is built only when its source
 * file is in the build (meson defines KVMINI_HAVE_LAB_CLOCK and
 * KVMINI_HAVE_LAB_ECHO then), so a student's tree without devices/lab_*.c
 * still builds, and the lab's check fails with a message that names the
 * missing file.
 */
#include <errno.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "abi/kvmini_labs.h"
#include "board/board.h"
#include "board/board_labs.h"
#include "kvmini/lab_clock.h"
#include "kvmini/lab_echo.h"
#include "kvmini/log.h"
#include "kvm/vm.h"

#ifdef KVMINI_HAVE_LAB_CLOCK
/* One VM per process, so its devices live here, like board.c's. */
static struct lab_clock clock_device;

static int add_clock(struct vm *vm)
{
	lab_clock_init(&clock_device, vm_now_ns);
	return board_register(&vm->pio, &clock_device.dev, LAB_CLOCK_PORT);
}
#else
static int add_clock(struct vm *vm)
{
	(void)vm;
	log_warn("lab 2: devices/labs/lab_clock.c is not in this build: no clock at port %#x",
		 LAB_CLOCK_PORT);
	return 0;
}
#endif

#ifdef KVMINI_HAVE_LAB_ECHO
static struct lab_echo *echo_device;
static struct irq_line echo_irq;

/*
 * The next free virtio-mmio slot after the board's own (vmm/board/board_virtio.c
 * fills them from 0), published in vm->virtio_slots so that the device tree
 * lists it. No ioeventfd: a QueueNotify write is an MMIO exit, and the
 * transport calls the device on the vCPU thread (simpler to follow in a
 * trace; board_virtio.c shows the faster way).
 */
static int add_echo(struct vm *vm)
{
	unsigned int n = vm->nvirtio_slots;
	int gsi = KVMINI_VIRTIO_MMIO_FIRST_GSI + (int)n;
	int ret;

	if (n >= KVMINI_VIRTIO_MMIO_MAX) {
		log_error("lab 4: no free virtio-mmio slot for the echo device");
		return -ENOSPC;
	}
	if (!vm->has_irqchip && (ret = vm_create_irqchip(vm, false)))
		return ret;
	if ((ret = vm_irq_line_init(vm, &echo_irq, gsi)) ||
	    (ret = lab_echo_create(&echo_device, &vm->mem, &echo_irq)))
		return ret;
	struct virtio_mmio *vmio = lab_echo_mmio(echo_device);
	ret = board_register(&vm->mmio, &vmio->dev,
			     KVMINI_VIRTIO_MMIO_BASE + n * KVMINI_VIRTIO_MMIO_STRIDE);
	if (ret)
		return ret;
	vm->virtio_slots[n].base = vmio->dev.base;
	vm->virtio_slots[n].size = vmio->dev.size;
	vm->virtio_slots[n].gsi = gsi;
	vm->nvirtio_slots = n + 1;
	log_debug("lab 4: echo device at %#llx, GSI %d", (unsigned long long)vmio->dev.base, gsi);
	return 0;
}
#else
static int add_echo(struct vm *vm)
{
	(void)vm;
	log_warn("lab 4: devices/labs/lab_echo.c is not in this build: no echo device");
	return 0;
}
#endif

int board_labs_setup(struct vm *vm)
{
	int ret = add_clock(vm);
	if (!ret)
		ret = add_echo(vm);
	return ret;
}
