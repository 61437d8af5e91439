/* SPDX-License-Identifier: MIT */
/*
 * Messages from the monitor, all on stderr and prefixed "kvmini: ", so that
 * they never mix with the guest's console on stdout.
 */
#ifndef KVMINI_LOG_H
#define KVMINI_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped. Default LOG_WARN. */
void log_set_level(enum log_level level);

/*
 * One line "kvmini: [warning: |debug: ]MESSAGE" on stderr, unless level is
 * above the threshold; the log_error() family calls it.
 */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * A guest can trigger the same complaint millions of times. log_once() prints
 * only the first time its flag is seen clear, then sets it.
 */
void log_once(bool *printed, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* KVMINI_LOG_H */
