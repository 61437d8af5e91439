// SPDX-License-Identifier: MIT
/*
 * Device tree for the tiny guest, written with libfdt's sequential-write API
 * (fdt_create ... fdt_finish). Node and property names follow the
 * Devicetree Specification v0.4 (memory, chosen, cpus) and the Linux
 * bindings (Documentation/devicetree/bindings/virtio/mmio.yaml).
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/fdt_build.h"
#include "kvm/vm.h"

/* A 64-bit address and size as two cells each (#address-cells = #size-cells = 2). */
static int prop_reg64(void *fdt, uint64_t addr, uint64_t size)
{
	fdt64_t reg[2] = {cpu_to_fdt64(addr), cpu_to_fdt64(size)};
	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

static int add_memory(void *fdt, const struct vm *vm)
{
	fdt64_t reg[4] = {cpu_to_fdt64(0), cpu_to_fdt64(vm->mem.low_size)};
	int n = 2, err = 0;

	if (vm->mem.high_size) {
		reg[2] = cpu_to_fdt64(KVMINI_HIGH_RAM_START);
		reg[3] = cpu_to_fdt64(vm->mem.high_size);
		n = 4;
	}
	err |= fdt_begin_node(fdt, "memory@0");
	err |= fdt_property_string(fdt, "device_type", "memory");
	err |= fdt_property(fdt, "reg", reg, n * sizeof(reg[0]));
	err |= fdt_end_node(fdt);
	return err;
}

static int add_cpus(void *fdt, const struct vm *vm)
{
	char name[32];
	int err = 0;

	err |= fdt_begin_node(fdt, "cpus");
	err |= fdt_property_u32(fdt, "#address-cells", 1);
	err |= fdt_property_u32(fdt, "#size-cells", 0);
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		err |= fdt_begin_node(fdt, name);
		err |= fdt_property_string(fdt, "device_type", "cpu");
		err |= fdt_property_u32(fdt, "reg", i); /* the local APIC ID */
		err |= fdt_end_node(fdt);
	}
	err |= fdt_end_node(fdt);
	return err;
}

/*
 * Port-I/O devices have no standard device-tree address on x86, so their
 * port is a kvmini property ("kvmini,pio-port"), and reg is left out.
 */
static int add_board_devices(void *fdt)
{
	int err = 0;

	err |= fdt_begin_node(fdt, "serial@3f8");
	err |= fdt_property_string(fdt, "compatible", "ns16550a");
	err |= fdt_property_u32(fdt, "kvmini,pio-port", KVMINI_COM1_PORT);
	err |= fdt_property_u32(fdt, "interrupts", KVMINI_COM1_GSI);
	err |= fdt_property_u32(fdt, "clock-frequency", 1843200);
	err |= fdt_end_node(fdt);

	err |= fdt_begin_node(fdt, "testdev@d1000000");
	err |= fdt_property_string(fdt, "compatible", "kvmini,testdev");
	err |= prop_reg64(fdt, KVMINI_TESTDEV_MMIO_BASE, KVMINI_TESTDEV_MMIO_SIZE);
	err |= fdt_property_u32(fdt, "kvmini,pio-port", KVMINI_TESTDEV_PIO_BASE);
	err |= fdt_end_node(fdt);
	return err;
}

static int add_virtio(void *fdt, const struct vm *vm)
{
	char name[40];
	int err = 0;

	const struct resources *res = &vm->board->res;

	for (unsigned int i = 0; i < res->nvirtio; i++) {
		const struct virtio_slot *slot = &res->virtio[i];
		snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)slot->base);
		err |= fdt_begin_node(fdt, name);
		err |= fdt_property_string(fdt, "compatible", "virtio,mmio");
		err |= prop_reg64(fdt, slot->base, slot->size);
		err |= fdt_property_u32(fdt, "interrupts", (uint32_t)slot->gsi);
		err |= fdt_end_node(fdt);
	}
	return err;
}

int fdt_build(const struct vm *vm, const char *cmdline, void *buf, size_t bufsize)
{
	void *fdt = buf;
	int err = 0;

	if (bufsize > INT32_MAX)
		bufsize = INT32_MAX;
	err |= fdt_create(fdt, (int)bufsize);
	err |= fdt_finish_reservemap(fdt);
	err |= fdt_begin_node(fdt, "");
	err |= fdt_property_u32(fdt, "#address-cells", 2);
	err |= fdt_property_u32(fdt, "#size-cells", 2);
	err |= fdt_property_string(fdt, "compatible", "kvmini,tiny-guest");
	err |= fdt_property_string(fdt, "model", "kvmini");

	err |= fdt_begin_node(fdt, "chosen");
	err |= fdt_property_string(fdt, "bootargs", cmdline ? cmdline : "");
	err |= fdt_property_string(fdt, "stdout-path", "/serial@3f8");
	err |= fdt_end_node(fdt);

	err |= add_memory(fdt, vm);
	err |= add_cpus(fdt, vm);
	err |= add_board_devices(fdt);
	err |= add_virtio(fdt, vm);
	err |= fdt_end_node(fdt);
	err |= fdt_finish(fdt);
	/* libfdt errors are negative; OR-ing keeps "some call failed". */
	return err ? -ENOSPC : 0;
}
