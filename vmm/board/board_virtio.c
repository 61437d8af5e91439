// SPDX-License-Identifier: MIT
/*
 * The board's virtio-mmio devices. This is the only place that knows both
 * the device models (devices/virtio_*.c) and KVM: it picks each device's
 * address and GSI, wires its interrupt line (irqfd), and turns guest writes
 * to QueueNotify into eventfd events on the I/O thread (ioeventfd), so that
 * a virtqueue kick costs the vCPU no exit to user space.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/board_virtio.h"
#include "host/chardev_io.h"
#include "kvmini/chardev.h"
#include "kvmini/log.h"
#include "kvmini/virtio_blk.h"
#include "kvmini/virtio_console.h"
#include "kvmini/virtio_mmio.h"
#include "kvmini/virtio_rng.h"

#define MAX_SLOTS KVMINI_VIRTIO_MMIO_MAX

/* One ioeventfd: a write of q to QueueNotify of one device. */
struct notify_fd {
	struct virtio_mmio *vmio;
	unsigned int q;
	int fd;
};

struct board_slot {
	struct virtio_mmio *vmio;
	struct irq_line irq;
	struct notify_fd notify[VIRTIO_MMIO_MAX_QUEUES];
	unsigned int nnotify;
};

struct virtio_board {
	struct event_loop *loop;
	struct board_slot slots[MAX_SLOTS];
	unsigned int nslots;
	struct virtio_blk *disks[CONFIG_MAX_DISKS];
	unsigned int ndisks;
	char serials[CONFIG_MAX_DISKS][VIRTIO_BLK_ID_BYTES + 1];
	struct virtio_console *console;
	int console_fd;		      /* opened for --console file:PATH, else -1 */
	struct chardev console_file;  /* its output sink (on stdio: board_console_out()) */
	struct chardev_io console_io; /* which the I/O thread flushes */
	struct virtio_rng *rng;
};

/* I/O thread: the guest kicked queue n->q. */
static void notify_ready(void *opaque, uint32_t events)
{
	struct notify_fd *n = opaque;
	uint64_t count;

	(void)events;
	/* Reading resets the eventfd counter; several kicks are served as one. */
	if (read(n->fd, &count, sizeof(count)) != sizeof(count))
		return;
	virtio_mmio_kick(n->vmio, n->q);
}

/* One ioeventfd per queue, matching the queue index written to QueueNotify. */
static int slot_add_notify(struct vm *vm, struct virtio_board *b, struct board_slot *s)
{
	static bool logged_fallback;
	uint64_t addr = s->vmio->dev.base + VIRTIO_MMIO_QUEUE_NOTIFY;

	for (unsigned int q = 0; q < s->vmio->ops->num_queues; q++) {
		int fd = vm_ioeventfd(vm, addr, 4, false, true, q);
		if (fd == -ENOTSUP) {
			/* The MMIO exit path calls virtio_mmio_notify() instead. */
			log_once(&logged_fallback, LOG_INFO,
				 "no ioeventfd: virtio notifications go through MMIO exits");
			return 0;
		}
		if (fd < 0) {
			log_error("%s: cannot create an ioeventfd: %s", s->vmio->dev.name,
				  strerror(-fd));
			return fd;
		}
		struct notify_fd *n = &s->notify[s->nnotify];
		n->vmio = s->vmio;
		n->q = q;
		n->fd = fd;
		int err = event_loop_add(b->loop, fd, EPOLLIN, notify_ready, n);
		if (err) {
			close(fd);
			log_error("%s: cannot watch its ioeventfd: %s", s->vmio->dev.name,
				  strerror(-err));
			return err;
		}
		s->nnotify++;
	}
	return 0;
}

/*
 * Reserve the next slot; the device is created with &slot->irq as its
 * interrupt line, then placed with slot_place().
 */
static struct board_slot *slot_next(struct virtio_board *b)
{
	if (b->nslots == MAX_SLOTS) {
		log_error("too many virtio devices (at most %d)", MAX_SLOTS);
		return NULL;
	}
	return &b->slots[b->nslots];
}

static int slot_place(struct vm *vm, struct virtio_board *b, struct board_slot *s,
		      struct virtio_mmio *vmio)
{
	unsigned int n = b->nslots;
	int gsi = KVMINI_VIRTIO_MMIO_FIRST_GSI + (int)n;
	int err;

	s->vmio = vmio;
	b->nslots++; /* owned by the board from here on, for board_virtio_destroy() */
	err = vm_irq_line_init(vm, &s->irq, gsi);
	if (err) {
		log_error("%s: cannot wire GSI %d: %s", vmio->dev.name, gsi, strerror(-err));
		return err;
	}
	err = board_register(&vm->mmio, &vmio->dev,
			     KVMINI_VIRTIO_MMIO_BASE + n * KVMINI_VIRTIO_MMIO_STRIDE);
	if (err)
		return err;
	err = slot_add_notify(vm, b, s);
	if (err)
		return err;
	vm->virtio_slots[n].base = vmio->dev.base;
	vm->virtio_slots[n].size = vmio->dev.size;
	vm->virtio_slots[n].gsi = gsi;
	vm->nvirtio_slots = n + 1;
	log_debug("%s at %#llx, GSI %d", vmio->dev.name, (unsigned long long)vmio->dev.base, gsi);
	return 0;
}

