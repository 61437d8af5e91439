// SPDX-License-Identifier: MIT
/*
 * The board's virtio-mmio devices. This is the only place that knows both
 * the device models (devices/virtio/virtio_*.c) and KVM: it takes each
 * device's address and GSI from the board's device manager
 * (board/resources.h), wires its interrupt line (irqfd), and turns guest
 * writes to QueueNotify into eventfd events on the I/O thread (ioeventfd), so
 * that a virtqueue kick costs the vCPU no exit to user space. Each event
 * serves a bounded batch (VIRTIO_MMIO_BUDGET chains); a queue with more
 * re-signals its own eventfd and waits for its next turn in the event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/board_fs.h"
#include "board/board_virtio.h"
#include "host/chardev_io.h"
#include "kvmini/chardev.h"
#include "kvmini/disk.h"
#include "kvmini/log.h"
#include "kvmini/virtio_blk.h"
#include "kvmini/virtio_console.h"
#include "kvmini/net_backend.h"
#include "kvmini/virtio_mmio.h"
#include "kvmini/virtio_net.h"
#include "kvmini/virtio_rng.h"
#include "kvmini/virtio_vsock.h"

#define MAX_SLOTS KVMINI_VIRTIO_MMIO_MAX

/*
 * One queue's notification eventfd: an ioeventfd KVM signals when the guest
 * writes q to QueueNotify, or (without ioeventfd support) a plain eventfd
 * that only the monitor signals, to continue a queue served in part.
 */
struct notify_fd {
	struct virtio_mmio *vmio;
	unsigned int q;
	int fd;
};

struct board_slot {
	struct virtio_slot place; /* address and GSI, from the board's device manager */
	struct virtio_mmio *vmio;
	struct irq_line irq;
	struct notify_fd notify[VIRTIO_MMIO_MAX_QUEUES];
	unsigned int nnotify;
};

struct virtio_board {
	struct board *board;
	struct event_loop *loop;
	struct board_slot slots[MAX_SLOTS];
	unsigned int nslots;
	struct virtio_blk *disks[CONFIG_MAX_DISKS];
	uint64_t disk_sizes[CONFIG_MAX_DISKS]; /* bytes, as opened: for a snapshot's manifest */
	unsigned int ndisks;
	char serials[CONFIG_MAX_DISKS][VIRTIO_BLK_ID_BYTES + 1];
	struct virtio_console *console;
	int console_fd;		      /* opened for --console file:PATH, else -1 */
	struct chardev console_file;  /* its output sink (on stdio: board_console_out()) */
	struct chardev_io console_io; /* which the I/O thread flushes */
	struct virtio_rng *rng;
	struct virtio_net *nics[CONFIG_MAX_NICS];
	unsigned int nnics;
	unsigned int nnet_watched; /* nics whose two fds are in the event loop */
	struct virtio_vsock *vsock;
	bool vsock_watched; /* its two fds are in the event loop */
	struct board_fs shares[CONFIG_MAX_SHARES];
	unsigned int nshares; /* shares[] entries to destroy */
};

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

/*
 * Take the next virtio-mmio slot from the board's device manager and wire its
 * interrupt line; the device is then created with &slot->irq as its line and
 * placed with slot_place().
 */
static struct board_slot *slot_next(struct virtio_board *b, const char *name, int *err)
{
	struct board_slot *s = &b->slots[b->nslots];
	struct vm *vm = b->board->vm;

