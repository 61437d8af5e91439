// SPDX-License-Identifier: MIT
/*
 * A virtio device's slot on the board: its MMIO window and GSI from the
 * device manager, its irqfd, and one notification eventfd per queue on the
 * I/O thread (board_virtio_slot.h says why).
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "board/board_virtio_slot.h"
#include "kvm/vm.h"
#include "kvmini/log.h"

/* Make n's eventfd readable: the I/O thread serves the queue again on its next turn. */
static void notify_signal(struct notify_fd *n)
{
	uint64_t one = 1;

	/* Can only fail if the counter is near 2^64: then it is readable anyway. */
	if (write(n->fd, &one, sizeof(one)) != sizeof(one))
		log_debug("%s: cannot signal queue %u's eventfd", n->vmio->dev.name, n->q);
}

/* I/O thread: the guest kicked queue n->q, or an earlier pass left work. */
static void notify_ready(void *opaque, uint32_t events)
{
	struct notify_fd *n = opaque;
	uint64_t count;

	(void)events;
	/* Reading resets the eventfd counter; several kicks are served as one. */
	if (read(n->fd, &count, sizeof(count)) != sizeof(count))
		return;
	/*
	 * One bounded pass; if the queue still has work, signal ourselves
	 * again rather than loop, so the event loop sees stop requests,
	 * stdin and the other devices between passes.
	 */
	if (virtio_mmio_kick(n->vmio, n->q))
		notify_signal(n);
}

/* The MMIO exit path served a queue in part (virtio_mmio_set_rearm): continue on the I/O thread. */
static void slot_rearm(void *opaque, unsigned int q)
{
	struct board_slot *s = opaque;

	if (q < s->nnotify)
		notify_signal(&s->notify[q]);
}

/*
 * One eventfd per queue, matching the queue index written to QueueNotify:
 * an ioeventfd, or without KVM support a plain eventfd for slot_rearm().
 */
static int slot_add_notify(struct vm *vm, struct virtio_board *b, struct board_slot *s)
{
	static bool logged_fallback;
	uint64_t addr = s->vmio->dev.base + VIRTIO_MMIO_QUEUE_NOTIFY;

	for (unsigned int q = 0; q < s->vmio->ops->num_queues; q++) {
		int fd = vm_ioeventfd(vm, addr, 4, false, true, q);
		if (fd == -ENOTSUP) {
			/* Kicks come through MMIO exits; this fd only continues long queues. */
			log_once(&logged_fallback, LOG_INFO,
				 "no ioeventfd: virtio notifications go through MMIO exits");
			fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (fd < 0)
				fd = -errno;
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
	virtio_mmio_set_rearm(s->vmio, slot_rearm, s);
	return 0;
}

struct board_slot *board_virtio_slot_next(struct virtio_board *b, const char *name, int *err)
{
	struct board_slot *s = &b->slots[b->nslots];
	struct vm *vm = b->board->vm;

	/* The manager refuses a ninth slot, so b->slots cannot overflow. */
	*err = resources_alloc_virtio(&b->board->res, KVMINI_VIRTIO_MMIO_SIZE, name, &s->place);
	if (*err)
		return NULL;
	*err = vm_irq_line_init(vm, &s->irq, s->place.gsi);
	if (*err) {
		log_error("%s: cannot wire GSI %d: %s", name, s->place.gsi, strerror(-*err));
		return NULL;
	}
	return s;
}

int board_virtio_slot_place(struct virtio_board *b, struct board_slot *s, struct virtio_mmio *vmio)
{
	struct vm *vm = b->board->vm;
	int err;

	s->vmio = vmio;
	b->nslots++; /* owned by the board from here on, for board_virtio_destroy() */
	err = board_register(&vm->mmio, &vmio->dev, s->place.base);
	if (err)
		return err;
	err = slot_add_notify(vm, b, s);
	if (err)
		return err;
	log_debug("%s at %#llx, GSI %d", vmio->dev.name, (unsigned long long)vmio->dev.base,
		  s->place.gsi);
	return 0;
}

void board_virtio_slot_close_all(struct virtio_board *b)
{
	for (unsigned int i = 0; i < b->nslots; i++) {
		struct board_slot *s = &b->slots[i];
		for (unsigned int q = 0; q < s->nnotify; q++) {
			event_loop_remove(b->loop, s->notify[q].fd);
			close(s->notify[q].fd);
		}
		s->nnotify = 0;
	}
}
