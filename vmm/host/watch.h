/* SPDX-License-Identifier: MIT */
/*
 * Ways a run ends from the outside: SIGINT/SIGTERM/SIGHUP (a clean stop with
 * status KVMINI_STATUS_SIGNAL) and the --timeout watchdog (status
 * KVMINI_STATUS_TIMEOUT). Both arrive on the I/O thread's event loop.
 */
#ifndef KVMINI_WATCH_H
#define KVMINI_WATCH_H

struct vm;

/* One file descriptor the event loop watches, and the run it may stop. */
struct watch_fd {
	struct watch *watch;
	int fd;
};

/* The watches of one run (main.c owns it). Zero-initialise, then call watch_signals(). */
struct watch {
	struct vm *vm;
	struct watch_fd signals; /* signalfd for SIGINT, SIGTERM, SIGHUP */
	struct watch_fd timeout; /* timerfd of --timeout */
	char stop_reason[64];	 /* "" until a signal or the watchdog stops the run */
};

/*
 * Block SIGINT, SIGTERM and SIGHUP in this thread (and so in every thread
 * started later) and take them through a signalfd on vm's event loop
 * instead. Call before any thread is created. 0 or -errno.
 */
int watch_signals(struct watch *w, struct vm *vm);

/* Stop the run after seconds (0: never). Call after watch_signals(). 0 or -errno. */
int watch_timeout(struct watch *w, unsigned int seconds);

/* Which signal or watchdog stopped the run, for the final message; NULL if neither. */
const char *watch_stop_reason(const struct watch *w);

#endif /* KVMINI_WATCH_H */
