// SPDX-License-Identifier: MIT
/*
 * A vCPU's state in and out of KVM, and as a snapshot blob (vcpu_state.h).
 * The KVM structures go into the blob as their raw bytes, each preceded by
 * its size: they are the kernel's stable x86-64 ABI (api.rst), and a size
 * that differs means another ABI, refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmini/log.h"
#include "host/snapshot_files.h"
#include "kvm/vcpu.h"
#include "kvm/vcpu_state.h"
#include "kvm/vm.h"

#define FLAG_XSAVE (1u << 0)
#define FLAG_XCRS  (1u << 1)
#define FLAG_LAPIC (1u << 2)

static int vcpu_ioctl(struct vcpu *vcpu, unsigned long req, void *arg, const char *name)
{
	if (ioctl(vcpu->fd, req, arg) < 0) {
		int err = errno;
		log_error("vCPU %u: %s failed: %s", vcpu->id, name, strerror(err));
		return -err;
	}
	return 0;
}
#define VCPU_IOCTL(vcpu, req, arg) vcpu_ioctl(vcpu, req, arg, #req)

/*
 * Every MSR KVM says a VMM should save (api.rst, KVM_GET_MSR_INDEX_LIST),
 * read in one KVM_GET_MSRS. That call stops at the first MSR it cannot
 * read and returns how many it read: that one is dropped and the rest
 * asked again.
 */
static int get_msrs(struct vcpu *vcpu, struct vcpu_state *st)
{
	struct kvm_msr_list probe = {.nmsrs = 0};
	int ret = 0;

	if (ioctl(vcpu->vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
		return -errno;
	uint32_t n = probe.nmsrs < VCPU_STATE_MAX_MSRS ? probe.nmsrs : VCPU_STATE_MAX_MSRS;
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + n * sizeof(struct kvm_msr_entry));
	if (!list || !msrs) {
		ret = -ENOMEM;
		goto out;
	}
	list->nmsrs = probe.nmsrs;
	if ((ret = ioctl(vcpu->vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list)) < 0) {
		ret = -errno;
		log_error("KVM_GET_MSR_INDEX_LIST failed: %s", strerror(errno));
		goto out;
	}
	for (uint32_t next = 0; next < n;) {
		msrs->nmsrs = n - next;
		for (uint32_t i = 0; i < msrs->nmsrs; i++)
			msrs->entries[i] = (struct kvm_msr_entry){.index = list->indices[next + i]};
		int got = ioctl(vcpu->fd, KVM_GET_MSRS, msrs);
		if (got < 0) {
			ret = -errno;
			log_error("vCPU %u: KVM_GET_MSRS failed: %s", vcpu->id, strerror(errno));
			goto out;
		}
		memcpy(st->msrs + st->nmsrs, msrs->entries, (size_t)got * sizeof(msrs->entries[0]));
		st->nmsrs += (uint32_t)got;
		next += (uint32_t)got;
		if (next < n) {
			log_debug("vCPU %u: MSR %#x cannot be read; not saved", vcpu->id,
				  list->indices[next]);
			next++;
		}
	}
	ret = 0;
out:
	free(list);
	free(msrs);
	return ret;
}

/*
 * KVM_GET_XSAVE/KVM_SET_XSAVE go through a struct kvm_xsave; the state
 * keeps its 4 KiB region (the flexible tail after it is for AMX, which a
 * kvmini guest is never given).
 */
static int get_xsave(struct vcpu *vcpu, uint32_t region[1024])
{
	struct kvm_xsave *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	_Static_assert(sizeof(x->region) == 4096, "kvm_xsave's region is 4 KiB");
	int ret = VCPU_IOCTL(vcpu, KVM_GET_XSAVE, x);
	memcpy(region, x->region, sizeof(x->region));
	free(x);
	return ret;
}

static int set_xsave(struct vcpu *vcpu, const uint32_t region[1024])
{
	struct kvm_xsave *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	memcpy(x->region, region, sizeof(x->region));
	int ret = VCPU_IOCTL(vcpu, KVM_SET_XSAVE, x);
	free(x);
	return ret;
}

int vcpu_state_get(struct vcpu *vcpu, struct vcpu_state *st)
{
	int kvm = vcpu->vm->kvm_fd, ret;

	memset(st, 0, sizeof(*st));
	st->id = vcpu->id;
	st->has_xsave = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
	st->has_xcrs = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
	st->has_lapic = vcpu->vm->has_irqchip;
	if ((ret = VCPU_IOCTL(vcpu, KVM_GET_REGS, &st->regs)) ||
	    (ret = VCPU_IOCTL(vcpu, KVM_GET_SREGS, &st->sregs)) ||
	    (st->has_xsave && (ret = get_xsave(vcpu, st->xsave))) ||
	    (!st->has_xsave && (ret = VCPU_IOCTL(vcpu, KVM_GET_FPU, &st->fpu))) ||
	    (st->has_xcrs && (ret = VCPU_IOCTL(vcpu, KVM_GET_XCRS, &st->xcrs))) ||
	    (st->has_lapic && (ret = VCPU_IOCTL(vcpu, KVM_GET_LAPIC, &st->lapic))) ||
	    (ret = get_msrs(vcpu, st)) ||
	    (ret = VCPU_IOCTL(vcpu, KVM_GET_MP_STATE, &st->mp_state)) ||
	    (ret = VCPU_IOCTL(vcpu, KVM_GET_VCPU_EVENTS, &st->events)) ||
	    (ret = VCPU_IOCTL(vcpu, KVM_GET_DEBUGREGS, &st->debugregs)))
		return ret;
	return 0;
}

static int set_msrs(struct vcpu *vcpu, const struct vcpu_state *st)
{
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + st->nmsrs * sizeof(msrs->entries[0]));
	if (!msrs)
		return -ENOMEM;
	msrs->nmsrs = st->nmsrs;
	memcpy(msrs->entries, st->msrs, st->nmsrs * sizeof(msrs->entries[0]));
	/* KVM_SET_MSRS returns how many it set; it stops at the first it refuses. */
	int got = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	int ret = 0;
	if (got < 0) {
		ret = -errno;
		log_error("vCPU %u: KVM_SET_MSRS failed: %s", vcpu->id, strerror(errno));
	} else if ((uint32_t)got < st->nmsrs) {
		log_error("vCPU %u: KVM_SET_MSRS refused MSR %#x (this host cannot restore it)",
			  vcpu->id, st->msrs[got].index);
		ret = -EINVAL;
	}
	free(msrs);
	return ret;
}

