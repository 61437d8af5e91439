/* SPDX-License-Identifier: MIT */
/*
 * A minimal QEMU fw_cfg device, legacy port interface only (QEMU
 * docs/specs/fw_cfg.rst, "Selector (Control) Register" and "Data Register"):
 * enough for guests written for QEMU's PC, such as kvm-unit-tests, to ask
 * how many CPUs and how much RAM the board has.
 *
 * One device of FW_CFG_PORT_SIZE ports, placed by the board at
 * FW_CFG_PORT_BASE (0x510):
 *   offset 0  selector: a 16-bit write selects an item and rewinds it;
 *             other writes are ignored, reads return 0
 *   offset 1  data: each 1-byte read returns the selected item's next byte,
 *             0 past its end or for an item that does not exist; writes are
 *             ignored (the legacy write path is gone from QEMU too)
 * Items (little-endian integers, as in QEMU):
 *   0x00 FW_CFG_SIGNATURE  "QEMU"
 *   0x01 FW_CFG_ID         u32 1: the traditional interface, no DMA
 *   0x03 FW_CFG_RAM_SIZE   u64 guest RAM in bytes
 *   0x05 FW_CFG_NB_CPUS    u16 vCPUs
 *   0x0f FW_CFG_MAX_CPUS   u16 vCPUs (no CPU hotplug)
 * No DMA interface (port 0x514), no file directory (0x19), no ACPI tables.
 */
#ifndef KVMINI_FW_CFG_H
#define KVMINI_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/device.h"

#define FW_CFG_PORT_BASE 0x510
#define FW_CFG_PORT_SIZE 2

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID	 0x01
#define FW_CFG_RAM_SIZE	 0x03
#define FW_CFG_NB_CPUS	 0x05
#define FW_CFG_MAX_CPUS	 0x0f

#define FW_CFG_ITEM_MAX 8 /* bytes in the largest item (RAM_SIZE) */

struct fw_cfg {
	struct device dev;

	/* The board's configuration: what the items say. */
	uint64_t ram_size;
	uint16_t ncpus;

	/* Guest-visible state. */
	uint16_t selector; /* the key last written */
	uint8_t offset;	   /* next byte of the item; stops at the item's length */
	bool warned;	   /* log_once flag for accesses that fit no register */
};

/*
 * Fill in f and its device for a board with ram_size bytes of RAM and ncpus
 * vCPUs; the caller sets f->dev.base and registers it. No item is selected
 * (the selector is 0, the signature, as after a QEMU reset).
 * Returns 0 (it cannot fail today; it returns int like every setup step).
 */
int fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t ncpus);

struct state_writer;
struct state_reader;

/*
 * Save the selector and the read offset as one STATE_KIND_FW_CFG blob
 * (kvmini/device_state.h). The items are configuration, not state. Takes
 * f->dev.lock. 0 or the writer's -errno.
 */
int fw_cfg_save(struct fw_cfg *f, struct state_writer *w);

/*
 * Load a blob written by fw_cfg_save() into an fw_cfg_init()ed device. An
 * offset beyond the selected item's length is one the device never holds:
 * -EINVAL. On error (-EPROTO, -EINVAL, logged) f is unchanged. Takes
 * f->dev.lock.
 */
int fw_cfg_load(struct fw_cfg *f, struct state_reader *r);

#endif /* KVMINI_FW_CFG_H */
