/* SPDX-License-Identifier: MIT */
/*
 * The virtual machine: the KVM file descriptors, guest RAM, the two buses,
 * the vCPUs and the I/O thread's event loop, and how the run ends.
 *
 * Setup order (see vmm/main.c): vm_open() -> vm_create_memory() ->
 * vm_create_irqchip() (if the guest needs interrupts) -> board_setup()
 * (devices on buses, their lines wired) -> vcpus_create() -> boot_guest()
 * (vmm/boot/boot.c: the tiny guest or Linux) -> vcpus_start() ->
 * event_loop_run() on the main thread -> vm_destroy().
 *
 * Which devices the VM has, and how a guest reset ends the run, is the
 * board's business: struct board (vmm/board/board.h), reached as vm->board.
 */
#ifndef KVMINI_VM_H
#define KVMINI_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "board/bus.h"
#include "host/event_loop.h"
#include "kvm/vcpu_pause.h"
#include "kvmini/guest_mem.h"
#include "kvmini/irq.h"

struct board;
struct vcpu;
struct vm_config;
struct host_quirks;
struct symbols;

/* Counts per KVM exit reason, for --trace. Index: KVM_EXIT_* value. */
#define VM_EXIT_REASONS 64

/* Boot-phase timestamps, nanoseconds since the monitor's start. */
#define VM_MAX_MARKS 32
struct boot_mark {
	const char *name; /* monitor phase name, or NULL for a guest marker */
	int guest_marker; /* marker id for guest marks, -1 for monitor phases */
	uint64_t ns;
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_mmap_size; /* size of each vCPU's struct kvm_run mapping */

	struct guest_mem mem;
	struct bus pio;
	struct bus mmio;
	struct event_loop loop;

	struct vcpu *vcpus;
	unsigned int ncpus;
	struct vcpu_pause pause; /* vcpus_pause(): every vCPU parked outside KVM_RUN */

	/* What this KVM offers (checked once in vm_open). */
	bool has_irqchip;   /* KVM_CREATE_IRQCHIP done */
	bool has_irqfd;	    /* KVM_CAP_IRQFD */
	bool has_ioeventfd; /* KVM_CAP_IOEVENTFD */
	/* Lines wired with no irqchip (they stay dead); vm_create_irqchip() refuses after one. */
	unsigned int unwired_lines;

	struct board *board; /* the devices (board_setup() sets it); not owned */
	const struct vm_config *cfg; /* what the VM was built from, for snapshots; not owned */

	const struct host_quirks *quirks; /* host_quirks.c: detected once */
	const struct symbols *symbols;	  /* --symbols System.map, or NULL */

	bool trace; /* --trace: print every exit */

	/* How the run ends: the first vm_request_stop() wins. */
	int stop_requested;
	int exit_status;

	/* Statistics and timestamps (updated by vCPU threads with atomics). */
	uint64_t exit_counts[VM_EXIT_REASONS];
	uint64_t ns_in_kvm_run; /* vCPU 0's time inside KVM_RUN: the rest is the monitor's */
	uint64_t start_ns;	/* CLOCK_MONOTONIC at monitor start */
	struct boot_mark marks[VM_MAX_MARKS];
	unsigned int nmarks;
};

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t vm_now_ns(void);

/*
 * Open /dev/kvm, check the API version and the capabilities kvmini needs,
 * create the VM. Errors are logged with their cause. 0 or -errno.
 */
int vm_open(struct vm *vm);

/*
 * Map size bytes of guest RAM and register them with KVM. shared: RAM is a
 * memfd (guest_mem_map_shared) that vhost-user backends can map, which
 * --share needs. 0 or -errno.
 */
int vm_create_memory(struct vm *vm, uint64_t size, bool shared);

/*
 * The same, with RAM mapped copy-on-write from the file fd (a snapshot's
 * memory.bin, guest_mem_map_file()). 0 or -errno.
 */
int vm_create_memory_file(struct vm *vm, uint64_t size, int fd);

/*
 * In-kernel PICs, IOAPIC and local APICs; with_pit adds the 8254 timer.
 * Without an irqchip a guest has no interrupts and a HLT exits to us,
 * which is all the tiny guest needs unless it has virtio devices. Both
 * cost time at VM creation and teardown (measured in docs/benchmarks.md),
 * so main.c asks only for what the guest uses. Must come before any
 * vm_irq_line_init*(): a line wired without an irqchip stays unwired, so
 * this refuses with -EBUSY (logged) once one was. 0 or -errno.
 */
int vm_create_irqchip(struct vm *vm, bool with_pit);

/*
 * Wire an edge-triggered line (irq_pulse(), e.g. virtio) to GSI gsi: through
 * an irqfd when KVM has them (no ioctl per interrupt), else through
 * KVM_IRQ_LINE. Without an irqchip the line is left unwired (raising it does
 * nothing). 0 or -errno.
 */
int vm_irq_line_init(struct vm *vm, struct irq_line *line, int gsi);

/*
 * Wire a level-driven line (the UART's) to GSI gsi through KVM_IRQ_LINE:
 * irq_set_level() works, whether or not KVM has irqfds (an irqfd can only
 * pulse). Without an irqchip the line is left unwired. 0 or -errno.
 */
int vm_irq_line_init_level(struct vm *vm, struct irq_line *line, int gsi);

/*
 * Ask KVM to signal the returned eventfd, instead of exiting to user space,
 * when the guest writes to [addr, addr+len) (pio: port I/O, else MMIO),
 * optionally only when the value written equals datamatch.
 * Returns the eventfd (>= 0) or -errno; -ENOTSUP if KVM has no ioeventfd.
 */
int vm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, bool pio, bool match,
		 uint64_t datamatch);

/*
 * End the run with this exit status (first caller wins; later calls are
 * ignored). Thread-safe. Stops the event loop; vcpus_stop() kicks vCPUs.
 */
void vm_request_stop(struct vm *vm, int status);

/* True once a stop was requested. */
bool vm_stopping(const struct vm *vm);

/* Record a boot-phase timestamp (thread-safe). name NULL: guest marker. */
void vm_mark(struct vm *vm, const char *name, int guest_marker);

/* Close everything vm_open/vm_create_* made. */
void vm_destroy(struct vm *vm);

#endif /* KVMINI_VM_H */
