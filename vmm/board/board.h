/* SPDX-License-Identifier: MIT */
/*
 * The board: which devices a kvmini VM has and where (vmm/board/board.c).
 *   port 0x3f8-0x3ff  8250 UART (COM1), GSI 4          devices/pc/serial.c
 *   port 0x60, 0x64   i8042 (only for the reset line)   devices/pc/i8042.c
 *   port 0x500-0x50f  test device; MMIO 0xd1000000     devices/pc/testdev.c
 *   port 0xf4-0xf7    isa-debug-exit (multiboot only)   devices/pc/debug_exit.c
 *   port 0x510-0x511  fw_cfg (multiboot only)           devices/pc/fw_cfg.c
 *   port 0xe0-0xeb, 0x2000-0x2017  pc-testdev (multiboot only)  devices/pc/pc_testdev.c
 *   MMIO 0xd0000000+  virtio-mmio devices, GSI 5+      vmm/board/board_virtio.c
 * and in the kernel: PIC, IOAPIC, LAPICs, PIT (vm_create_irqchip(), which
 * main.c calls before board_setup(): a line wired before the irqchip exists
 * would stay dead). Who holds which address and GSI: board/resources.h.
 */
#ifndef KVMINI_BOARD_H
#define KVMINI_BOARD_H

#include <stdbool.h>

#include "abi/kvmini_abi.h"
#include "board/resources.h"
#include "boot/linux_events.h"
#include "host/chardev_io.h"
#include "host/stdin_console.h"
#include "kvmini/chardev.h"
#include "kvmini/debug_exit.h"
#include "kvmini/fw_cfg.h"
#include "kvmini/i8042.h"
#include "kvmini/pc_testdev.h"
#include "kvmini/serial.h" /* struct device, uint64_t */
#include "kvmini/testdev.h"

struct bus;
struct vm;
struct vm_config;
struct virtio_board;
struct board_labs;

/* Everything the board owns; struct vm points at it (vm->board). */
struct board {
	struct vm *vm;
	struct resources res; /* who holds which address range and GSI */

	struct chardev out;	  /* stdout: COM1's output, and a virtio-console's on stdio */
	struct chardev_io out_io; /* flushed from the I/O thread */
	struct serial com1;
	struct irq_line com1_irq;
	struct testdev testdev;
	struct i8042 i8042;
	struct debug_exit debug_exit;			      /* board_add_qemu_devices() only */
	struct fw_cfg fw_cfg;				      /* board_add_qemu_devices() only */
	struct pc_testdev pc_testdev;			      /* board_add_qemu_devices() only */
	struct irq_line pc_testdev_irq[PC_TESTDEV_IRQ_LINES]; /* GSIs 0-23, shared */
	struct virtio_board *virtio; /* board_virtio.c's devices, or NULL */
	struct board_labs *labs;     /* kvmini-lab's devices (board_labs.c), or NULL */

	struct stdin_console input; /* stdin -> the guest console */
	/* An eventfd written when the guest writes KVMINI_MARKER_READY (--snapshot-on), or -1. */
	int ready_fd;

	/* Linux guests (boot/boot_linux.c): COM1's output, watched for panic and halt. */
	struct linux_events linux_watch;

	/*
	 * How a guest reset ends the run. Written before the vCPUs start
	 * (shutdown_is_reboot) or on the I/O and vCPU threads (guest_panicked,
	 * init_started, with atomics); read on vCPU threads.
	 */
	bool guest_panicked;	 /* Linux: "Kernel panic" seen on the console */
	bool shutdown_is_reboot; /* Linux: once booted, a triple fault is reboot=t */
	bool init_started;	 /* Linux: /init wrote KVMINI_MARKER_LINUX_INIT */
};

/*
 * An empty board for vm: no devices, nothing claimed but the irqchip's
 * pages, vm->board = b. board_setup() starts with this; unit tests that
 * place only some devices call it directly.
 */
void board_init(struct board *b, struct vm *vm);

/*
 * board_init(), then create every device cfg asks for and register it on
 * vm's buses. Needs guest memory, the event loop, and the irqchip if there
 * is to be one (vm_create_irqchip() first). 0 or -errno (logged).
 */
int board_setup(struct board *b, struct vm *vm, const struct vm_config *cfg);

