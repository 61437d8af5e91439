/* SPDX-License-Identifier: MIT */
/*
 * Device-tree queries of the tiny guest (see devicetree.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <libfdt.h>

#include "devicetree.h"
#include "guest.h"
#include "printf.h"

const void *dt_fdt(void)
{
	static const void *fdt;
	static bool checked;
	const void *candidate = (const void *)(uintptr_t)boot_info.fdt_addr;
	int err;

	if (checked)
		return fdt;
	checked = true;
	if (!candidate) {
		printf("devicetree: the monitor passed no FDT address in RDI\n");
		return NULL;
	}
	err = fdt_check_header(candidate);
	if (err) {
		printf("devicetree: bad FDT header at %p: %s\n", candidate, fdt_strerror(err));
		return NULL;
	}
	fdt = candidate;
	return fdt;
}

/* Read a number of cells (1 or 2) big-endian 32-bit words. */
static uint64_t read_cells(const fdt32_t *cells, int count)
{
	uint64_t value = 0;

	for (int i = 0; i < count; i++)
		value = (value << 32) | fdt32_ld(&cells[i]);
	return value;
}

/*
 * Decode entry index of node's reg property. The cell counts come from the
 * parent node (Devicetree Specification v0.4, 2.3.5). Returns 0, or
 * -FDT_ERR_NOTFOUND past the last entry, or another -FDT_ERR_* value.
 */
static int reg_entry(const void *fdt, int node, int index, struct dt_range *range)
{
	int parent = fdt_parent_offset(fdt, node);
	int address_cells, size_cells, len, entry_cells;
	const fdt32_t *reg;

	if (parent < 0)
		return parent;
	address_cells = fdt_address_cells(fdt, parent);
	size_cells = fdt_size_cells(fdt, parent);
	if (address_cells < 0)
		return address_cells;
	if (size_cells < 0)
		return size_cells;
	if (address_cells < 1 || address_cells > 2 || size_cells > 2)
		return -FDT_ERR_BADNCELLS;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg)
		return len;
	entry_cells = address_cells + size_cells;
	if (len % (entry_cells * 4) != 0)
		return -FDT_ERR_BADVALUE;
	if (index >= len / (entry_cells * 4))
		return -FDT_ERR_NOTFOUND;
	reg += index * entry_cells;
	range->base = read_cells(reg, address_cells);
	range->size = read_cells(reg + address_cells, size_cells);
	return 0;
}

int dt_memory_ranges(struct dt_range *ranges, int max)
{
	const void *fdt = dt_fdt();
	int count = 0;
	int node;

	if (!fdt)
		return -FDT_ERR_BADMAGIC;
	/* The property value includes its NUL: "memory" is 7 bytes. */
	node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", 7);
	for (; node >= 0;
	     node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory", 7)) {
		for (int i = 0; count < max; i++) {
			int err = reg_entry(fdt, node, i, &ranges[count]);

			if (err == -FDT_ERR_NOTFOUND)
				break;
			if (err)
				return err;
			count++;
		}
	}
	if (node != -FDT_ERR_NOTFOUND)
		return node;
	return count;
}

const char *dt_bootargs(void)
{
	const void *fdt = dt_fdt();
	const char *args;
	int node, len;

	if (!fdt)
		return NULL;
	node = fdt_path_offset(fdt, "/chosen");
	if (node < 0)
		return NULL;
	args = fdt_getprop(fdt, node, "bootargs", &len);
	/* A string property must end with its NUL inside the value. */
	if (!args || len < 1 || strnlen(args, len) != (size_t)len - 1)
		return NULL;
	return args;
}

int dt_compatible_reg(const char *compatible, struct dt_range *range)
{
	const void *fdt = dt_fdt();
	int node;

	if (!fdt)
		return -FDT_ERR_BADMAGIC;
	node = fdt_node_offset_by_compatible(fdt, -1, compatible);
	if (node < 0)
		return node;
	return reg_entry(fdt, node, 0, range);
}
