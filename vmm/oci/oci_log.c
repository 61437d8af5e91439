// SPDX-License-Identifier: MIT
/* `kvmini oci` messages: stderr and runc's --log/--log-format file. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oci/oci_log.h"

static struct {
	int fd; /* --log FILE, -1: none */
	bool json, debug;
} oci_log_cfg = {.fd = -1};

int oci_log_setup(const char *path, bool json, bool debug)
{
	oci_log_cfg.json = json;
	oci_log_cfg.debug = debug;
	if (!path)
		return 0;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return -errno;
	oci_log_cfg.fd = fd;
	return 0;
}

/* One line in the log file, in runc's (logrus's) format. */
static void write_file_line(enum log_level level, const char *msg)
{
	static const char *const names[] = {[LOG_ERROR] = "error",
					    [LOG_WARN] = "warning",
					    [LOG_INFO] = "info",
					    [LOG_DEBUG] = "debug"};
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	json_object *line = json_object_new_object();

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if (!line)
		return;
	json_object_object_add(line, "level", json_object_new_string(names[level]));
	json_object_object_add(line, "msg", json_object_new_string(msg));
	json_object_object_add(line, "time", json_object_new_string(when));
	if (oci_log_cfg.json) {
		dprintf(oci_log_cfg.fd, "%s\n",
			json_object_to_json_string_ext(
				line, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		/* logrus quotes msg as a Go string: the JSON escape of it is the same text. */
		json_object *m = json_object_object_get(line, "msg");
		dprintf(oci_log_cfg.fd, "time=\"%s\" level=%s msg=%s\n", when, names[level],
			json_object_to_json_string_ext(m, JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(line);
}

void oci_log(enum log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level == LOG_DEBUG && !oci_log_cfg.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (oci_log_cfg.fd >= 0)
		write_file_line(level, msg);
	if (level == LOG_ERROR)
		fprintf(stderr, "kvmini: %s\n", msg);
	else if (oci_log_cfg.fd < 0)
		fprintf(stderr, "kvmini: %s%s\n", level == LOG_WARN ? "warning: " : "", msg);
}
