// SPDX-License-Identifier: MIT
/*
 * The board: create each device model, give it its address and interrupt
 * line, and register it on a bus. This file is the one place where "port
 * 0x3f8 is the UART" is decided (see vmm/board/board.h for the map).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/board_virtio.h"
#include "config.h"
#include "host/chardev_io.h"
#include "host/stdin_console.h"
#include "kvmini/chardev.h"
#include "kvmini/i8042.h"
#include "kvmini/log.h"
#include "kvmini/serial.h"
#include "kvmini/testdev.h"
#include "kvm/vm.h"

/* testdev EXIT: the guest's verdict becomes the monitor's exit status. */
static void on_guest_exit(void *opaque, unsigned int code)
{
	vm_request_stop(opaque, (int)code);
}

/* isa-debug-exit: status is already QEMU's (value << 1) | 1. */
static void on_debug_exit(void *opaque, int status)
{
	vm_request_stop(opaque, status);
}

static void on_guest_marker(void *opaque, unsigned int id)
{
	struct board *b = ((struct vm *)opaque)->board;
	uint64_t one = 1;

	vm_mark(opaque, NULL, (int)id);
	board_note_marker(b, id);
	/* On a vCPU thread: whatever waits for "ready" runs on the I/O thread. */
	if (id == KVMINI_MARKER_READY && b->ready_fd >= 0 &&
	    write(b->ready_fd, &one, sizeof(one)) != sizeof(one))
		log_warn("cannot signal the guest's ready marker: %s", strerror(errno));
}

/*
 * i8042 command 0xfe pulses the CPU reset line: Linux's "reboot=k", and its
 * default reboot on a PC without ACPI. A reset right after a kernel panic
 * (panic=-1) ends the run as a panic, one before Linux booted as a crash.
 */
static void on_guest_reset(void *opaque)
{
	struct board *b = opaque;

	log_info("guest reset the CPU through the keyboard controller");
	int status = board_reset_status(b);
	if (status == KVMINI_STATUS_GUEST_CRASH)
		log_error("Linux died before it booted: it reset the CPU before the kernel's first "
			  "console line and before /init started, so not a reboot");
	vm_request_stop(b->vm, status);
}

int board_register(struct bus *bus, struct device *dev, uint64_t base)
{
	dev->base = base;
	int ret = bus_register(bus, dev);
	if (ret)
		log_error("cannot place %s at %#llx on the %s bus: %s", dev->name,
			  (unsigned long long)base, bus->name, strerror(-ret));
	return ret;
}

int board_place_pio(struct board *b, struct device *dev, uint64_t port)
{
	int ret = resources_claim_pio(&b->res, port, dev->size, dev->name);
	return ret ? ret : board_register(&b->vm->pio, dev, port);
}

int board_place_mmio(struct board *b, struct device *dev, uint64_t addr)
{
	int ret = resources_claim_mmio(&b->res, addr, dev->size, dev->name);
	return ret ? ret : board_register(&b->vm->mmio, dev, addr);
}

void board_init(struct board *b, struct vm *vm)
{
	memset(b, 0, sizeof(*b));
	b->vm = vm;
	b->ready_fd = -1;
	resources_init(&b->res);
	chardev_init(&b->out, -1); /* discards until board_setup() opens stdout */
	vm->board = b;
}

int board_setup(struct board *b, struct vm *vm, const struct vm_config *cfg)
{
	int ret;

	board_init(b, vm);
	bus_init(&vm->pio, "port-I/O");
	bus_init(&vm->mmio, "MMIO");

	/*
	 * The guest console's output: stdout, through a buffer that never
	 * blocks, so that a reader who stops reading cannot hold up a stop.
	 */
	if ((ret = chardev_init(&b->out, STDOUT_FILENO)))
		log_warn("cannot make stdout non-blocking: %s", strerror(-ret));
	if ((ret = chardev_io_attach(&b->out_io, &vm->loop, &b->out))) {
		log_error("cannot serve console output: %s", strerror(-ret));
		return ret;
	}

	/* COM1: 8 ports at 0x3f8, interrupt on ISA IRQ 4 (the PC's assignment). */
	if ((ret = resources_claim_gsi(&b->res, KVMINI_COM1_GSI, "COM1")) ||
	    (ret = vm_irq_line_init_level(vm, &b->com1_irq, KVMINI_COM1_GSI)))
		return ret;
	serial_init(&b->com1, &b->out, &b->com1_irq);
	if ((ret = board_place_pio(b, &b->com1.dev, KVMINI_COM1_PORT)))
		return ret;

	testdev_init(&b->testdev, on_guest_exit, on_guest_marker, vm);
	if ((ret = board_place_pio(b, &b->testdev.pio, KVMINI_TESTDEV_PIO_BASE)) ||
	    (ret = board_place_mmio(b, &b->testdev.mmio, KVMINI_TESTDEV_MMIO_BASE)))
		return ret;

	i8042_init(&b->i8042, on_guest_reset, b);
	if ((ret = board_place_pio(b, &b->i8042.data, KVMINI_I8042_DATA_PORT)) ||
	    (ret = board_place_pio(b, &b->i8042.cmd, KVMINI_I8042_CMD_PORT)))
		return ret;

	/* virtio-mmio devices: disks, console, rng, NICs (vmm/board/board_virtio.c). */
	return board_virtio_setup(b, cfg);
}

