// SPDX-License-Identifier: MIT
/*
 * The character backend (devices/backends/chardev.c): device output that never
 * blocks, stays bounded, keeps its order, warns once, and survives every
 * error a write can return. No KVM, no device: bytes go in with
 * chardev_write(), as a UART or a virtio-console hands them over.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvmini/chardev.h"
#include "unit_run.h"

static struct chardev cd;
static int pipefd[2];
static int stderr_pipe[2]; /* what the chardev logs */
static int kicks;

static void count_kick(void *opaque)
{
	ck_assert_ptr_eq(opaque, &cd);
	kicks++;
}

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN); /* as the monitor does (vmm/host/watch.c) */
	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_eq(fcntl(pipefd[0], F_SETFL, O_NONBLOCK), 0);
	fcntl(pipefd[1], F_SETPIPE_SZ, 4096); /* the smallest pipe: fills fast */
	/* Catch the warnings: stderr into a pipe of our own. */
	ck_assert_int_eq(pipe2(stderr_pipe, O_NONBLOCK), 0);
	ck_assert_int_ne(dup2(stderr_pipe[1], STDERR_FILENO), -1);
	kicks = 0;
	ck_assert_int_eq(chardev_init(&cd, pipefd[1]), 0);
	chardev_set_kick(&cd, count_kick, &cd);
}

static void teardown(void)
{
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Read everything the reader can get now. */
static size_t read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len && (n = read(fd, buf + got, len - got)) > 0)
		got += (size_t)n;
	return got;
}

/* How many lines of warnings were logged, each starting with "kvmini: warning: ". */
static int warnings(const char *about)
{
	static char log[8192];
	static size_t len;
	int count = 0;

	len += read_all(stderr_pipe[0], log + len, sizeof(log) - 1 - len);
	log[len] = '\0';
	for (const char *p = log; (p = strstr(p, "kvmini: warning: ")); p++)
		if (strstr(p, about) && (!strchr(p, '\n') || strstr(p, about) < strchr(p, '\n')))
			count++;
	return count;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_init_sets_nonblock_and_close_restores)
{
	ck_assert(fcntl(pipefd[1], F_GETFL) & O_NONBLOCK);
	chardev_close(&cd, 0);
	ck_assert(!(fcntl(pipefd[1], F_GETFL) & O_NONBLOCK));
}
END_TEST

