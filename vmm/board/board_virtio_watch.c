// SPDX-License-Identifier: MIT
/*
 * virtio-net, virtio-vsock and virtio-fs on the board: besides their queues'
 * ioeventfds (board_virtio_slot.c), the I/O thread watches each one's host
 * side, the fds board_virtio_watch_remove_all() takes out again.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "board/board_virtio_watch.h"
#include "kvm/vm.h"
#include "kvmini/log.h"
#include "kvmini/net_backend.h"
#include "kvmini/virtio_net.h"
#include "kvmini/virtio_vsock.h"

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
 * Its queues get ioeventfds like every device's; on top, the I/O thread
 * watches the backend's fd, edge-triggered as virtio_net.h requires
 * (level-triggered, the loop would spin while the guest posts no receive
 * buffers), and the device's work fd, which it signals when a pass stopped
 * at its budget.
 */
int board_virtio_watch_add_net(struct virtio_board *b, const struct net_config *n)
{
	struct vm *vm = b->board->vm;
	int err;
	struct board_slot *s = board_virtio_slot_next(b, "virtio-net", &err);
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
	if ((err = board_virtio_slot_place(b, s, virtio_net_mmio(net))))
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

/* I/O thread: the vsock backend's epoll set or its work fd is readable. */
static void vsock_ready(void *opaque, uint32_t events)
{
	(void)events;
	virtio_vsock_poll(opaque);
}

/*
 * Its three queues get ioeventfds like every device's; on top, the I/O
 * thread watches the backend's epoll set and the device's work fd, both
 * level-triggered EPOLLIN as virtio_vsock.h asks: the set itself holds the
 * host sockets edge-triggered, and virtio_vsock_poll() takes its pending
 * events off, so the set's fd stays readable only while there is news.
 */
int board_virtio_watch_add_vsock(struct virtio_board *b, const struct vm_config *cfg)
{
	struct vm *vm = b->board->vm;
	int err;
	struct board_slot *s = board_virtio_slot_next(b, "virtio-vsock", &err);

	if (!s)
		return err;
	err = virtio_vsock_create(&b->vsock, cfg->vsock_cid, cfg->vsock_path, &vm->mem, &s->irq);
	if (err) {
		log_error("cannot use --vsock %u,%s: %s", cfg->vsock_cid, cfg->vsock_path,
			  strerror(-err));
		return err;
	}
	if ((err = board_virtio_slot_place(b, s, virtio_vsock_mmio(b->vsock))))
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

/*
 * --share HOSTDIR,TAG[,ro]. Its queues get ioeventfds like every device's,
 * but the I/O thread does not serve them: each becomes its ring's kick
 * eventfd for virtiofsd, so a guest's QueueNotify write reaches virtiofsd
 * from KVM directly. Without ioeventfd support the same fd is a plain
 * eventfd that the MMIO exit path writes (fs_queue_notify).
 */
int board_virtio_watch_add_share(struct virtio_board *b, const struct share_config *share)
{
	struct vm *vm = b->board->vm;
	int err;
	struct board_slot *s = board_virtio_slot_next(b, "virtio-fs", &err);
	struct board_fs *sh = &b->shares[b->nshares];

	if (!s)
		return err;
	b->nshares++; /* board_fs_destroy() is safe on a failed create */
	if ((err = board_fs_create(sh, share, &vm->mem, &s->irq)) ||
	    (err = board_virtio_slot_place(b, s, virtio_fs_mmio(sh->fs))))
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

void board_virtio_watch_remove_all(struct virtio_board *b)
{
	for (unsigned int i = 0; i < b->nshares; i++)
		board_fs_unwatch(&b->shares[i]);
	if (b->vsock_watched) {
		event_loop_remove(b->loop, virtio_vsock_backend_fd(b->vsock));
		event_loop_remove(b->loop, virtio_vsock_work_fd(b->vsock));
		b->vsock_watched = false;
	}
	for (unsigned int i = 0; i < b->nnet_watched; i++) {
		event_loop_remove(b->loop, virtio_net_backend_fd(b->nics[i]));
		event_loop_remove(b->loop, virtio_net_work_fd(b->nics[i]));
	}
	b->nnet_watched = 0;
}
