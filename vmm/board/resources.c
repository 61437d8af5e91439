// SPDX-License-Identifier: MIT
/*
 * The board's device manager (see board/resources.h): tables of what is
 * claimed, searched linearly (a board has a dozen entries), and the virtio
 * window carved into slots in the order devices ask for them.
 */
#include <errno.h>
#include <string.h>

#include "board/resources.h"
#include "kvmini/log.h"
#include "kvmini/range.h"

/* Local APIC registers: one 4 KiB page (Intel SDM vol. 3A, 11.4.1 "The Local APIC Block Diagram").
 */
#define LAPIC_SIZE 0x1000ULL
/* The IOAPIC's registers fit in the page at its base (82093AA datasheet, 3.0). */
#define IOAPIC_SIZE 0x1000ULL

void resources_init(struct resources *r)
{
	memset(r, 0, sizeof(*r));
	/* In the kernel (vm_create_irqchip), but in the guest's MMIO hole all the same. */
	resources_claim_mmio(r, KVMINI_IOAPIC_BASE, IOAPIC_SIZE, "IOAPIC (in KVM)");
	resources_claim_mmio(r, KVMINI_LAPIC_BASE, LAPIC_SIZE, "local APIC (in KVM)");
}

/* The claim that [base, base + size) overlaps, or NULL. */
static const struct resource_range *find_overlap(const struct resource_range *table, unsigned int n,
						 uint64_t base, uint64_t size)
{
	for (unsigned int i = 0; i < n; i++)
		if (range_overlap(base, size, table[i].base, table[i].size))
			return &table[i];
	return NULL;
}

static int claim(struct resource_range *table, unsigned int *n, const char *space, uint64_t base,
		 uint64_t size, const char *owner)
{
	if (!range_valid(base, size)) {
		log_error("%s: %s range %#llx+%#llx is empty or runs past the address space", owner,
			  space, (unsigned long long)base, (unsigned long long)size);
		return -EINVAL;
	}
	const struct resource_range *other = find_overlap(table, *n, base, size);
	if (other) {
		log_error("%s: %s range %#llx-%#llx overlaps %s at %#llx-%#llx", owner, space,
			  (unsigned long long)base, (unsigned long long)(base + (size - 1)),
			  other->owner, (unsigned long long)other->base,
			  (unsigned long long)(other->base + (other->size - 1)));
		return -EEXIST;
	}
	if (*n == RESOURCES_MAX_RANGES) {
		log_error("%s: no room for another %s range (at most %d)", owner, space,
			  RESOURCES_MAX_RANGES);
		return -ENOSPC;
	}
	table[(*n)++] = (struct resource_range){.base = base, .size = size, .owner = owner};
	return 0;
}

int resources_claim_mmio(struct resources *r, uint64_t base, uint64_t size, const char *owner)
{
	return claim(r->mmio, &r->nmmio, "MMIO", base, size, owner);
}

int resources_claim_pio(struct resources *r, uint64_t base, uint64_t size, const char *owner)
{
	return claim(r->pio, &r->npio, "port", base, size, owner);
}

/* Who holds gsi, or NULL if it is free. gsi must be in range. */
static const char *gsi_holder(const struct resources *r, int gsi)
{
	return r->gsi_owner[gsi];
}

int resources_claim_gsi(struct resources *r, int gsi, const char *owner)
{
	if (gsi < 0 || gsi >= RESOURCES_MAX_GSI) {
		log_error("%s: GSI %d does not exist (the IOAPIC has %d pins)", owner, gsi,
			  RESOURCES_MAX_GSI);
		return -EINVAL;
	}
	if (gsi_holder(r, gsi)) {
		log_error("%s: GSI %d is already %s's", owner, gsi, gsi_holder(r, gsi));
		return -EEXIST;
	}
	r->gsi_owner[gsi] = owner;
	return 0;
}

int resources_alloc_virtio(struct resources *r, uint64_t size, const char *owner,
			   struct virtio_slot *slot)
{
	unsigned int n = r->nvirtio;

	if (n == KVMINI_VIRTIO_MMIO_MAX) {
		log_error("%s: too many virtio devices (at most %d)", owner,
			  KVMINI_VIRTIO_MMIO_MAX);
		return -ENOSPC;
	}
	if (size == 0 || size > KVMINI_VIRTIO_MMIO_STRIDE) {
		log_error("%s: %#llx bytes of registers do not fit a virtio-mmio slot", owner,
			  (unsigned long long)size);
		return -EINVAL;
	}
	uint64_t base = KVMINI_VIRTIO_MMIO_BASE + n * KVMINI_VIRTIO_MMIO_STRIDE;
	int gsi = KVMINI_VIRTIO_MMIO_FIRST_GSI + (int)n;

	/* Check the GSI first, so that a refusal leaves nothing claimed. */
	if (gsi >= RESOURCES_MAX_GSI || gsi_holder(r, gsi))
		return resources_claim_gsi(r, gsi, owner); /* logs why */
	int err = resources_claim_mmio(r, base, KVMINI_VIRTIO_MMIO_STRIDE, owner);
	if (err)
		return err;
	r->gsi_owner[gsi] = owner;
	*slot = (struct virtio_slot){.base = base, .size = size, .gsi = gsi};
	r->virtio[n] = *slot;
	r->nvirtio = n + 1;
	return 0;
}
