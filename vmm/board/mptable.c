// SPDX-License-Identifier: MIT
/*
 * Intel MultiProcessor Specification 1.4 tables. Layouts and values are from
 * the specification, chapter 4 "MP Configuration Table":
 *   4.1 MP Floating Pointer Structure (16 bytes, signature "_MP_")
 *   4.2 MP Configuration Table Header (44 bytes, signature "PCMP")
 *   4.3 Base MP Configuration Table Entries: processor (20 bytes), bus,
 *       I/O APIC, I/O interrupt assignment, local interrupt assignment
 *       (8 bytes each)
 * Every structure is little-endian and byte-packed; each of the two headers
 * carries a checksum that makes the sum of its bytes zero.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "board/mptable.h"

struct mpf_intel {
	char signature[4]; /* "_MP_" */
	uint32_t physptr;  /* the configuration table */
	uint8_t length;	   /* in 16-byte paragraphs: 1 */
	uint8_t spec_rev;  /* 4: version 1.4 */
	uint8_t checksum;
	uint8_t feature1; /* 0: a configuration table is present (no default config) */
	uint8_t feature2; /* bit 7 IMCRP clear: virtual wire mode, no IMCR */
	uint8_t feature3_5[3];
} __attribute__((packed));

struct mpc_header {
	char signature[4]; /* "PCMP" */
	uint16_t length;   /* header and all base entries */
	uint8_t spec_rev;  /* 4 */
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table; /* 0: none */
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

enum { MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_INTSRC = 3, MP_LINTSRC = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 }; /* interrupt types, table 4-8 */

#define CPU_ENABLED	   0x01
#define CPU_BOOT_PROCESSOR 0x02
#define IOAPIC_ENABLED	   0x01
#define MP_ALL_APICS	   0xff /* destination "all local APICs" (4.3.5) */
/* Family 6, as CPUID leaf 1 EAX reports; informational for the OS. */
#define CPU_SIGNATURE 0x600
#define CPU_FEATURES  0x201 /* CPUID.1:EDX: FPU (bit 0) and APIC (bit 9) */

struct mpc_cpu {
	uint8_t type;
	uint8_t apic_id;
	uint8_t apic_version;
	uint8_t flags;
	uint32_t signature;
	uint32_t features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type;
	uint8_t bus_id;
	char bus_type[6]; /* blank padded: "ISA   " */
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type;
	uint8_t apic_id;
	uint8_t version;
	uint8_t flags;
	uint32_t addr;
} __attribute__((packed));

/* Both interrupt entry kinds share this shape (4.3.4 and 4.3.5). */
struct mpc_irq {
	uint8_t type;
	uint8_t irq_type;
	uint16_t flags; /* 0: polarity and trigger "conform to the bus": ISA is edge, high */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic;
	uint8_t dst_pin; /* IOAPIC INTIN# or local APIC LINTIN# */
} __attribute__((packed));

static_assert(sizeof(struct mpf_intel) == 16, "MP spec 4.1");
static_assert(sizeof(struct mpc_header) == 44, "MP spec 4.2");
static_assert(sizeof(struct mpc_cpu) == 20, "MP spec 4.3.1");
static_assert(sizeof(struct mpc_bus) == 8 && sizeof(struct mpc_ioapic) == 8 &&
		      sizeof(struct mpc_irq) == 8,
	      "MP spec 4.3.2-4.3.5");
/* The virtio-mmio devices' GSIs are ISA IRQs, so the ISA entries route them. */
static_assert(KVMINI_VIRTIO_MMIO_FIRST_GSI + KVMINI_VIRTIO_MMIO_MAX <= MPTABLE_ISA_IRQS,
	      "virtio GSIs need their own I/O interrupt entries");

#define LOCAL_IRQS 2 /* ExtINT on LINT0, NMI on LINT1 */

size_t mptable_size(unsigned int ncpus)
{
	return sizeof(struct mpf_intel) + sizeof(struct mpc_header) +
	       ncpus * sizeof(struct mpc_cpu) + sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
	       (MPTABLE_ISA_IRQS + LOCAL_IRQS) * sizeof(struct mpc_irq);
}

/* The two's complement of the byte sum: storing it makes the sum zero. */
static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return (uint8_t)-sum;
}

