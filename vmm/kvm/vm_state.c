// SPDX-License-Identifier: MIT
/* The VM's in-kernel devices and clock, in and out of KVM and as a blob (vm_state.h). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kvmini/log.h"
#include "host/snapshot_files.h"
#include "kvm/vm.h"
#include "kvm/vm_state.h"

static int vm_ioctl(struct vm *vm, unsigned long req, void *arg, const char *name)
{
	if (ioctl(vm->vm_fd, req, arg) < 0) {
		int err = errno;
		log_error("%s failed: %s", name, strerror(err));
		return -err;
	}
	return 0;
}
#define VM_IOCTL(vm, req, arg) vm_ioctl(vm, req, arg, #req)

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int vm_state_get(struct vm *vm, bool with_pit, struct vm_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->has_irqchip = vm->has_irqchip;
	st->has_pit = vm->has_irqchip && with_pit;
	for (int i = 0; st->has_irqchip && i < VM_STATE_CHIPS; i++) {
		st->chips[i].chip_id = (uint32_t)i;
		if ((ret = VM_IOCTL(vm, KVM_GET_IRQCHIP, &st->chips[i])))
			return ret;
	}
	if (st->has_pit && (ret = VM_IOCTL(vm, KVM_GET_PIT2, &st->pit)))
		return ret;
	if ((ret = VM_IOCTL(vm, KVM_GET_CLOCK, &st->clock)))
		return ret;
	st->realtime_ns = realtime_ns();
	return 0;
}

int vm_state_set_chips(struct vm *vm, const struct vm_state *st)
{
	struct kvm_irqchip chip;
	struct kvm_pit_state2 pit = st->pit;
	int ret;

	if (st->has_irqchip != vm->has_irqchip) {
		log_error("the snapshot %s an irqchip, this VM %s",
			  st->has_irqchip ? "has" : "lacks",
			  vm->has_irqchip ? "has one" : "does not");
		return -EINVAL;
	}
	for (int i = 0; st->has_irqchip && i < VM_STATE_CHIPS; i++) {
		chip = st->chips[i];
		if ((ret = VM_IOCTL(vm, KVM_SET_IRQCHIP, &chip)))
			return ret;
	}
	if (st->has_pit && (ret = VM_IOCTL(vm, KVM_SET_PIT2, &pit)))
		return ret;
	return 0;
}

int vm_state_set_clock(struct vm *vm, const struct vm_state *st)
{
	struct kvm_clock_data clock = {.clock = st->clock.clock};
	uint64_t now = realtime_ns();

	/* Step forward only: a host clock set back must not run guest time backwards. */
	if (now > st->realtime_ns)
		clock.clock += now - st->realtime_ns;
	return VM_IOCTL(vm, KVM_SET_CLOCK, &clock);
}

int vm_state_save(const struct vm_state *st, struct state_writer *w)
{
	state_begin(w, SNAPSHOT_KIND_VM, 1);
	state_put_bool(w, st->has_irqchip);
	state_put_bool(w, st->has_pit);
	state_put_u32(w, sizeof(st->chips[0]));
	for (int i = 0; st->has_irqchip && i < VM_STATE_CHIPS; i++)
		state_put_bytes(w, &st->chips[i], sizeof(st->chips[i]));
	state_put_u32(w, sizeof(st->pit));
	if (st->has_pit)
		state_put_bytes(w, &st->pit, sizeof(st->pit));
	state_put_u64(w, st->clock.clock);
	state_put_u64(w, st->realtime_ns);
	return state_end(w);
}

int vm_state_load(struct vm_state *st, struct state_reader *r)
{
	uint32_t version, chip_size, pit_size;
	int ret;

	memset(st, 0, sizeof(*st));
	if ((ret = state_open(r, "VM state", SNAPSHOT_KIND_VM, 1, &version)))
		return ret;
	st->has_irqchip = state_get_bool(r);
	st->has_pit = state_get_bool(r);
	chip_size = state_get_u32(r);
	if (!r->err && chip_size != sizeof(st->chips[0]))
		return state_invalid(r, "kvm_irqchip is %u bytes, this kvmini's is %zu", chip_size,
				     sizeof(st->chips[0]));
	for (int i = 0; st->has_irqchip && i < VM_STATE_CHIPS; i++)
		state_get_bytes(r, &st->chips[i], sizeof(st->chips[i]));
	pit_size = state_get_u32(r);
	if (!r->err && pit_size != sizeof(st->pit))
		return state_invalid(r, "kvm_pit_state2 is %u bytes, this kvmini's is %zu",
				     pit_size, sizeof(st->pit));
	if (st->has_pit)
		state_get_bytes(r, &st->pit, sizeof(st->pit));
	st->clock.clock = state_get_u64(r);
	st->realtime_ns = state_get_u64(r);
	if ((ret = state_close(r)))
		return ret;
	for (int i = 0; st->has_irqchip && i < VM_STATE_CHIPS; i++)
		if (st->chips[i].chip_id != (uint32_t)i)
			return state_invalid(r, "irqchip %d has id %u", i, st->chips[i].chip_id);
	if (st->has_pit && !st->has_irqchip)
		return state_invalid(r, "a PIT without an irqchip");
	return 0;
}
