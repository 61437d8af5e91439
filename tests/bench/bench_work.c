// SPDX-License-Identifier: MIT
/*
 * bench_work: the workloads kvmini-bench runs inside every contender (the
 * host itself, a namespace, a runc container, a VM) to compare steady-state
 * speed and to make noise. Linked statically, so the same bytes run in the
 * busybox root file system, in a guest's initramfs and on the host.
 *
 * Usage (one mode per run; every mode prints one line on stdout):
 *   bench_work cpu KIB REPS      deflate (zlib level 6) a KIB KiB text buffer
 *                                REPS times: a CPU-bound kernel
 *   bench_work syscall N         N getpid() system calls (the raw call, not
 *                                a cached value): system-call bound
 *   bench_work file DIR MIB      write MIB MiB to DIR in 64 KiB writes,
 *                                fsync, read them back, unlink: file I/O
 *   bench_work probe MS          for MS ms, sleep 1 ms at a time and record
 *                                how late each wake-up is: the noisy-neighbour
 *                                probe (a cyclictest in miniature)
 *   bench_work memhog MIB SECS   touch MIB MiB again and again for SECS s
 *   bench_work forkbomb MAX SECS fork until fork() fails or MAX children
 *                                live; every child dies after SECS s
 * The timed modes print "KVMINI-WORK mode=M ns=N cpu_ns=C ..." with the time
 * of the work alone (CLOCK_MONOTONIC around it), so the start-up of the
 * contender is not in it, and the CPU time it took (user + system). Exit status 0, or 2 for bad
 * usage, 1 if the work failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK	  (64 * 1024)
#define PROBE_MAX 100000

/* CPU time (user + system) of this process so far: what the work cost the
 * CPU, whatever else the machine runs (wall time grows with its load). */
static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Text-like bytes from a fixed seed: compressible, the same in every run. */
static void fill_text(unsigned char *buf, size_t len)
{
	static const char words[] = "virtual machine container kernel namespace cgroup page ";
	unsigned int seed = 12345;

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (seed >> 16) % 7 ? (unsigned char)words[(seed >> 8) % (sizeof(words) - 1)]
					  : (unsigned char)('0' + (seed >> 20) % 10);
	}
}

static int work_cpu(long kib, long reps)
{
	size_t len = (size_t)kib * 1024;
	uLongf out_len = compressBound(len);
	unsigned char *in = malloc(len), *out = malloc(out_len);
	unsigned long last = 0;

	if (!in || !out)
		return 1;
	fill_text(in, len);
	long long c0 = cpu_ns(), t0 = now_ns();
	for (long r = 0; r < reps; r++) {
		uLongf n = compressBound(len);
		if (compress2(out, &n, in, len, 6) != Z_OK)
			return 1;
		last = n;
	}
	long long t1 = now_ns(), c1 = cpu_ns();
	printf("KVMINI-WORK mode=cpu ns=%lld cpu_ns=%lld bytes=%zu compressed=%lu\n", t1 - t0,
	       c1 - c0, len * reps, last);
	free(in);
	free(out);
	return 0;
}

static int work_syscall(long n)
{
	long sum = 0;
	long long c0 = cpu_ns(), t0 = now_ns();

	for (long i = 0; i < n; i++)
		sum += syscall(SYS_getpid);
	long long t1 = now_ns(), c1 = cpu_ns();
	printf("KVMINI-WORK mode=syscall ns=%lld cpu_ns=%lld calls=%ld pid_sum=%ld\n", t1 - t0,
	       c1 - c0, n, sum);
	return 0;
}

static int work_file(const char *dir, long mib)
{
	static unsigned char buf[CHUNK];
	char path[4096];
	long chunks = mib * (1024 * 1024 / CHUNK);
	int fd;

	snprintf(path, sizeof(path), "%s/bench-work-%d.tmp", dir, (int)getpid());
	fill_text(buf, sizeof(buf));
	long long c0 = cpu_ns(), t0 = now_ns();
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0)
		goto fail;
	for (long i = 0; i < chunks; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			goto fail_close;
	if (fsync(fd) < 0)
		goto fail_close;
	close(fd);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		goto fail;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	unlink(path);
	long long t1 = now_ns(), c1 = cpu_ns();
	printf("KVMINI-WORK mode=file ns=%lld cpu_ns=%lld bytes=%ld\n", t1 - t0, c1 - c0,
	       chunks * (long)CHUNK);
	return 0;
fail_close:
	close(fd);
fail:
	fprintf(stderr, "bench_work: %s: %s\n", path, strerror(errno));
	unlink(path);
	return 1;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int work_probe(long ms)
{
	static long long late[PROBE_MAX];
	const struct timespec tick = {0, 1000000};
	long long end = now_ns() + ms * 1000000LL;
	int n = 0;

	while (n < PROBE_MAX && now_ns() < end) {
		long long t0 = now_ns();
		nanosleep(&tick, NULL);
		late[n++] = now_ns() - t0 - tick.tv_nsec;
	}
	if (!n)
		return 1;
	qsort(late, n, sizeof(late[0]), cmp_ll);
	printf("KVMINI-WORK mode=probe ns=%lld samples=%d p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
	       ms * 1000000LL, n, late[n / 2] / 1e3, late[(n * 99) / 100] / 1e3, late[n - 1] / 1e3);
	return 0;
}

static int work_memhog(long mib, long secs)
{
	size_t len = (size_t)mib << 20;
	unsigned char *p = malloc(len);
	long long end = now_ns() + secs * 1000000000LL;

	if (!p)
		return 1;
	while (now_ns() < end)
		for (size_t i = 0; i < len; i += 4096)
			p[i]++;
	printf("KVMINI-WORK mode=memhog ns=%lld mib=%ld\n", secs * 1000000000LL, mib);
	return 0;
}

/*
 * A bounded fork bomb: it forks until fork() fails (a pids cgroup limit
 * says no) or max children live, whichever comes first. Every child only
 * waits for its alarm, so all of them are gone after secs seconds even if
 * no limit stops the forking.
 */
static int work_forkbomb(long max, long secs)
{
	long made = 0;
	int err = 0;

	while (made < max) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm((unsigned int)secs);
			pause();
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		made++;
	}
	printf("KVMINI-WORK mode=forkbomb ns=0 children=%ld stopped_by=%s\n", made,
	       err ? strerror(err) : "the cap");
	fflush(stdout);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (argc == 4 && !strcmp(mode, "cpu"))
		return work_cpu(atol(argv[2]), atol(argv[3]));
	if (argc == 3 && !strcmp(mode, "syscall"))
		return work_syscall(atol(argv[2]));
	if (argc == 4 && !strcmp(mode, "file"))
		return work_file(argv[2], atol(argv[3]));
	if (argc == 3 && !strcmp(mode, "probe"))
		return work_probe(atol(argv[2]));
	if (argc == 4 && !strcmp(mode, "memhog"))
		return work_memhog(atol(argv[2]), atol(argv[3]));
	if (argc == 4 && !strcmp(mode, "forkbomb"))
		return work_forkbomb(atol(argv[2]), atol(argv[3]));
	fprintf(stderr, "usage: bench_work cpu KIB REPS | syscall N | file DIR MIB | probe MS | "
			"memhog MIB SECS | forkbomb MAX SECS\n");
	return 2;
}
