/* SPDX-License-Identifier: MIT */
/*
 * The board: which devices a kvmini VM has and where (vmm/board/board.c).
 *   port 0x3f8-0x3ff  8250 UART (COM1), GSI 4          devices/pc/serial.c
 *   port 0x60, 0x64   i8042 (only for the reset line)   devices/pc/i8042.c
 *   port 0x500-0x50f  test device; MMIO 0xd1000000     devices/pc/testdev.c
 *   MMIO 0xd0000000+  virtio-mmio devices, GSI 5+      vmm/board/board_virtio.c
 * and in the kernel: PIC, IOAPIC, LAPICs, PIT (vm_create_irqchip).
 */
#ifndef KVMINI_BOARD_H
#define KVMINI_BOARD_H

#include "kvmini/serial.h" /* struct device, uint64_t */

struct bus;
struct chardev;
struct vm;
struct vm_config;

/*
 * Create every device cfg asks for and register it on vm's buses; route the
 * host's stdin to the guest console. Needs the irqchip. 0 or -errno (logged).
 */
int board_setup(struct vm *vm, const struct vm_config *cfg);

/*
 * Put dev at base on bus (bus_register()), logging which device did not fit
 * where if that fails. Every device the monitor places goes through here.
 * 0 or -errno.
 */
int board_register(struct bus *bus, struct device *dev, uint64_t base);

/* Start reading stdin for the guest console (after the vCPUs exist). 0 or -errno. */
int board_start_console(struct vm *vm, const struct vm_config *cfg);

/*
 * Also hand every byte the guest sends to the serial console to tap(opaque,
 * byte), e.g. to watch a Linux guest for a panic (see serial_set_tap()).
 * Call after board_setup(), before the vCPUs start.
 */
void board_set_console_tap(serial_output_fn tap, void *opaque);

/*
 * The guest console's output on stdout (include/kvmini/chardev.h), shared by
 * COM1 and a virtio-console on stdio. Valid after board_setup().
 */
struct chardev *board_console_out(void);

/*
 * Called on every way out of a run: flush disks so nothing acknowledged is
 * lost, and the console's output with a bounded wait.
 */
void board_shutdown(struct vm *vm);

#endif /* KVMINI_BOARD_H */
