/* SPDX-License-Identifier: MIT */
/*
 * Reading the monitor's flattened device tree (FDT) with libfdt.
 *
 * The monitor passes the FDT's address in RDI (boot_info.fdt_addr). Layout
 * of the nodes kvmini writes: vmm/board/fdt_build.c; binding rules: Devicetree
 * Specification v0.4, chapters 2 and 3. Everything is checked: a missing
 * node or a malformed property is an error result, never a crash.
 */
#ifndef GUEST_DEVICETREE_H
#define GUEST_DEVICETREE_H

#include <stdint.h>

/* One (address, size) pair of a reg property. */
struct dt_range {
	uint64_t base;
	uint64_t size;
};

/* The boot FDT if its header is valid, else NULL (and a message, once). */
const void *dt_fdt(void);

/*
 * Collect the reg ranges of every node with device_type = "memory".
 * Returns the number of ranges stored (at most max), or a negative
 * -FDT_ERR_* value if the tree or a property is malformed.
 */
int dt_memory_ranges(struct dt_range *ranges, int max);

/* /chosen/bootargs as a NUL-terminated string, or NULL if absent or malformed. */
const char *dt_bootargs(void);

/*
 * First reg range of the first node whose "compatible" list contains
 * compatible. Returns 0, or a negative -FDT_ERR_* value.
 */
int dt_compatible_reg(const char *compatible, struct dt_range *range);

#endif /* GUEST_DEVICETREE_H */
