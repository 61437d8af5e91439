// SPDX-License-Identifier: MIT
/*
 * The Intel MP table (vmm/board/mptable.c), read back the way Linux's
 * arch/x86/kernel/mpparse.c reads it: find "_MP_", check its checksum, follow
 * physptr to "PCMP", check that checksum, then walk the typed entries.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "board/mptable.h"
#include "kvmini/device.h"
#include "unit_run.h"

#define GPA 0xf0000u

static uint8_t buf[4096];

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)device_load_le(p, 2);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)device_load_le(p, 4);
}

/* What a walk over the configuration table found. */
struct parsed {
	unsigned int cpus, bsps, buses, ioapics, intsrc, lint;
	uint8_t cpu_ids[256];
	uint8_t ioapic_id;
	uint32_t ioapic_addr;
	int irq_to_pin[16];
	uint8_t intsrc_dst_apic;
	bool extint_lint0, nmi_lint1;
};

static void parse(unsigned int ncpus, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	memset(p->irq_to_pin, -1, sizeof(p->irq_to_pin));

	/* 4.1: the floating pointer. */
	ck_assert_mem_eq(buf, "_MP_", 4);
	ck_assert_uint_eq(buf[8], 1); /* length in paragraphs */
	ck_assert_uint_eq(buf[9], 4); /* spec 1.4 */
	ck_assert_uint_eq(sum(buf, 16), 0);
	ck_assert_uint_eq(buf[11], 0); /* feature1: a table follows, no default config */
	uint32_t physptr = le32(buf + 4);
	ck_assert_uint_ge(physptr, GPA);
	const uint8_t *mpc = buf + (physptr - GPA);

	/* 4.2: the header. */
	ck_assert_mem_eq(mpc, "PCMP", 4);
	uint16_t length = le16(mpc + 4);
	ck_assert_uint_eq(mpc[6], 4);
	ck_assert_uint_eq(sum(mpc, length), 0);
	ck_assert_uint_eq(le32(mpc + 36), KVMINI_LAPIC_BASE);
	ck_assert_uint_eq((physptr - GPA) + length, mptable_size(ncpus));
	uint16_t count = le16(mpc + 34);

	/* 4.3: the entries. */
	const uint8_t *e = mpc + 44, *end = mpc + length;
	for (unsigned int i = 0; i < count; i++) {
		ck_assert(e < end);
		switch (e[0]) {
		case 0:			     /* processor */
			ck_assert(e[3] & 1); /* enabled */
			if (e[3] & 2)
				p->bsps++;
			ck_assert_uint_eq(e[1], p->cpus); /* IDs 0, 1, 2, ... */
			ck_assert_uint_eq(e[2], MPTABLE_APIC_VERSION);
			p->cpu_ids[p->cpus++] = e[1];
			e += 20;
			break;
		case 1: /* bus */
			ck_assert_mem_eq(e + 2, "ISA   ", 6);
			p->buses++;
			e += 8;
			break;
		case 2: /* IOAPIC */
			p->ioapics++;
			p->ioapic_id = e[1];
			ck_assert_uint_eq(e[3] & 1, 1);
			p->ioapic_addr = le32(e + 4);
			e += 8;
			break;
		case 3: /* I/O interrupt: type INT, from ISA bus 0 */
			ck_assert_uint_eq(e[1], 0);
			ck_assert_uint_eq(e[4], 0);
			ck_assert_uint_lt(e[5], 16);
			p->irq_to_pin[e[5]] = e[7];
			p->intsrc_dst_apic = e[6];
			p->intsrc++;
			e += 8;
			break;
		case 4: /* local interrupt */
			if (e[1] == 3 && e[7] == 0 && e[6] == 0xff)
				p->extint_lint0 = true;
			if (e[1] == 1 && e[7] == 1 && e[6] == 0xff)
				p->nmi_lint1 = true;
			p->lint++;
			e += 8;
			break;
		default:
			ck_abort_msg("unknown MP entry type %u", e[0]);
		}
	}
	ck_assert_ptr_eq(e, end);
}

static void check_table(unsigned int ncpus)
{
	struct parsed p;

	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(mptable_build(buf, sizeof(buf), GPA, ncpus), 0);
	parse(ncpus, &p);
	ck_assert_uint_eq(p.cpus, ncpus);
	ck_assert_uint_eq(p.bsps, 1);
	ck_assert_uint_eq(p.buses, 1);
	ck_assert_uint_eq(p.ioapics, 1);
	ck_assert_uint_eq(p.ioapic_id, ncpus); /* no clash with a CPU's APIC ID */
	ck_assert_uint_eq(p.ioapic_addr, KVMINI_IOAPIC_BASE);
	ck_assert_uint_eq(p.intsrc, 16);
	ck_assert_uint_eq(p.intsrc_dst_apic, ncpus);
	for (int irq = 0; irq < 16; irq++)
		ck_assert_int_eq(p.irq_to_pin[irq], irq);
	/* The serial port's and every virtio device's GSI is routed. */
	ck_assert_int_eq(p.irq_to_pin[KVMINI_COM1_GSI], KVMINI_COM1_GSI);
	for (int i = 0; i < KVMINI_VIRTIO_MMIO_MAX; i++)
		ck_assert_int_ge(p.irq_to_pin[KVMINI_VIRTIO_MMIO_FIRST_GSI + i], 0);
	ck_assert_uint_eq(p.lint, 2);
	ck_assert(p.extint_lint0);
	ck_assert(p.nmi_lint1);
}

START_TEST(test_one_cpu)
{
	check_table(1);
}
END_TEST

START_TEST(test_many_cpus)
{
	check_table(2);
	check_table(64);
}
END_TEST

START_TEST(test_bad_arguments)
{
	ck_assert_int_eq(mptable_build(buf, sizeof(buf), GPA, 0), -EINVAL);
	ck_assert_int_eq(mptable_build(buf, sizeof(buf), GPA, 255), -EINVAL);
	ck_assert_int_eq(mptable_build(buf, mptable_size(4) - 1, GPA, 4), -ENOSPC);
	ck_assert_int_eq(mptable_build(buf, sizeof(buf), 0xffffff00u, 4), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mptable");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_one_cpu);
	tcase_add_test(tc, test_many_cpus);
	tcase_add_test(tc, test_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