/* Append one entry at *pos. The caller checked the total size. */
static void put(uint8_t **pos, const void *entry, size_t len)
{
	memcpy(*pos, entry, len);
	*pos += len;
}

int mptable_build(void *buf, size_t len, uint64_t gpa, unsigned int ncpus)
{
	if (ncpus < 1 || ncpus > 254 || gpa + mptable_size(ncpus) > 0xffffffffULL)
		return -EINVAL;
	if (len < mptable_size(ncpus))
		return -ENOSPC;
	memset(buf, 0, mptable_size(ncpus));

	struct mpf_intel *mpf = buf;
	struct mpc_header *mpc = (struct mpc_header *)(mpf + 1);
	uint8_t *pos = (uint8_t *)(mpc + 1);
	uint8_t ioapic_id = (uint8_t)ncpus;
	uint16_t entries = 0;

	for (unsigned int i = 0; i < ncpus; i++, entries++) {
		struct mpc_cpu cpu = {
			.type = MP_PROCESSOR,
			.apic_id = (uint8_t)i, /* cpuid.c reports the same IDs */
			.apic_version = MPTABLE_APIC_VERSION,
			.flags = CPU_ENABLED | (i == 0 ? CPU_BOOT_PROCESSOR : 0),
			.signature = CPU_SIGNATURE,
			.features = CPU_FEATURES,
		};
		put(&pos, &cpu, sizeof(cpu));
	}

	struct mpc_bus bus = {.type = MP_BUS, .bus_id = 0};
	memcpy(bus.bus_type, "ISA   ", sizeof(bus.bus_type));
	put(&pos, &bus, sizeof(bus));
	entries++;

	struct mpc_ioapic ioapic = {
		.type = MP_IOAPIC,
		.apic_id = ioapic_id,
		.version = MPTABLE_IOAPIC_VERSION,
		.flags = IOAPIC_ENABLED,
		.addr = (uint32_t)KVMINI_IOAPIC_BASE,
	};
	put(&pos, &ioapic, sizeof(ioapic));
	entries++;

	/*
	 * KVM's default routing sends GSI n to IOAPIC pin n (and to PIC input
	 * n for n < 16), so ISA IRQ n is pin n: no interrupt source override,
	 * unlike a real PC where the PIT sits on pin 2.
	 */
	for (unsigned int irq = 0; irq < MPTABLE_ISA_IRQS; irq++, entries++) {
		struct mpc_irq e = {
			.type = MP_INTSRC,
			.irq_type = MP_INT,
			.src_bus = 0,
			.src_irq = (uint8_t)irq,
			.dst_apic = ioapic_id,
			.dst_pin = (uint8_t)irq,
		};
		put(&pos, &e, sizeof(e));
	}

	/* Virtual wire mode (MP spec 3.6.2.2): the PIC on LINT0, NMI on LINT1. */
	struct mpc_irq lint[LOCAL_IRQS] = {
		{.type = MP_LINTSRC, .irq_type = MP_EXTINT, .dst_apic = MP_ALL_APICS, .dst_pin = 0},
		{.type = MP_LINTSRC, .irq_type = MP_NMI, .dst_apic = MP_ALL_APICS, .dst_pin = 1},
	};
	put(&pos, lint, sizeof(lint));
	entries += LOCAL_IRQS;

	memcpy(mpc->signature, "PCMP", 4);
	mpc->length = (uint16_t)(pos - (uint8_t *)mpc);
	mpc->spec_rev = 4;
	memcpy(mpc->oem_id, "KVMINI  ", sizeof(mpc->oem_id));
	memcpy(mpc->product_id, "KVMINI VM   ", sizeof(mpc->product_id));
	mpc->entry_count = entries;
	mpc->lapic_addr = (uint32_t)KVMINI_LAPIC_BASE;
	mpc->checksum = checksum(mpc, mpc->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = (uint32_t)(gpa + sizeof(*mpf));
	mpf->length = 1;
	mpf->spec_rev = 4;
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return 0;
}
