// SPDX-License-Identifier: MIT
/*
 * virtio-blk, virtio-console and virtio-rng on the board: each in the next
 * slot, its host side opened here (a disk image, a console file), served
 * on its queue kicks alone (board_virtio_slot.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "board/board_virtio_attach.h"
#include "kvm/vm.h"
#include "kvmini/disk.h"
#include "kvmini/log.h"
#include "kvmini/virtio_console.h"
#include "kvmini/virtio_rng.h"

int board_virtio_attach_disk(struct virtio_board *b, const struct disk_config *disk)
{
	struct vm *vm = b->board->vm;
	int err;
	struct board_slot *s = board_virtio_slot_next(b, "virtio-blk", &err);
	unsigned int i = b->ndisks;

	if (!s)
		return err;
	/* GET_ID serial: stable and predictable, so that guest tests can check it. */
	snprintf(b->serials[i], sizeof(b->serials[i]), "kvmini-disk%u", i);
	struct disk *backend;
	err = disk_raw_open(&backend, disk->path, disk->read_only);
	if (err)
		return err;
	err = virtio_blk_create(&b->disks[i], backend, b->serials[i], &vm->mem, &s->irq);
	if (err) {
		log_error("cannot use disk image '%s'", disk->path);
		disk_close(backend);
		return err;
	}
	b->disk_sizes[i] = disk_size(backend);
	b->ndisks++;
	return board_virtio_slot_place(b, s, virtio_blk_mmio(b->disks[i]));
}

/*
 * --console file:PATH. O_NONBLOCK: opening a FIFO for writing would wait for
 * a reader, with the stop signals already blocked (watch_signals()); with
 * no reader (ENXIO) it is opened read-write instead, which Linux allows for
 * a FIFO (fifo(7)): output then waits in the FIFO, and in the chardev's
 * bounded buffer, until someone reads.
 */
static int open_console_file(const char *path)
{
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK;
	int fd = open(path, flags, 0644);

	if (fd < 0 && errno == ENXIO)
		fd = open(path, (flags & ~O_WRONLY) | O_RDWR, 0644);
	if (fd < 0) {
		int err = -errno;
		log_error("cannot open console file '%s': %s", path, strerror(errno));
		return err;
	}
	return fd;
}

int board_virtio_attach_console(struct virtio_board *b, const struct vm_config *cfg)
{
	struct vm *vm = b->board->vm;
	int err;
	struct board_slot *s = board_virtio_slot_next(b, "virtio-console", &err);
	struct chardev *out = board_console_out(b->board);

	if (!s)
		return err;
	if (cfg->console == CONSOLE_FILE) {
		int fd = open_console_file(cfg->console_path);
		if (fd < 0)
			return fd;
		b->console_fd = fd;
		chardev_init(&b->console_file, fd); /* O_NONBLOCK is already set */
		if ((err = chardev_io_attach(&b->console_io, b->loop, &b->console_file)))
			return err;
		out = &b->console_file;
	}
	err = virtio_console_create(&b->console, out, &vm->mem, &s->irq);
	if (err)
		return err;
	return board_virtio_slot_place(b, s, virtio_console_mmio(b->console));
}

int board_virtio_attach_rng(struct virtio_board *b)
{
	struct vm *vm = b->board->vm;
	int err;
	struct board_slot *s = board_virtio_slot_next(b, "virtio-rng", &err);

	if (!s)
		return err;
	err = virtio_rng_create(&b->rng, &vm->mem, &s->irq);
	if (err)
		return err;
	return board_virtio_slot_place(b, s, virtio_rng_mmio(b->rng));
}