static int add_disk(struct vm *vm, struct virtio_board *b, const struct disk_config *disk)
{
	struct board_slot *s = slot_next(b);
	unsigned int i = b->ndisks;

	if (!s)
		return -ENOSPC;
	/* GET_ID serial: stable and predictable, so that guest tests can check it. */
	snprintf(b->serials[i], sizeof(b->serials[i]), "kvmini-disk%u", i);
	int err = virtio_blk_create(&b->disks[i], disk->path, disk->read_only, b->serials[i],
				    &vm->mem, &s->irq);
	if (err)
		return err;
	b->ndisks++;
	return slot_place(vm, b, s, virtio_blk_mmio(b->disks[i]));
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

static int add_console(struct vm *vm, struct virtio_board *b, const struct vm_config *cfg)
{
	struct board_slot *s = slot_next(b);
	struct chardev *out = board_console_out();
	int err;

	if (!s)
		return -ENOSPC;
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
	return slot_place(vm, b, s, virtio_console_mmio(b->console));
}

static int add_rng(struct vm *vm, struct virtio_board *b)
{
	struct board_slot *s = slot_next(b);

	if (!s)
		return -ENOSPC;
	int err = virtio_rng_create(&b->rng, &vm->mem, &s->irq);
	if (err)
		return err;
	return slot_place(vm, b, s, virtio_rng_mmio(b->rng));
}

int board_virtio_setup(struct vm *vm, const struct vm_config *cfg)
{
	struct virtio_board *b = calloc(1, sizeof(*b));
	int err = 0;

	if (!b)
		return -ENOMEM;
	b->loop = &vm->loop;
	b->console_fd = -1;
	vm->virtio = b;
	vm->nvirtio_slots = 0;
	for (unsigned int i = 0; i < cfg->ndisks && !err; i++)
		err = add_disk(vm, b, &cfg->disks[i]);
	if (!err && cfg->console != CONSOLE_NONE)
		err = add_console(vm, b, cfg);
	if (!err && cfg->rng)
		err = add_rng(vm, b);
	if (err) {
		/* Stop serving notifications now; the devices stay until board_virtio_destroy(). */
		for (unsigned int i = 0; i < b->nslots; i++) {
			struct board_slot *s = &b->slots[i];
			for (unsigned int q = 0; q < s->nnotify; q++) {
				event_loop_remove(b->loop, s->notify[q].fd);
				close(s->notify[q].fd);
			}
			s->nnotify = 0;
		}
		chardev_io_detach(&b->console_io);
	}
	return err;
}

void board_virtio_flush(struct vm *vm)
{
	struct virtio_board *b = vm->virtio;

	if (!b)
		return;
	for (unsigned int i = 0; i < b->ndisks; i++)
		virtio_blk_flush(b->disks[i]);
}

void board_virtio_destroy(struct vm *vm)
{
	struct virtio_board *b = vm->virtio;

	if (!b)
		return;
	for (unsigned int i = 0; i < b->nslots; i++) {
		struct board_slot *s = &b->slots[i];
		for (unsigned int q = 0; q < s->nnotify; q++) {
			event_loop_remove(b->loop, s->notify[q].fd);
			close(s->notify[q].fd);
		}
	}
	for (unsigned int i = 0; i < b->ndisks; i++)
		virtio_blk_destroy(b->disks[i]);
	virtio_console_destroy(b->console);
	virtio_rng_destroy(b->rng);
	chardev_io_detach(&b->console_io); /* flushes, bounded, before the close */
	if (b->console_fd >= 0)
		close(b->console_fd);
	free(b);
	vm->virtio = NULL;
	vm->nvirtio_slots = 0;
}

int board_virtio_cmdline(const struct vm *vm, char *buf, size_t size)
{
	size_t len = strnlen(buf, size);
	size_t start = len;

	if (len >= size)
		return -ENOSPC;
	for (unsigned int i = 0; i < vm->nvirtio_slots; i++) {
		const struct vm_virtio_slot *s = &vm->virtio_slots[i];
		int n = snprintf(buf + len, size - len, " virtio_mmio.device=%#llx@%#llx:%d",
				 (unsigned long long)s->size, (unsigned long long)s->base, s->gsi);
		if (n < 0 || (size_t)n >= size - len) {
			buf[start] = '\0';
			return -ENOSPC;
		}
		len += (size_t)n;
	}
	return 0;
}

size_t board_virtio_console_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct vm *vm = opaque;
	struct virtio_board *b = vm->virtio;

	if (!b || !b->console)
		return 0;
	return virtio_console_receive(b->console, buf, len);
}
