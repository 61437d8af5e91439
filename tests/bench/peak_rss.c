// SPDX-License-Identifier: MIT
/*
 * peak_rss: run a command and report the peak RSS that getrusage() gives
 * for it (ru_maxrss of the command and every descendant it waited for: the
 * largest single process, not a sum).
 *
 * Usage: peak_rss OUTFILE COMMAND [ARG...]
 *   Writes "maxrss_kb=N status=S" to OUTFILE after the command exits, and
 *   exits with the command's status (128 + signal if it was killed).
 *
 * Why a helper: Linux keeps the largest RSS a process ever had across
 * execve() (fs/exec.c records the old mm's high-water mark in
 * signal->maxrss), and a child forked or vforked by a big program starts
 * with that program's memory. A command started directly by kvmini-bench
 * (a Python process of ~20 MiB) would therefore never report less than
 * ~20 MiB. This helper is small, and forks the command from itself, so the
 * command's ru_maxrss starts from this helper's few hundred KiB.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage usage;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: peak_rss OUTFILE COMMAND [ARG...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("peak_rss: fork");
		return 125;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		fprintf(stderr, "peak_rss: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &usage) < 0) {
		if (errno != EINTR) {
			perror("peak_rss: wait4");
			return 125;
		}
	}
	int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	FILE *out = fopen(argv[1], "w");
	if (!out || fprintf(out, "maxrss_kb=%ld status=%d\n", usage.ru_maxrss, code) < 0 ||
	    fclose(out) != 0) {
		perror("peak_rss: writing the result");
		return 125;
	}
	return code;
}
