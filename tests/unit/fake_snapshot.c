// SPDX-License-Identifier: MIT
/* A valid snapshot directory without KVM (fake_snapshot.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_snapshot.h"
#include "host/snapshot_files.h"
#include "host/snapshot_manifest.h"
#include "kvm/vcpu_state.h"
#include "kvm/vm_state.h"
#include "kvmini/chardev.h"
#include "kvmini/disk.h"
#include "kvmini/guest_mem.h"
#include "kvmini/i8042.h"
#include "kvmini/serial.h"
#include "kvmini/testdev.h"
#include "kvmini/virtio_blk.h"

/* The board's fixed devices, then the disk's virtio-blk, as board_state_save() orders them. */
static int save_devices(const struct fake_snapshot_opts *o, struct guest_mem *mem,
			struct state_writer *w, uint64_t *disk_bytes)
{
	static struct chardev out;
	static struct serial com1;
	static struct i8042 kbd;
	static struct testdev td;
	static struct irq_line irq;
	int ret;

	chardev_init(&out, -1);
	serial_init(&com1, &out, &irq);
	i8042_init(&kbd, NULL, NULL);
	testdev_init(&td, NULL, NULL, NULL);
	if ((ret = serial_save(&com1, w)) || (ret = i8042_save(&kbd, w)) ||
	    (ret = testdev_save(&td, w)))
		return ret;
	if (!o->disk)
		return 0;
	struct disk *disk;
	struct virtio_blk *blk;
	if ((ret = disk_raw_open(&disk, o->disk, false)))
		return ret;
	*disk_bytes = disk_size(disk);
	if ((ret = virtio_blk_create(&blk, disk, "fake", mem, &irq))) {
		disk_close(disk);
		return ret;
	}
	ret = virtio_blk_save(blk, w);
	virtio_blk_destroy(blk);
	return ret;
}

static void describe(const struct fake_snapshot_opts *o, struct snapshot_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->format_version = SNAPSHOT_FORMAT_VERSION;
	snprintf(m->kvmini_version, sizeof(m->kvmini_version), "%s", KVMINI_VERSION);
	snprintf(m->host_kind, sizeof(m->host_kind), "%s", o->host_kind);
	m->mem_size = o->mem_size;
	m->ncpus = o->ncpus;
	m->irqchip = m->pit = m->linux_guest = o->irqchip;
	m->console = CONSOLE_NONE;
	if (o->disk) {
		m->ndisks = 1;
		snprintf(m->disks[0].path, sizeof(m->disks[0].path), "%s", o->disk);
	}
}

int fake_snapshot_write(const char *dir, const struct fake_snapshot_opts *o)
{
	struct snapshot_manifest *m = malloc(sizeof(*m));
	struct vcpu_state *vst = calloc(1, sizeof(*vst));
	uint8_t *ram = calloc(1, o->mem_size);
	struct guest_mem mem;
	struct state_writer w;
	struct vm_state vm = {0};
	int dirfd = -1, ret;

	if (!m || !vst || !ram) {
		ret = -ENOMEM;
		goto out;
	}
	/* As snapshot_take() opens it (the same calls, for seccomp_snapshot_probe.c). */
	if ((dirfd = ret = snapshot_files_open_dir(dir)) < 0)
		goto out;
	describe(o, m);
	guest_mem_layout(&mem, ram, o->mem_size);
	/* Some pages with data, the rest zero: a sparse memory.bin. */
	memset(ram + 4096, 0xab, 4096);
	memcpy(ram + o->mem_size - 16, "last page data!", 16);

	state_writer_init(&w, NULL, 0);
	if ((ret = save_devices(o, &mem, &w, &m->disks[0].size)) ||
	    (ret = snapshot_manifest_write_state(m, dirfd, SNAPSHOT_DEVICES, SNAPSHOT_KIND_DEVICES,
						 &w)))
		goto out;
	if ((ret = snapshot_files_write_memory(dirfd, SNAPSHOT_MEMORY, ram, o->mem_size)))
		goto out;
	for (unsigned int i = 0; i < o->ncpus; i++) {
		char name[SNAPSHOT_NAME_MAX];
		snprintf(name, sizeof(name), "vcpu-%u.state", i);
		memset(vst, 0, sizeof(*vst));
		vst->id = i;
		vst->has_xsave = vst->has_xcrs = true;
		vst->has_lapic = o->irqchip;
		vst->nmsrs = 2;
		vst->msrs[0] = (struct kvm_msr_entry){.index = 0x10, .data = 12345}; /* TSC */
		vst->msrs[1] = (struct kvm_msr_entry){.index = 0x4b564d01, .data = 0x1001};
		state_writer_init(&w, NULL, 0);
		vcpu_state_save(vst, &w);
		if ((ret = snapshot_manifest_write_state(m, dirfd, name, SNAPSHOT_KIND_VCPU, &w)))
			goto out;
	}
	vm.has_irqchip = vm.has_pit = o->irqchip;
	for (int i = 0; i < VM_STATE_CHIPS; i++)
		vm.chips[i].chip_id = (uint32_t)i;
	vm.clock.clock = 1000000000ull;
	vm.realtime_ns = 1700000000ull * 1000000000ull;
	state_writer_init(&w, NULL, 0);
	vm_state_save(&vm, &w);
	if ((ret = snapshot_manifest_write_state(m, dirfd, SNAPSHOT_VM, SNAPSHOT_KIND_VM, &w)))
		goto out;
	ret = snapshot_manifest_write(dirfd, m);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(ram);
	free(vst);
	free(m);
	return ret;
}