int vcpu_state_set(struct vcpu *vcpu, const struct vcpu_state *st)
{
	struct kvm_vcpu_events events = st->events;
	struct kvm_mp_state mp = st->mp_state;
	struct kvm_regs regs = st->regs;
	struct kvm_sregs sregs = st->sregs;
	struct kvm_fpu fpu = st->fpu;
	struct kvm_xcrs xcrs = st->xcrs;
	struct kvm_lapic_state lapic = st->lapic;
	struct kvm_debugregs dbg = st->debugregs;
	int ret;

	/* The pending NMI and SIPI vector are state too (api.rst, KVM_SET_VCPU_EVENTS). */
	events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	if (st->has_lapic && !vcpu->vm->has_irqchip) {
		log_error("vCPU %u: the snapshot has a local APIC but this VM has no irqchip",
			  vcpu->id);
		return -EINVAL;
	}
	if ((ret = VCPU_IOCTL(vcpu, KVM_SET_SREGS, &sregs)) ||
	    (ret = VCPU_IOCTL(vcpu, KVM_SET_REGS, &regs)) ||
	    (st->has_xsave && (ret = set_xsave(vcpu, st->xsave))) ||
	    (!st->has_xsave && (ret = VCPU_IOCTL(vcpu, KVM_SET_FPU, &fpu))) ||
	    (st->has_xcrs && (ret = VCPU_IOCTL(vcpu, KVM_SET_XCRS, &xcrs))) ||
	    (st->has_lapic && (ret = VCPU_IOCTL(vcpu, KVM_SET_LAPIC, &lapic))) ||
	    (ret = set_msrs(vcpu, st)) || (ret = VCPU_IOCTL(vcpu, KVM_SET_MP_STATE, &mp)) ||
	    (ret = VCPU_IOCTL(vcpu, KVM_SET_VCPU_EVENTS, &events)) ||
	    (ret = VCPU_IOCTL(vcpu, KVM_SET_DEBUGREGS, &dbg)))
		return ret;
	return 0;
}

