// SPDX-License-Identifier: MIT
/* Signals and the watchdog, delivered as file descriptors to the event loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "kvm/vm.h"
#include "host/watch.h"

static char stop_reason[64];

const char *watch_stop_reason(void)
{
	return stop_reason[0] ? stop_reason : NULL;
}

struct watch {
	struct vm *vm;
	int fd;
};
static struct watch signal_watch, timeout_watch;

static void on_signal(void *opaque, uint32_t events)
{
	struct watch *w = opaque;
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (!vm_stopping(w->vm)) {
		const char *abbrev = sigabbrev_np((int)si.ssi_signo); /* "INT" for SIGINT */
		snprintf(stop_reason, sizeof(stop_reason), "stopped by SIG%s",
			 abbrev ? abbrev : "?");
	}
	vm_request_stop(w->vm, KVMINI_STATUS_SIGNAL);
}

int watch_signals(struct vm *vm)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -EINVAL;
	/* A guest console on a closed pipe must not kill us silently: EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	signal_watch.vm = vm;
	signal_watch.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (signal_watch.fd < 0)
		return -errno;
	return event_loop_add(&vm->loop, signal_watch.fd, EPOLLIN, on_signal, &signal_watch);
}

static void on_timeout(void *opaque, uint32_t events)
{
	struct watch *w = opaque;

	(void)events;
	if (!vm_stopping(w->vm))
		snprintf(stop_reason, sizeof(stop_reason), "stopped by the --timeout watchdog");
	vm_request_stop(w->vm, KVMINI_STATUS_TIMEOUT);
}

int watch_timeout(struct vm *vm, unsigned int seconds)
{
	if (seconds == 0)
		return 0;
	timeout_watch.vm = vm;
	timeout_watch.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (timeout_watch.fd < 0)
		return -errno;
	struct itimerspec t = {.it_value = {.tv_sec = seconds}};
	if (timerfd_settime(timeout_watch.fd, 0, &t, NULL) < 0)
		return -errno;
	return event_loop_add(&vm->loop, timeout_watch.fd, EPOLLIN, on_timeout, &timeout_watch);
}
