// SPDX-License-Identifier: MIT
/* Installing the monitor's filter in a probe (probe_filter.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/seccomp.h"
#include "probe_filter.h"

/*
 * The "Seccomp:" mode in /proc/self/status (2: a filter), read through a
 * descriptor opened before the filter (opening files is forbidden after).
 */
static int filter_mode(int status_fd)
{
	char buf[4096];
	ssize_t n = read(status_fd, buf, sizeof(buf) - 1); /* once: the offset is 0 */
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *line = strstr(buf, "\nSeccomp:");
	return line ? atoi(line + strlen("\nSeccomp:")) : -1;
}

int probe_filter_install(unsigned int extras, const char *what)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	printf("seccomp_probe: installing the filter%s\n", what);
	if (seccomp_install(extras))
		return 1;
	int mode = filter_mode(status_fd);
	if (mode == 0) {
		printf("SKIP: seccomp_install() installed no filter (a sanitizer build)\n");
		exit(77);
	}
	if (mode != 2) {
		printf("seccomp_probe: FAILED: Seccomp mode %d after seccomp_install()\n", mode);
		exit(1);
	}
	close(status_fd);
	return 0;
}