static void put_struct(struct state_writer *w, const void *p, size_t size)
{
	state_put_u32(w, (uint32_t)size);
	state_put_bytes(w, p, size);
}

int vcpu_state_save(const struct vcpu_state *st, struct state_writer *w)
{
	uint32_t flags = (st->has_xsave ? FLAG_XSAVE : 0) | (st->has_xcrs ? FLAG_XCRS : 0) |
			 (st->has_lapic ? FLAG_LAPIC : 0);

	state_begin(w, SNAPSHOT_KIND_VCPU, 1);
	state_put_u32(w, st->id);
	state_put_u32(w, flags);
	put_struct(w, &st->regs, sizeof(st->regs));
	put_struct(w, &st->sregs, sizeof(st->sregs));
	if (st->has_xsave)
		put_struct(w, st->xsave, sizeof(st->xsave));
	else
		put_struct(w, &st->fpu, sizeof(st->fpu));
	put_struct(w, &st->xcrs, sizeof(st->xcrs));
	put_struct(w, &st->events, sizeof(st->events));
	put_struct(w, &st->debugregs, sizeof(st->debugregs));
	put_struct(w, &st->mp_state, sizeof(st->mp_state));
	put_struct(w, &st->lapic, sizeof(st->lapic));
	state_put_u32(w, st->nmsrs);
	state_put_bytes(w, st->msrs, st->nmsrs * sizeof(st->msrs[0]));
	return state_end(w);
}

/* A size-prefixed structure of exactly size bytes; -EINVAL (sticky) otherwise. */
static void get_struct(struct state_reader *r, void *p, size_t size, const char *what)
{
	uint32_t got = state_get_u32(r);
	if (r->err)
		return;
	if (got != size) {
		state_invalid(r, "%s is %u bytes, this kvmini's is %zu", what, got, size);
		return;
	}
	state_get_bytes(r, p, size);
}

int vcpu_state_load(struct vcpu_state *st, struct state_reader *r)
{
	uint32_t version, flags;
	int ret;

	memset(st, 0, sizeof(*st));
	if ((ret = state_open(r, "vCPU state", SNAPSHOT_KIND_VCPU, 1, &version)))
		return ret;
	st->id = state_get_u32(r);
	flags = state_get_u32(r);
	if (!r->err && (flags & ~(FLAG_XSAVE | FLAG_XCRS | FLAG_LAPIC)))
		return state_invalid(r, "unknown flags %#x", flags);
	st->has_xsave = flags & FLAG_XSAVE;
	st->has_xcrs = flags & FLAG_XCRS;
	st->has_lapic = flags & FLAG_LAPIC;
	get_struct(r, &st->regs, sizeof(st->regs), "kvm_regs");
	get_struct(r, &st->sregs, sizeof(st->sregs), "kvm_sregs");
	if (st->has_xsave)
		get_struct(r, st->xsave, sizeof(st->xsave), "kvm_xsave");
	else
		get_struct(r, &st->fpu, sizeof(st->fpu), "kvm_fpu");
	get_struct(r, &st->xcrs, sizeof(st->xcrs), "kvm_xcrs");
	get_struct(r, &st->events, sizeof(st->events), "kvm_vcpu_events");
	get_struct(r, &st->debugregs, sizeof(st->debugregs), "kvm_debugregs");
	get_struct(r, &st->mp_state, sizeof(st->mp_state), "kvm_mp_state");
	get_struct(r, &st->lapic, sizeof(st->lapic), "kvm_lapic_state");
	st->nmsrs = state_get_u32(r);
	if (!r->err && st->nmsrs > VCPU_STATE_MAX_MSRS)
		return state_invalid(r, "%u MSRs, at most %d", st->nmsrs, VCPU_STATE_MAX_MSRS);
	if (!r->err)
		state_get_bytes(r, st->msrs, st->nmsrs * sizeof(st->msrs[0]));
	if ((ret = state_close(r)))
		return ret;
	if (st->has_xcrs && st->xcrs.nr_xcrs > KVM_MAX_XCRS)
		return state_invalid(r, "%u XCRs, at most %d", st->xcrs.nr_xcrs, KVM_MAX_XCRS);
	return 0;
}