START_TEST(test_line_goes_out_at_once)
{
	char buf[64] = {0};

	chardev_write(&cd, "hello, ", 7);
	ck_assert_uint_eq(read_all(pipefd[0], buf, sizeof(buf)), 0); /* batched */
	ck_assert_int_eq(kicks, 1);				     /* owner told once */
	chardev_write(&cd, "world", 5);
	ck_assert_int_eq(kicks, 1); /* not again while it waits */
	chardev_write(&cd, "!\n", 2);
	ck_assert_uint_eq(read_all(pipefd[0], buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, "hello, world!\n");
	ck_assert_uint_eq(chardev_pending(&cd), 0);
	/* Empty again: the next buffered byte tells the owner again. */
	chardev_write(&cd, ">", 1);
	ck_assert_int_eq(kicks, 2);
	ck_assert_int_eq(chardev_flush(&cd), CHARDEV_IDLE); /* the owner's deadline flush */
	ck_assert_uint_eq(read_all(pipefd[0], buf, sizeof(buf)), 1);
	chardev_close(&cd, 0);
}
END_TEST

START_TEST(test_big_batch_goes_out_without_newline)
{
	static char big[CHARDEV_BATCH];
	static char buf[CHARDEV_BATCH];

	memset(big, 'x', sizeof(big));
	chardev_write(&cd, big, sizeof(big));
	ck_assert_uint_eq(read_all(pipefd[0], buf, sizeof(buf)), sizeof(buf));
	chardev_close(&cd, 0);
}
END_TEST

/*
 * A reader that never reads: writes never block, memory stays bounded (the
 * buffer is part of struct chardev, nothing grows), one warning; then the
 * reader resumes and gets the first bytes in order.
 */
START_TEST(test_stuck_reader)
{
	static char line[100];
	static char got[CHARDEV_BUF_SIZE + 65536];
	unsigned long written = 0;

	double start = now_s();
	for (int i = 0; i < 4000; i++) { /* 400 KB: several times pipe + buffer */
		int n = snprintf(
			line, sizeof(line), "%06d %s\n", i,
			"the quick brown fox jumps over the lazy dog .........................");
		chardev_write(&cd, line, (size_t)n);
		written += (unsigned long)n;
	}
	ck_assert(now_s() - start < 2.0); /* nothing waited */
	ck_assert_uint_eq(chardev_pending(&cd), CHARDEV_BUF_SIZE);
	ck_assert_uint_gt(cd.dropped, 0);
	ck_assert_int_eq(warnings("not being read"), 1);
	ck_assert_int_eq(chardev_flush(&cd), CHARDEV_BLOCKED);

	/* The reader comes back: pipe content, then the buffer, in order. */
	size_t total = 0;
	for (int round = 0; round < 100 && chardev_pending(&cd) > 0; round++) {
		total += read_all(pipefd[0], got + total, sizeof(got) - total);
		chardev_flush(&cd);
	}
	total += read_all(pipefd[0], got + total, sizeof(got) - total);
	ck_assert_uint_eq(chardev_pending(&cd), 0);
	ck_assert_uint_eq(total + cd.dropped, written);
	/* Every complete line that arrived is one we wrote, numbers rising one by one. */
	int expect = 0;
	for (char *p = got; p < got + total;) {
		char *nl = memchr(p, '\n', (size_t)(got + total - p));
		if (!nl)
			break;
		ck_assert_int_eq(atoi(p), expect);
		expect++;
		p = nl + 1;
	}
	ck_assert_int_gt(expect, 100); /* at least the pipe's and the buffer's lines */
	ck_assert_int_eq(warnings("not being read"), 1); /* still only one */
	chardev_close(&cd, 0);
}
END_TEST

/* The exit flush waits for a slow reader, but no longer than its deadline. */
START_TEST(test_drain_is_bounded)
{
	static char junk[8192];

	memset(junk, '.', sizeof(junk));
	for (int i = 0; i < 4; i++)
		chardev_write(&cd, junk, sizeof(junk));
	ck_assert_uint_gt(chardev_pending(&cd), 0);
	double start = now_s();
	size_t left = chardev_drain(&cd, 100);
	double took = now_s() - start;
	ck_assert_uint_gt(left, 0);
	ck_assert(took >= 0.09 && took < 1.0);
	ck_assert_uint_eq(chardev_pending(&cd), 0);
	chardev_close(&cd, 0);
}
END_TEST

/* EPIPE: the reader closed. No crash, no SIGPIPE death, output discarded from then on. */
START_TEST(test_closed_reader)
{
	close(pipefd[0]);
	chardev_write(&cd, "lost\n", 5);
	ck_assert(cd.broken);
	ck_assert_uint_eq(cd.dropped, 5);
	chardev_write(&cd, "more\n", 5);
	ck_assert_uint_eq(cd.dropped, 10);
	ck_assert_int_eq(chardev_flush(&cd), CHARDEV_IDLE);
	ck_assert_int_eq(warnings("Broken pipe"), 1);
	ck_assert_uint_eq(chardev_drain(&cd, 1000), 0); /* nothing to wait for */
	pipefd[0] = open("/dev/null", O_RDONLY);	/* for teardown's close */
	chardev_close(&cd, 0);
}
END_TEST

/* ENOSPC (/dev/full): the bytes are lost, later ones are tried again, one warning. */
START_TEST(test_full_device)
{
	int full = open("/dev/full", O_WRONLY);
	struct chardev f;

	if (full < 0) {
		/* No /dev/full in this sandbox: nothing to check. */
		return;
	}
	ck_assert_int_eq(chardev_init(&f, full), 0);
	chardev_write(&f, "a\n", 2);
	chardev_write(&f, "b\n", 2);
	ck_assert(!f.broken);
	ck_assert_uint_eq(f.dropped, 4);
	ck_assert_int_eq(chardev_flush(&f), CHARDEV_IDLE);
	ck_assert_int_eq(warnings("No space left"), 1);
	chardev_close(&f, 0);
	close(full);
	chardev_close(&cd, 0);
}
END_TEST

/* EINTR: a signal during a blocked write is not an error. */
static void on_alarm(int sig)
{
	(void)sig;
}

static char slow_got[8192];
static size_t slow_len;

/* A reader that comes back late, after the signal has interrupted the writer. */
static void *slow_reader(void *arg)
{
	(void)arg;
	usleep(100000);
	for (int i = 0; i < 200 && slow_len < 4096 + 3; i++) {
		slow_len += read_all(pipefd[0], slow_got + slow_len, sizeof(slow_got) - slow_len);
		usleep(5000);
	}
	return NULL;
}

START_TEST(test_eintr_retried)
{
	static char junk[4096];
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: write() gets EINTR */
	pthread_t t;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	memset(junk, '.', sizeof(junk));
	while (write(pipefd[1], junk, sizeof(junk)) > 0)
		; /* full */
	/* A blocking fd, on purpose: only a write that waits can be interrupted. */
	chardev_restore_fd(&cd);
	ck_assert(!(fcntl(pipefd[1], F_GETFL) & O_NONBLOCK));
	ck_assert_int_eq(pthread_create(&t, NULL, slow_reader, NULL), 0);
	ualarm(20000, 0);
	chardev_write(&cd, "hi\n", 3); /* waits; SIGALRM interrupts it; retried */
	pthread_join(t, NULL);
	ck_assert_uint_eq(slow_len, sizeof(junk) + 3);
	ck_assert_int_eq(memcmp(slow_got + sizeof(junk), "hi\n", 3), 0);
	ck_assert_uint_eq(cd.dropped, 0);
	ck_assert_int_eq(warnings("console"), 0);
	chardev_close(&cd, 0);
}
END_TEST

/* fd -1 discards, silently. */
START_TEST(test_discard)
{
	struct chardev none;

	ck_assert_int_eq(chardev_init(&none, -1), 0);
	chardev_write(&none, "x\n", 2);
	ck_assert_uint_eq(chardev_pending(&none), 0);
	ck_assert_int_eq(warnings("console"), 0);
	chardev_close(&none, 0);
	chardev_close(&cd, 0);
}
END_TEST

static Suite *chardev_suite(void)
{
	Suite *s = suite_create("chardev");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_init_sets_nonblock_and_close_restores);
	tcase_add_test(tc, test_line_goes_out_at_once);
	tcase_add_test(tc, test_big_batch_goes_out_without_newline);
	tcase_add_test(tc, test_stuck_reader);
	tcase_add_test(tc, test_drain_is_bounded);
	tcase_add_test(tc, test_closed_reader);
	tcase_add_test(tc, test_full_device);
	tcase_add_test(tc, test_eintr_retried);
	tcase_add_test(tc, test_discard);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(chardev_suite());
}