	/* The manager refuses a ninth slot, so b->slots (MAX_SLOTS) cannot overflow. */
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

static int slot_place(struct virtio_board *b, struct board_slot *s, struct virtio_mmio *vmio)
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

static int add_disk(struct vm *vm, struct virtio_board *b, const struct disk_config *disk)
{
	int err;
	struct board_slot *s = slot_next(b, "virtio-blk", &err);
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
	return slot_place(b, s, virtio_blk_mmio(b->disks[i]));
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
	int err;
	struct board_slot *s = slot_next(b, "virtio-console", &err);
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
	return slot_place(b, s, virtio_console_mmio(b->console));
}

static int add_rng(struct vm *vm, struct virtio_board *b)
{
	int err;
	struct board_slot *s = slot_next(b, "virtio-rng", &err);

	if (!s)
		return err;
	err = virtio_rng_create(&b->rng, &vm->mem, &s->irq);
	if (err)
		return err;
	return slot_place(b, s, virtio_rng_mmio(b->rng));
}

/* I/O thread: a NIC's backend fd or work fd is ready (virtio_net.h says which events). */
static void net_ready(void *opaque, uint32_t events)
{
	(void)events;
	virtio_net_poll(opaque);
}

/* The backend --net n asks for. 0 and *be, or -errno with a message naming --net. */
static int open_net_backend(const struct net_config *n, struct net_backend **be)
{
	int err;

	switch (n->kind) {
	case NET_SOCKET:
		/* The board owns the inherited fd from here on (closed with the backend). */
		err = net_socket_open(be, n->fd);
		if (err)
			log_error("cannot use --net socket,fd=%d: %s", n->fd, strerror(-err));
		return err;
	case NET_TAP:
		err = net_tap_open(be, n->ifname[0] ? n->ifname : NULL, NULL);
		if (err == -ENOENT)
			log_error("cannot use --net tap: /dev/net/tun is missing");
		else if (err == -EPERM || err == -EACCES)
			log_error("cannot use --net tap: needs CAP_NET_ADMIN (root)");
		else if (err)
			log_error("cannot use --net tap: %s", strerror(-err));
		return err;
	case NET_USER:
		err = net_slirp_open(be, n->hostfwd, n->nhostfwd);
		if (err == -ENOTSUP)
			log_error("cannot use --net user: this kvmini was built without libslirp");
		else if (err)
			log_error("cannot use --net user: %s", strerror(-err));
		return err;
	}
	return -EINVAL;
}

/*
 * A virtio-net device (virtio 1.2 section 5.1) on the backend n asks for.
 * Its queues get ioeventfds like every device's (slot_place); on top, the
 * I/O thread watches the backend's fd, edge-triggered as virtio_net.h
 * requires (level-triggered, the loop would spin while the guest posts no
 * receive buffers), and the device's work fd, which it signals when a pass
 * stopped at its budget.
 */
static int add_net(struct vm *vm, struct virtio_board *b, const struct net_config *n)
{
	int err;
	struct board_slot *s = slot_next(b, "virtio-net", &err);
	struct net_backend *be;

	if (!s)
		return err;
	if ((err = open_net_backend(n, &be)))
		return err;
	/* virtio_net_create() owns be from here on, also on failure. */
	err = virtio_net_create(&b->nics[b->nnics], be, n->mac, &vm->mem, &s->irq);
	if (err)
		return err;
	struct virtio_net *net = b->nics[b->nnics++];
	if ((err = slot_place(b, s, virtio_net_mmio(net))))
		return err;
	err = event_loop_add(b->loop, virtio_net_backend_fd(net), EPOLLIN | EPOLLOUT | EPOLLET,
			     net_ready, net);
	if (err)
		return err;
	err = event_loop_add(b->loop, virtio_net_work_fd(net), EPOLLIN, net_ready, net);
	if (err) {
		event_loop_remove(b->loop, virtio_net_backend_fd(net));
		return err;
	}
	b->nnet_watched++;
	return 0;
}

/* Stop serving NIC fds on the I/O thread (the devices themselves stay). */
static void unwatch_nics(struct virtio_board *b)
{
	for (unsigned int i = 0; i < b->nnet_watched; i++) {
		event_loop_remove(b->loop, virtio_net_backend_fd(b->nics[i]));
		event_loop_remove(b->loop, virtio_net_work_fd(b->nics[i]));
	}
	b->nnet_watched = 0;
}

/* I/O thread: the vsock backend's epoll set or its work fd is readable. */
static void vsock_ready(void *opaque, uint32_t events)
{
	(void)events;
	virtio_vsock_poll(opaque);
}

/*
 * --vsock CID,PATH: a virtio-vsock device (virtio 1.2 section 5.10) whose
 * host side listens on the Unix socket PATH. Its three queues get
 * ioeventfds like every device's (slot_place); on top, the I/O thread
 * watches the backend's epoll set and the device's work fd, both
 * level-triggered EPOLLIN as virtio_vsock.h asks: the set itself holds the
 * host sockets edge-triggered, and virtio_vsock_poll() takes its pending
 * events off, so the set's fd stays readable only while there is news.
 */
static int add_vsock(struct vm *vm, struct virtio_board *b, const struct vm_config *cfg)
{
	int err;
	struct board_slot *s = slot_next(b, "virtio-vsock", &err);

	if (!s)
		return err;
	err = virtio_vsock_create(&b->vsock, cfg->vsock_cid, cfg->vsock_path, &vm->mem, &s->irq);
	if (err) {
		log_error("cannot use --vsock %u,%s: %s", cfg->vsock_cid, cfg->vsock_path,
			  strerror(-err));
		return err;
	}
	if ((err = slot_place(b, s, virtio_vsock_mmio(b->vsock))))
		return err;
	err = event_loop_add(b->loop, virtio_vsock_backend_fd(b->vsock), EPOLLIN, vsock_ready,
			     b->vsock);
	if (err)
		return err;
	err = event_loop_add(b->loop, virtio_vsock_work_fd(b->vsock), EPOLLIN, vsock_ready,
			     b->vsock);
	if (err) {
		event_loop_remove(b->loop, virtio_vsock_backend_fd(b->vsock));
		return err;
	}
	b->vsock_watched = true;
	return 0;
}

/* Stop serving the vsock device's fds on the I/O thread (the device itself stays). */
static void unwatch_vsock(struct virtio_board *b)
{
	if (!b->vsock_watched)
		return;
	event_loop_remove(b->loop, virtio_vsock_backend_fd(b->vsock));
	event_loop_remove(b->loop, virtio_vsock_work_fd(b->vsock));
	b->vsock_watched = false;
}

/*
 * --share HOSTDIR,TAG[,ro]: virtiofsd and a virtio-fs device on it
 * (board/board_fs.c). Its queues get ioeventfds like every device's
 * (slot_place), but the I/O thread does not serve them: each becomes its
 * ring's kick eventfd for virtiofsd, so a guest's QueueNotify write reaches
 * virtiofsd from KVM directly. Without ioeventfd support the same fd is a
 * plain eventfd that the MMIO exit path writes (fs_queue_notify).
 */
static int add_share(struct vm *vm, struct virtio_board *b, const struct share_config *share)
{
	int err;
	struct board_slot *s = slot_next(b, "virtio-fs", &err);
	struct board_fs *sh = &b->shares[b->nshares];

	if (!s)
		return err;
	b->nshares++; /* board_fs_destroy() is safe on a failed create */
	if ((err = board_fs_create(sh, share, &vm->mem, &s->irq)) ||
	    (err = slot_place(b, s, virtio_fs_mmio(sh->fs))))
		return err;
	for (unsigned int q = 0; q < s->nnotify; q++) {
		event_loop_remove(b->loop, s->notify[q].fd);
		err = vhost_user_set_kick_fd(virtio_fs_backend(sh->fs), q, s->notify[q].fd);
		if (err) {
			log_error("--share %s: cannot pass on queue %u's kicks: %s", share->tag, q,
				  strerror(-err));
			return err;
		}
	}
	return board_fs_watch(sh, b->loop);
}

int board_virtio_setup(struct board *board, const struct vm_config *cfg)
{
	struct virtio_board *b = calloc(1, sizeof(*b));
	struct vm *vm = board->vm;
	int err = 0;

	if (!b)
		return -ENOMEM;
	b->board = board;
	b->loop = &vm->loop;
	b->console_fd = -1;
	board->virtio = b;
	for (unsigned int i = 0; i < cfg->ndisks && !err; i++)
		err = add_disk(vm, b, &cfg->disks[i]);
	if (!err && cfg->console != CONSOLE_NONE)
		err = add_console(vm, b, cfg);
	if (!err && cfg->rng)
		err = add_rng(vm, b);
	/* NICs last: the devices above keep their addresses when --net is added. */
	for (unsigned int i = 0; i < cfg->nnics && !err; i++)
		err = add_net(vm, b, &cfg->nics[i]);
	/* The vsock device after the NICs, for the same reason. */
	if (!err && cfg->vsock_path)
		err = add_vsock(vm, b, cfg);
	/* Shares after the vsock device, for the same reason. */
	for (unsigned int i = 0; i < cfg->nshares && !err; i++)
		err = add_share(vm, b, &cfg->shares[i]);
	if (err) {
		for (unsigned int i = 0; i < b->nshares; i++)
			board_fs_unwatch(&b->shares[i]);
		unwatch_vsock(b);
		unwatch_nics(b);
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

void board_virtio_flush(struct board *board)
{
	struct virtio_board *b = board->virtio;

	if (!b)
		return;
	for (unsigned int i = 0; i < b->ndisks; i++)
		virtio_blk_flush(b->disks[i]);
}

void board_virtio_destroy(struct board *board)
{
	struct virtio_board *b = board->virtio;

	if (!b)
		return;
	for (unsigned int i = 0; i < b->nslots; i++) {
		struct board_slot *s = &b->slots[i];
		for (unsigned int q = 0; q < s->nnotify; q++) {
			event_loop_remove(b->loop, s->notify[q].fd);
			close(s->notify[q].fd);
		}
	}
	unwatch_vsock(b);
	unwatch_nics(b);
	/* virtiofsd is stopped and reaped here, on every way out of a run that got this far. */
	for (unsigned int i = 0; i < b->nshares; i++)
		board_fs_destroy(&b->shares[i]);
	for (unsigned int i = 0; i < b->nnics; i++)
		virtio_net_destroy(b->nics[i]);
	virtio_vsock_destroy(b->vsock); /* closes its sockets and removes PATH */
	for (unsigned int i = 0; i < b->ndisks; i++)
		virtio_blk_destroy(b->disks[i]);
	virtio_console_destroy(b->console);
	virtio_rng_destroy(b->rng);
	chardev_io_detach(&b->console_io); /* flushes, bounded, before the close */
	if (b->console_fd >= 0)
		close(b->console_fd);
	free(b);
	board->virtio = NULL;
}

int board_virtio_cmdline(const struct board *b, char *buf, size_t size)
{
	size_t len = strnlen(buf, size);
	size_t start = len;

	if (len >= size)
		return -ENOSPC;
	for (unsigned int i = 0; i < b->res.nvirtio; i++) {
		const struct virtio_slot *s = &b->res.virtio[i];
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
	struct board *board = opaque;
	struct virtio_board *b = board->virtio;

	if (!b || !b->console)
		return 0;
	return virtio_console_receive(b->console, buf, len);
}

/*
 * The devices in slot order (board_virtio.h). NICs have no device state (no
 * virtio_net_save) and shares keep theirs in virtiofsd: both are refused.
 */
int board_virtio_save(struct board *board, struct state_writer *w)
{
	struct virtio_board *b = board->virtio;
	int ret = 0;

	if (!b)
		return 0;
	if (b->nnics) {
		log_error("a VM with --net cannot be snapshotted: virtio-net has no device state "
			  "yet");
		return -ENOTSUP;
	}
	if (b->nshares) {
		log_error("a VM with --share cannot be snapshotted: its virtio-fs queues live in "
			  "virtiofsd");
		return -ENOTSUP;
	}
	for (unsigned int i = 0; i < b->ndisks && !ret; i++)
		ret = virtio_blk_save(b->disks[i], w);
	if (!ret && b->console)
		ret = virtio_console_save(b->console, w);
	if (!ret && b->rng)
		ret = virtio_rng_save(b->rng, w);
	if (!ret && b->vsock)
		ret = virtio_vsock_save(b->vsock, w);
	return ret;
}

int board_virtio_load(struct board *board, struct state_reader *r)
{
	struct virtio_board *b = board->virtio;
	int ret = 0;

	if (!b)
		return 0;
	for (unsigned int i = 0; i < b->ndisks && !ret; i++)
		ret = virtio_blk_load(b->disks[i], r);
	if (!ret && b->console)
		ret = virtio_console_load(b->console, r);
	if (!ret && b->rng)
		ret = virtio_rng_load(b->rng, r);
	if (!ret && b->vsock)
		ret = virtio_vsock_load(b->vsock, r);
	return ret;
}

void board_virtio_serve_all(struct board *board)
{
	struct virtio_board *b = board->virtio;

	if (!b)
		return;
	for (unsigned int i = 0; i < b->nslots; i++) {
		struct board_slot *s = &b->slots[i];
		for (unsigned int q = 0; q < s->nnotify; q++) {
			/* Bounded: a queue the guest cannot refill (vCPUs paused) empties. */
			for (int pass = 0; pass < 1024 && virtio_mmio_kick(s->vmio, q); pass++)
				;
		}
	}
	board_virtio_flush(board);
}

uint64_t board_virtio_disk_size(const struct board *b, unsigned int i)
{
	const struct virtio_board *v = b->virtio;

	return v && i < v->ndisks ? v->disk_sizes[i] : 0;
}