/*
 * The two devices of QEMU's PC that kvm-unit-tests' x86 tests expect, for a
 * multiboot kernel (main.c adds them after board_setup() for those only:
 * no other guest knows them, and a guest that knows no device cannot
 * misuse it): isa-debug-exit at port 0xf4, whose write ends the run with
 * status (value << 1) | 1, fw_cfg at 0x510 telling cfg->cpus and
 * cfg->mem_size, and pc-testdev (its scratch port, page flush and the 24
 * interrupt lines). Needs the irqchip. 0 or -errno (logged, e.g. a port
 * already taken).
 */
int board_add_qemu_devices(struct board *b, const struct vm_config *cfg);

/*
 * Claim [port, port + dev->size) of port space (or [addr, ...) of MMIO) for
 * dev in b->res, then put dev there on the VM's bus. Every fixed device the
 * monitor places goes through here; errors name the device and the range.
 * 0 or -errno.
 */
int board_place_pio(struct board *b, struct device *dev, uint64_t port);
int board_place_mmio(struct board *b, struct device *dev, uint64_t addr);

/*
 * Put dev at base on bus (bus_register()), logging which device did not fit
 * where if that fails. For a place already claimed in b->res (a virtio
 * slot). 0 or -errno.
 */
int board_register(struct bus *bus, struct device *dev, uint64_t base);

/* Start reading stdin for the guest console (after the vCPUs exist). 0 or -errno. */
int board_start_console(struct board *b, const struct vm_config *cfg);

/*
 * Also hand every byte the guest sends to the serial console to tap(opaque,
 * byte), e.g. to watch a Linux guest for a panic (see serial_set_tap()).
 * Call after board_setup(), before the vCPUs start.
 */
void board_set_console_tap(struct board *b, serial_output_fn tap, void *opaque);

/*
 * A guest marker reached the board (testdev MARKER). KVMINI_MARKER_LINUX_INIT
 * says Linux has booted: see board_linux_booted(). Thread-safe.
 */
static inline void board_note_marker(struct board *b, unsigned int id)
{
	if (id == KVMINI_MARKER_LINUX_INIT)
		__atomic_store_n(&b->init_started, true, __ATOMIC_SEQ_CST);
}

/*
 * Has a Linux guest reached the point past which a reset (a triple fault,
 * or the i8042's reset line) is a reboot? That is its first console line from the kernel proper
 * (the console watch, boot/linux_events.h) or /init's marker, whichever comes first: the marker
 * covers a kernel whose console is not COM1 (console=hvc0), the console line one whose /init writes
 * no marker. Thread-safe.
 */
static inline bool board_linux_booted(const struct board *b)
{
	return linux_events_kernel_running(&b->linux_watch) ||
	       __atomic_load_n(&b->init_started, __ATOMIC_SEQ_CST);
}

/*
 * The exit status for a guest reset, halt or power-off: KVMINI_STATUS_PANIC
 * once the guest kernel reported a panic; KVMINI_STATUS_GUEST_CRASH for a
 * Linux guest that has not booted (board_linux_booted()): a kernel that
 * resets before that has died, not rebooted; else KVMINI_STATUS_OK.
 * Thread-safe.
 */
static inline int board_reset_status(const struct board *b)
{
	if (__atomic_load_n(&b->guest_panicked, __ATOMIC_SEQ_CST))
		return KVMINI_STATUS_PANIC;
	if (b->shutdown_is_reboot && !board_linux_booted(b))
		return KVMINI_STATUS_GUEST_CRASH;
	return KVMINI_STATUS_OK;
}

/*
 * The exit status for a triple fault (KVM_EXIT_SHUTDOWN). Only a Linux
 * guest (shutdown_is_reboot) that has booted reboots that way (reboot=t,
 * or panic=-1 after a panic): board_reset_status(). Anything else is a
 * crash, KVMINI_STATUS_GUEST_CRASH, and in particular a kernel that dies
 * before its console is up: that is no reboot, and would otherwise end the
 * run with 0 and no message. Thread-safe.
 */
static inline int board_shutdown_status(const struct board *b)
{
	return b->shutdown_is_reboot ? board_reset_status(b) : KVMINI_STATUS_GUEST_CRASH;
}

/*
 * The guest console's output on stdout (include/kvmini/chardev.h), shared by
 * COM1 and a virtio-console on stdio: &b->out. Before board_setup() (a board
 * that only board_init() made) it discards.
 */
struct chardev *board_console_out(struct board *b);

/*
 * Called on every way out of a run: flush disks so nothing acknowledged is
 * lost, and the console's output with a bounded wait.
 */
void board_shutdown(struct board *b);

#endif /* KVMINI_BOARD_H */
