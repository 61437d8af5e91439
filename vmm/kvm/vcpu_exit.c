// SPDX-License-Identifier: MIT
/*
 * The exit handler: one switch on kvm_run.exit_reason (api.rst, "The
 * kvm_run structure"). Port I/O and MMIO go to the buses; anything the
 * monitor does not understand stops the run loudly.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "kvmini/device.h"
#include "kvmini/log.h"
#include "kvm/dump.h"
#include "kvm/host_quirks.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_exit.h"
#include "kvm/vm.h"

/* api.rst, "The kvm_run structure": the exits a kvmini guest can cause. */
static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT] = "system_event",
};

const char *vcpu_exit_name(uint32_t reason)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

static void trace_data(char *out, size_t outlen, const uint8_t *data, uint32_t len)
{
	snprintf(out, outlen, "%#" PRIx64, device_load_le(data, len));
}

/*
 * KVM_EXIT_IO: the data of all `count` repetitions of a string instruction
 * (rep outsb / rep insb) sits in the kvm_run page at data_offset, size bytes
 * each; every repetition is its own device access.
 */
static enum exit_action handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		bool claimed = out ? bus_write(&vm->pio, run->io.port, data, run->io.size)
				   : bus_read(&vm->pio, run->io.port, data, run->io.size);
		if (vm->trace) {
			char val[24];
			trace_data(val, sizeof(val), data, run->io.size);
			fprintf(stderr, "trace: cpu%u io %s port %#x size %u data %s%s\n", vcpu->id,
				out ? "out" : "in", run->io.port, run->io.size, val,
				claimed ? "" : " (no device)");
		}
	}
	return vm_stopping(vm) ? EXIT_STOP : EXIT_CONTINUE;
}

static enum exit_action handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;
	uint32_t len = run->mmio.len <= 8 ? run->mmio.len : 8;
	bool claimed = run->mmio.is_write
			       ? bus_write(&vm->mmio, run->mmio.phys_addr, run->mmio.data, len)
			       : bus_read(&vm->mmio, run->mmio.phys_addr, run->mmio.data, len);

	if (vm->trace) {
		char val[24];
		trace_data(val, sizeof(val), run->mmio.data, len);
		fprintf(stderr, "trace: cpu%u mmio %s addr %#llx size %u data %s%s\n", vcpu->id,
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, len, val,
			claimed ? "" : " (no device)");
	}
	return vm_stopping(vm) ? EXIT_STOP : EXIT_CONTINUE;
}

/*
 * A fatal exit: say why, dump the vCPU, end the run with a crash status.
 * Only the first vCPU to fail prints its report; vCPUs that crash with it
 * are counted (dump_crash), and listed in one line once all have stopped.
 */
static enum exit_action crash(struct vcpu *vcpu, const char *why)
{
	dump_crash(vcpu, why);
	vm_request_stop(vcpu->vm, KVMINI_STATUS_GUEST_CRASH);
	return EXIT_STOP;
}

/*
 * KVM_EXIT_HLT: only seen without an in-kernel irqchip (with one, KVM keeps
 * a halted vCPU asleep until an interrupt). Then no interrupt can ever
 * reach the vCPU, so it would sleep forever: the guest is hung, whatever
 * RFLAGS.IF says. A tiny guest that ends normally writes its status to the
 * test device first, which stops the run before its final `cli; hlt`
 * (guest/lib/boot.c: guest_exit), so a halt reaching us is a failure.
 */
static enum exit_action handle_hlt(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	if (!vm_stopping(vm))
		log_error("guest hung: vCPU %u halted (hlt) with no interrupt controller, so "
			  "nothing can wake it; a guest ends by writing its status to the test "
			  "device (port %#x)",
			  vcpu->id, KVMINI_TESTDEV_PIO_BASE + KVMINI_TESTDEV_EXIT);
	vm_request_stop(vm, KVMINI_STATUS_GUEST_HUNG);
	return EXIT_STOP;
}

static enum exit_action handle_system_event(struct vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		log_info("guest powered off");
		vm_request_stop(vcpu->vm, board_reset_status(vcpu->vm->board));
		return EXIT_STOP;
	case KVM_SYSTEM_EVENT_RESET:
		log_info("guest reset");
		vm_request_stop(vcpu->vm, board_reset_status(vcpu->vm->board));
		return EXIT_STOP;
	default:
		return crash(vcpu, "unexpected system event");
	}
}

/*
 * KVM_EXIT_SHUTDOWN: a triple fault (Intel SDM vol. 3, 6.15, "Interrupt
 * 8--Double Fault Exception"). Linux's reboot=t path ends this way on
 * purpose, but only a kernel that has booted can mean it: the board decides
 * (board_shutdown_status()).
 */
static enum exit_action handle_shutdown(struct vcpu *vcpu)
{
	struct board *b = vcpu->vm->board;
	int status = board_shutdown_status(b);

	if (status != KVMINI_STATUS_GUEST_CRASH) {
		log_info("guest rebooted (triple fault)");
		vm_request_stop(vcpu->vm, status); /* a reset after a panic (panic=-1) too */
		return EXIT_STOP;
	}
	if (!b->shutdown_is_reboot)
		return crash(vcpu, "guest triple fault (KVM_EXIT_SHUTDOWN)");
	return crash(vcpu, "Linux died before it booted: a triple fault (KVM_EXIT_SHUTDOWN) "
			   "before the kernel's first console line and before /init started, "
			   "so not a reboot (check the kernel image, --mem and the command line)");
}

enum exit_action vcpu_exit_handle(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(vcpu);
	case KVM_EXIT_MMIO:
		return handle_mmio(vcpu);
	case KVM_EXIT_INTR:
		/* A signal (our kick) interrupted KVM_RUN: nothing to do. */
		return vm_stopping(vm) ? EXIT_STOP : EXIT_CONTINUE;
	case KVM_EXIT_HLT:
		return handle_hlt(vcpu);
	case KVM_EXIT_SHUTDOWN:
		return handle_shutdown(vcpu);
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(vcpu);
	case KVM_EXIT_INTERNAL_ERROR:
		if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
		    host_quirks_emulation_failure(vm->quirks, vcpu))
			return EXIT_CONTINUE;
		return crash(vcpu, "KVM internal error");
	case KVM_EXIT_FAIL_ENTRY:
		return crash(vcpu, "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY)");
	default:
		return crash(vcpu, "unknown KVM exit");
	}
}
