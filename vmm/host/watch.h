/* SPDX-License-Identifier: MIT */
/*
 * Ways a run ends from the outside: SIGINT/SIGTERM/SIGHUP (a clean stop with
 * status KVMINI_STATUS_SIGNAL) and the --timeout watchdog (status
 * KVMINI_STATUS_TIMEOUT). Both arrive on the I/O thread's event loop.
 */
#ifndef KVMINI_WATCH_H
#define KVMINI_WATCH_H

struct vm;

/*
 * Block SIGINT, SIGTERM and SIGHUP in this thread (and so in every thread
 * started later) and take them through a signalfd instead. Call before any
 * thread is created. 0 or -errno.
 */
int watch_signals(struct vm *vm);

/* Stop the run after seconds (0: never). 0 or -errno. */
int watch_timeout(struct vm *vm, unsigned int seconds);

/* Which signal or watchdog stopped the run, for the final message; NULL if neither. */
const char *watch_stop_reason(void);

#endif /* KVMINI_WATCH_H */
