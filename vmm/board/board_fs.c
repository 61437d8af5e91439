// SPDX-License-Identifier: MIT
/*
 * One --share on the board (board/board_fs.h).
 *
 * Three watches on the I/O thread: the call eventfds, the vhost-user socket
 * (readable between requests: virtiofsd is gone, the device needs a reset)
 * and virtiofsd's pidfd (it exited: say how, and reap it).
 *
 * Why the call eventfds go through the I/O thread instead of being KVM
 * irqfds: a virtio-mmio driver's interrupt handler reads InterruptStatus
 * and does nothing unless bit 0 ("used buffer") is set (virtio 1.2 section
 * 4.2.3.4; Linux vm_interrupt()). An irqfd would raise the line without
 * that bit, so the guest would ignore it. The I/O thread reads the eventfd,
 * sets the bit under the device lock and pulses the line
 * (virtio_fs_call()); the cost is one thread wake-up per batch the
 * backend completes.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "board/board_fs.h"
#include "kvmini/log.h"

/* I/O thread: the backend used buffers on ring c->q. */
static void call_ready(void *opaque, uint32_t events)
{
	struct board_fs_call *c = opaque;
	uint64_t count;

	(void)events;
	/* Reading resets the counter: several calls become one interrupt. */
	if (read(vhost_user_call_fd(virtio_fs_backend(c->share->fs), c->q), &count,
		 sizeof(count)) != sizeof(count))
		return;
	virtio_fs_call(c->share->fs, c->q);
}

/* I/O thread: the socket is readable, so virtiofsd closed it or misbehaves. */
static void socket_ready(void *opaque, uint32_t events)
{
	struct board_fs *sh = opaque;
	(void)events;
	if (virtio_fs_check_backend(sh->fs))
		return;
	/* A closed socket stays readable: stop watching it, or the loop would spin. */
	event_loop_remove(sh->loop, vhost_user_socket_fd(virtio_fs_backend(sh->fs)));
	sh->socket_watched = false;
}

/*
 * I/O thread: virtiofsd's pidfd is readable, it has exited. Say how. (Its
 * socket may close a little before: a process closes its files before it
 * becomes a zombie, so the socket's watch cannot tell.)
 */
static void proc_ready(void *opaque, uint32_t events)
{
	struct board_fs *sh = opaque;
	char why[96];

	(void)events;
	event_loop_remove(sh->loop, sh->proc.pidfd);
	sh->proc_watched = false;
	if (virtiofsd_exited(&sh->proc, why, sizeof(why)))
		log_error("--share %s,%s: virtiofsd %s", sh->cfg->dir, sh->cfg->tag, why);
}

int board_fs_create(struct board_fs *sh, const struct share_config *cfg,
		    const struct guest_mem *mem, struct irq_line *irq)
{
	struct vhost_user *vu;
	int sock, err;

	memset(sh, 0, sizeof(*sh));
	sh->cfg = cfg;
	sh->proc.pidfd = -1;
	if ((err = virtiofsd_start(&sh->proc, cfg, &sock)))
		return err;
	/* Owns sock from here on. */
	snprintf(sh->name, sizeof(sh->name), "virtiofsd for --share %s", cfg->tag);
	err = vhost_user_open(&vu, sock, sh->name, VIRTIO_FS_NUM_QUEUES);
	if (err) {
		char why[96];
		/* Its socket closes a moment before it can be reaped: wait that moment. */
		struct pollfd p = {.fd = sh->proc.pidfd, .events = POLLIN};
		poll(&p, 1, 500);
		if (virtiofsd_exited(&sh->proc, why, sizeof(why)))
			log_error("--share %s,%s: virtiofsd %s before answering (its messages are "
				  "above)",
				  cfg->dir, cfg->tag, why);
		else
			log_error("--share %s,%s: virtiofsd does not speak vhost-user: %s",
				  cfg->dir, cfg->tag, strerror(-err));
		return err;
	}
	/* virtio_fs_create() owns vu from here on, also on failure. */
	err = virtio_fs_create(&sh->fs, cfg->tag, vu, mem, irq);
	if (err == -ENOTSUP)
		log_error("--share %s,%s: virtiofsd lacks VERSION_1 or INDIRECT_DESC", cfg->dir,
			  cfg->tag);
	else if (err)
		log_error("--share %s,%s: cannot create the device: %s", cfg->dir, cfg->tag,
			  strerror(-err));
	return err;
}

int board_fs_watch(struct board_fs *sh, struct event_loop *loop)
{
	struct vhost_user *vu = virtio_fs_backend(sh->fs);
	int err;

	sh->loop = loop;
	for (unsigned int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
		sh->calls[q] = (struct board_fs_call){sh, q};
		err = event_loop_add(loop, vhost_user_call_fd(vu, q), EPOLLIN, call_ready,
				     &sh->calls[q]);
		if (err)
			goto fail;
		sh->ncalls_watched++;
	}
	err = event_loop_add(loop, vhost_user_socket_fd(vu), EPOLLIN, socket_ready, sh);
	if (err)
		goto fail;
	sh->socket_watched = true;
	err = event_loop_add(loop, sh->proc.pidfd, EPOLLIN, proc_ready, sh);
	if (err)
		goto fail;
	sh->proc_watched = true;
	return 0;
fail:
	log_error("--share %s: cannot watch virtiofsd: %s", sh->cfg->tag, strerror(-err));
	board_fs_unwatch(sh);
	return err;
}

void board_fs_unwatch(struct board_fs *sh)
{
	if (!sh->fs)
		return;
	struct vhost_user *vu = virtio_fs_backend(sh->fs);
	for (unsigned int q = 0; q < sh->ncalls_watched; q++)
		event_loop_remove(sh->loop, vhost_user_call_fd(vu, q));
	sh->ncalls_watched = 0;
	if (sh->socket_watched)
		event_loop_remove(sh->loop, vhost_user_socket_fd(vu));
	sh->socket_watched = false;
	if (sh->proc_watched)
		event_loop_remove(sh->loop, sh->proc.pidfd);
	sh->proc_watched = false;
}

void board_fs_destroy(struct board_fs *sh)
{
	board_fs_unwatch(sh);
	/* Rings back, then virtiofsd stopped, then its socket closed: a quiet exit for it. */
	virtio_fs_stop(sh->fs);
	virtiofsd_stop(&sh->proc);
	virtio_fs_destroy(sh->fs);
	sh->fs = NULL;
}
