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

const char *watch_stop_reason(const struct watch *w)
{
	return w->stop_reason[0] ? w->stop_reason : NULL;
}

static void on_signal(void *opaque, uint32_t events)
{
	struct watch_fd *wf = opaque;
	struct watch *w = wf->watch;
	struct signalfd_siginfo si;

	(void)events;
	if (read(wf->fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (!vm_stopping(w->vm)) {
		const char *abbrev = sigabbrev_np((int)si.ssi_signo); /* "INT" for SIGINT */
		snprintf(w->stop_reason, sizeof(w->stop_reason), "stopped by SIG%s",
			 abbrev ? abbrev : "?");
	}
	vm_request_stop(w->vm, KVMINI_STATUS_SIGNAL);
}

int watch_signals(struct watch *w, struct vm *vm)
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
	w->vm = vm;
	w->signals.watch = w;
	w->signals.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (w->signals.fd < 0)
		return -errno;
	return event_loop_add(&vm->loop, w->signals.fd, EPOLLIN, on_signal, &w->signals);
}

static void on_timeout(void *opaque, uint32_t events)
{
	struct watch *w = ((struct watch_fd *)opaque)->watch;

	(void)events;
	if (!vm_stopping(w->vm))
		snprintf(w->stop_reason, sizeof(w->stop_reason),
			 "stopped by the --timeout watchdog");
	vm_request_stop(w->vm, KVMINI_STATUS_TIMEOUT);
}

int watch_timeout(struct watch *w, unsigned int seconds)
{
	if (seconds == 0)
		return 0;
	w->timeout.watch = w;
	w->timeout.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (w->timeout.fd < 0)
		return -errno;
	struct itimerspec t = {.it_value = {.tv_sec = seconds}};
	if (timerfd_settime(w->timeout.fd, 0, &t, NULL) < 0)
		return -errno;
	return event_loop_add(&w->vm->loop, w->timeout.fd, EPOLLIN, on_timeout, &w->timeout);
}
