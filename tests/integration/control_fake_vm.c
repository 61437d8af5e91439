// SPDX-License-Identifier: MIT
/*
 * control_fake_vm: the real control server (vmm/host/control_server.c) on
 * the real event loop, answering with the fake VM of tests/unit/control_fake.c
 * instead of a VM, so that `kvmini ctl` and `kvmini list` are tested end to
 * end without /dev/kvm (tests/integration/control.sh).
 *
 * Usage: control_fake_vm PATH [NAME]
 * Listens on PATH (refused like kvmini run: a live socket there, or a file
 * that is not a socket) and prints "ready" once it does. stop exits 0, kill
 * exits KVMINI_STATUS_KILLED, both after the reply went out, and SIGTERM or
 * SIGINT exit KVMINI_STATUS_SIGNAL; the socket is removed on every way out.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "control_fake.h"
#include "host/control_server.h"

static void on_signal(void *opaque, uint32_t events)
{
	struct control_fake *f = opaque;

	(void)events;
	f->status = KVMINI_STATUS_SIGNAL;
	event_loop_stop(f->loop);
}

int main(int argc, char **argv)
{
	struct event_loop loop;
	struct control_fake f = {.loop = &loop, .name = argc > 2 ? argv[2] : NULL};
	struct control_server srv;
	char err[512];
	sigset_t set;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: control_fake_vm PATH [NAME]\n");
		return KVMINI_STATUS_SETUP_ERROR;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (control_server_open(&srv, argv[1], err, sizeof(err))) {
		fprintf(stderr, "control_fake_vm: %s\n", err);
		return KVMINI_STATUS_SETUP_ERROR;
	}
	int ret = sfd < 0 ? -1 : event_loop_init(&loop);
	if (!ret)
		ret = event_loop_add(&loop, sfd, EPOLLIN, on_signal, &f);
	if (!ret)
		ret = control_server_start(&srv, &loop, &control_fake_ops, &f);
	if (ret) {
		fprintf(stderr, "control_fake_vm: cannot set up: %s\n",
			strerror(ret < 0 ? -ret : 0));
		control_server_close(&srv);
		return KVMINI_STATUS_SETUP_ERROR;
	}
	printf("ready\n");
	fflush(stdout);
	event_loop_run(&loop);
	control_server_close(&srv);
	event_loop_destroy(&loop);
	return f.status;
}
