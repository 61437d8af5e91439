// SPDX-License-Identifier: MIT
/* Monitor messages: stderr, "kvmini: " prefix, one level threshold. */
#include <stdarg.h>
#include <stdio.h>

#include "kvmini/log.h"

static enum log_level threshold = LOG_WARN;

void log_set_level(enum log_level level)
{
	threshold = level;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[LOG_ERROR] = "",
		[LOG_WARN] = "warning: ",
		[LOG_INFO] = "",
		[LOG_DEBUG] = "debug: ",
	};
	char line[1024];

	if (level > threshold)
		return;
	/* One write per message, so messages from several threads do not interleave. */
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	fprintf(stderr, "kvmini: %s%s\n", prefix[level], line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_once(bool *printed, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(printed, true, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
