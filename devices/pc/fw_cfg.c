// SPDX-License-Identifier: MIT
/*
 * fw_cfg, legacy port interface (include/kvmini/fw_cfg.h). The items are
 * computed from the board's configuration when read, so the device holds
 * only the selector and how far into the item the guest has read.
 */
#include <string.h>

#include "kvmini/device_state.h"
#include "kvmini/fw_cfg.h"
#include "kvmini/log.h"

/* Selector write: 16 bits at offset 0. Data read: 8 bits at offset 1 (fw_cfg.rst). */
#define SELECTOR_OFFSET 0
#define DATA_OFFSET	1

/* QEMU's FW_CFG_ID feature bit 0: "traditional interface" (fw_cfg.rst, "Feature bitmap"). */
#define FW_CFG_ID_TRADITIONAL 1u

/* Fill item[] with the selected item's bytes; returns its length, 0 for no such item. */
static unsigned int fw_cfg_item(const struct fw_cfg *f, uint16_t key, uint8_t item[FW_CFG_ITEM_MAX])
{
	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(item, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		device_store_le(item, 4, FW_CFG_ID_TRADITIONAL);
		return 4;
	case FW_CFG_RAM_SIZE:
		device_store_le(item, 8, f->ram_size);
		return 8;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		device_store_le(item, 2, f->ncpus);
		return 2;
	default:
		return 0;
	}
}

static void fw_cfg_read(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct fw_cfg *f = dev->priv;
	uint8_t item[FW_CFG_ITEM_MAX];

	memset(data, 0, len);
	if (offset != DATA_OFFSET || len != 1) {
		log_once(&f->warned, LOG_WARN,
			 "fw_cfg: read of %u bytes at offset %llu is not a data read; reads as 0",
			 len, (unsigned long long)offset);
		return;
	}
	/* The offset stops at the item's end: reading on returns 0 and grows nothing. */
	unsigned int size = fw_cfg_item(f, f->selector, item);
	if (f->offset < size)
		data[0] = item[f->offset++];
}

static void fw_cfg_write(struct device *dev, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct fw_cfg *f = dev->priv;

	if (offset == SELECTOR_OFFSET && len == 2) {
		f->selector = (uint16_t)device_load_le(data, 2);
		f->offset = 0;
		return;
	}
	/* A data-register write (offset 1, one byte) did nothing since QEMU 2.4: same here. */
	if (offset != DATA_OFFSET || len != 1)
		log_once(&f->warned, LOG_WARN,
			 "fw_cfg: write of %u bytes at offset %llu fits no register; ignored", len,
			 (unsigned long long)offset);
}

static const struct device_ops fw_cfg_ops = {
	.read = fw_cfg_read,
	.write = fw_cfg_write,
};

int fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t ncpus)
{
	memset(f, 0, sizeof(*f));
	device_init(&f->dev, "fw_cfg", FW_CFG_PORT_SIZE, &fw_cfg_ops, f);
	f->ram_size = ram_size;
	f->ncpus = ncpus;
	return 0;
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define FW_CFG_STATE_VERSION 1

int fw_cfg_save(struct fw_cfg *f, struct state_writer *w)
{
	pthread_mutex_lock(&f->dev.lock);
	state_begin(w, STATE_KIND_FW_CFG, FW_CFG_STATE_VERSION);
	state_put_u16(w, f->selector);
	state_put_u8(w, f->offset);
	int err = state_end(w);
	pthread_mutex_unlock(&f->dev.lock);
	return err;
}

int fw_cfg_load(struct fw_cfg *f, struct state_reader *r)
{
	uint8_t item[FW_CFG_ITEM_MAX];
	uint32_t version;
	int err = state_open(r, f->dev.name, STATE_KIND_FW_CFG, FW_CFG_STATE_VERSION, &version);

	if (err)
		return err;
	uint16_t selector = state_get_u16(r);
	uint8_t offset = state_get_u8(r);
	if ((err = state_close(r)))
		return err;

	/* The items depend only on the configuration, which is the same as at save time. */
	unsigned int size = fw_cfg_item(f, selector, item);
	if (offset > size)
		return state_invalid(r, "offset %u is past the end of item %#x (%u bytes)", offset,
				     selector, size);
	pthread_mutex_lock(&f->dev.lock);
	f->selector = selector;
	f->offset = offset;
	pthread_mutex_unlock(&f->dev.lock);
	return 0;
}
