// SPDX-License-Identifier: MIT
/*
 * control_fake_vm: the real control server (vmm/host/control_server.c) on
 * the real event loop, answering with fake ops instead of a VM, so that
 * `kvmini ctl` and `kvmini list` are tested end to end without /dev/kvm
 * (tests/integration/control.sh).
 *
 * Usage: control_fake_vm PATH [NAME]
 * Listens on PATH (refused like kvmini run: a live socket there, or a file
 * that is not a socket) and prints "ready" once it does. A fake with 2
 * vCPUs and 64 MiB, whose state pause and resume change. stop exits 0, kill
 * exits KVMINI_STATUS_KILLED, both after the reply went out, and the socket
 * is removed on the way out; SIGTERM ends it too. snapshot answers as
 * kvmini does today: not built in.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "errbuf.h"
#include "host/control_server.h"
#include "host/event_loop.h"

struct fake_vm {
	struct event_loop loop;
	const char *name;
	bool paused;
	int status; /* the exit status once stopped */
	unsigned long long requests;
	struct timespec start;
};

static int fake_status(void *opaque, struct json_object *reply, char *err, size_t errlen)
{
	struct fake_vm *f = opaque;
	struct timespec now;
	struct json_object *devices = json_object_new_array();
	struct json_object *uart = json_object_new_object();
	struct json_object *exits = json_object_new_object();

	(void)err;
	(void)errlen;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (now.tv_sec - f->start.tv_sec) * 1000LL +
		       (now.tv_nsec - f->start.tv_nsec) / 1000000;
	json_object_object_add(uart, "name", json_object_new_string("serial"));
	json_object_object_add(uart, "space", json_object_new_string("pio"));
	json_object_object_add(uart, "base", json_object_new_string("0x3f8"));
	json_object_object_add(uart, "size", json_object_new_int(8));
	json_object_array_add(devices, uart);
	json_object_object_add(exits, "io", json_object_new_int64((int64_t)++f->requests));
	if (f->name)
		json_object_object_add(reply, "name", json_object_new_string(f->name));
	json_object_object_add(reply, "pid", json_object_new_int(getpid()));
	json_object_object_add(reply, "state",
			       json_object_new_string(f->paused ? "paused" : "running"));
	json_object_object_add(reply, "vcpus", json_object_new_int(2));
	json_object_object_add(reply, "memory_bytes", json_object_new_int64(64 << 20));
	json_object_object_add(reply, "uptime_ms", json_object_new_int64(ms));
	json_object_object_add(reply, "devices", devices);
	json_object_object_add(reply, "exits", exits);
	return 0;
}

static int fake_pause(void *opaque, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	((struct fake_vm *)opaque)->paused = true;
	return 0;
}

static int fake_resume(void *opaque, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	((struct fake_vm *)opaque)->paused = false;
	return 0;
}

static int fake_snapshot(void *opaque, const char *dir, char *err, size_t errlen)
{
	(void)opaque;
	(void)dir;
	return errbuf_set(err, errlen, -ENOTSUP, "snapshot support is not built in");
}

static int end(struct fake_vm *f, int status)
{
	f->status = status;
	event_loop_stop(&f->loop);
	return 0;
}

static int fake_stop(void *opaque, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return end(opaque, KVMINI_STATUS_OK);
}

static int fake_kill(void *opaque, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return end(opaque, KVMINI_STATUS_KILLED);
}

static const struct control_ops fake_ops = {
	.status = fake_status,
	.pause = fake_pause,
	.resume = fake_resume,
	.snapshot = fake_snapshot,
	.stop = fake_stop,
	.kill = fake_kill,
};

static void on_signal(void *opaque, uint32_t events)
{
	(void)events;
	end(opaque, KVMINI_STATUS_SIGNAL);
}

int main(int argc, char **argv)
{
	struct fake_vm f = {.name = argc > 2 ? argv[2] : NULL};
	struct control_server srv;
	char err[512];
	sigset_t set;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: control_fake_vm PATH [NAME]\n");
		return KVMINI_STATUS_SETUP_ERROR;
	}
	clock_gettime(CLOCK_MONOTONIC, &f.start);
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
	if (sfd < 0 || event_loop_init(&f.loop) ||
	    event_loop_add(&f.loop, sfd, EPOLLIN, on_signal, &f) ||
	    control_server_start(&srv, &f.loop, &fake_ops, &f)) {
		fprintf(stderr, "control_fake_vm: cannot set up: %s\n", strerror(errno));
		control_server_close(&srv);
		return KVMINI_STATUS_SETUP_ERROR;
	}
	printf("ready\n");
	fflush(stdout);
	event_loop_run(&f.loop);
	control_server_close(&srv);
	event_loop_destroy(&f.loop);
	return f.status;
}