/*
 * pc-testdev's "flush page": make KVM drop its mapping of the page, so that
 * the guest's next access faults into KVM (eventinj takes that fault while
 * an event is being delivered). Taking the host page away and giving it
 * back, as QEMU does, makes the kernel tell KVM through its MMU notifier.
 * While the page is away, any other thread touching it would fault: only
 * safe when the one vCPU is here, out of KVM_RUN, and no I/O thread device
 * (virtio) reads or writes guest RAM. Otherwise the flush is skipped; the
 * test's checks hold either way, it only exercises less of KVM.
 */
static void on_testdev_flush(void *opaque, uint64_t gpa)
{
	static bool warned;
	struct board *b = opaque;
	void *page = guest_mem_ptr(&b->vm->mem, gpa, 4096);

	if (!page)
		return; /* not RAM: KVM maps nothing there */
	if (b->vm->ncpus != 1 || b->res.nvirtio) {
		log_once(&warned, LOG_INFO,
			 "pc-testdev: page flushes are skipped with more than one vCPU or with "
			 "virtio devices");
		return;
	}
	if (mprotect(page, 4096, PROT_NONE) == 0)
		mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

int board_add_qemu_devices(struct board *b, const struct vm_config *cfg)
{
	int ret;

	debug_exit_init(&b->debug_exit, on_debug_exit, b->vm);
	if ((ret = board_place_pio(b, &b->debug_exit.dev, DEBUG_EXIT_PORT_BASE)))
		return ret;
	/* QEMU's fw_cfg counts the CPUs in 16 bits; the CLI allows far fewer. */
	fw_cfg_init(&b->fw_cfg, cfg->mem_size, (uint16_t)cfg->cpus);
	if ((ret = board_place_pio(b, &b->fw_cfg.dev, FW_CFG_PORT_BASE)))
		return ret;

	/*
	 * pc-testdev's lines are ISA IRQ lines as on QEMU's PC: line n is GSI
	 * n, shared with whatever else drives it (COM1 on 4), so they claim no
	 * GSI from the device manager. KVM_IRQ_LINE sets a level on both the
	 * PIC (below 16) and the IOAPIC pin (api.rst, KVM_IRQ_LINE).
	 */
	for (int gsi = 0; gsi < PC_TESTDEV_IRQ_LINES; gsi++)
		if ((ret = vm_irq_line_init_level(b->vm, &b->pc_testdev_irq[gsi], gsi)))
			return ret;
	pc_testdev_init(&b->pc_testdev, b->pc_testdev_irq, on_testdev_flush, b);
	if ((ret = board_place_pio(b, &b->pc_testdev.ioport, PC_TESTDEV_IOPORT_BASE)) ||
	    (ret = board_place_pio(b, &b->pc_testdev.flush, PC_TESTDEV_FLUSH_BASE)) ||
	    (ret = board_place_pio(b, &b->pc_testdev.ioport_byte, PC_TESTDEV_IOPORT_BYTE_BASE)) ||
	    (ret = board_place_pio(b, &b->pc_testdev.irq, PC_TESTDEV_IRQ_BASE)))
		return ret;
	return 0;
}

/* stdin -> UART: offer only what fits, so nothing is dropped (no overrun). */
static size_t serial_sink(void *opaque, const uint8_t *buf, size_t len)
{
	struct serial *s = opaque;
	size_t room = serial_rx_room(s);
	return serial_receive(s, buf, len < room ? len : room);
}

int board_start_console(struct board *b, const struct vm_config *cfg)
{
	int ret;

	/* stdin belongs to the virtio-console when it is on stdio, else to COM1. */
	if (cfg->console == CONSOLE_STDIO)
		ret = stdin_console_start(&b->input, b->vm, STDIN_FILENO,
					  board_virtio_console_input, b);
	else
		ret = stdin_console_start(&b->input, b->vm, STDIN_FILENO, serial_sink, &b->com1);
	if (ret)
		log_error("cannot read stdin for the guest console: %s", strerror(-ret));
	return ret;
}

void board_set_console_tap(struct board *b, serial_output_fn tap, void *opaque)
{
	serial_set_tap(&b->com1, tap, opaque);
}

struct chardev *board_console_out(struct board *b)
{
	return &b->out;
}

void board_shutdown(struct board *b)
{
	board_virtio_flush(b);
	board_virtio_destroy(b);
	/* Last: what the guest printed goes out, with a bounded wait. */
	chardev_io_detach(&b->out_io);
}
