// SPDX-License-Identifier: MIT
/*
 * The raw disk backend (devices/backends/disk_raw.c) on temporary files:
 * size, read and write through iovecs, flush, discard, read-only refusing
 * writes, the image lock, and open refusing what is not a disk image -- a
 * directory, a FIFO -- without blocking.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmini/disk.h"
#include "kvmini/log.h"
#include "unit_run.h"

#define IMAGE_BYTES 8192

static char path[64];
static int fd; /* our own view of the image */
static struct disk *disk;

static void setup(void)
{
	uint8_t b[IMAGE_BYTES];

	log_set_level(LOG_ERROR);
	strcpy(path, "/tmp/kvmini-test-disk-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < IMAGE_BYTES; i++)
		b[i] = (uint8_t)(i * 13 + 1);
	ck_assert_int_eq(pwrite(fd, b, sizeof(b), 0), sizeof(b));
	disk = NULL;
}

static void teardown(void)
{
	disk_close(disk);
	close(fd);
	unlink(path);
}

START_TEST(test_size_and_read)
{
	uint8_t a[100], b[300];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};

	ck_assert_int_eq(disk_raw_open(&disk, path, false), 0);
	ck_assert_uint_eq(disk_size(disk), IMAGE_BYTES);
	ck_assert(!disk->read_only);
	ck_assert_int_eq(disk_read(disk, iov, 2, 1000), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(a[i], (uint8_t)((1000 + i) * 13 + 1));
	for (int i = 0; i < 300; i++)
		ck_assert_uint_eq(b[i], (uint8_t)((1100 + i) * 13 + 1));
}
END_TEST

START_TEST(test_read_past_end_fails)
{
	uint8_t a[512];
	struct iovec iov = {a, sizeof(a)};

	ck_assert_int_eq(disk_raw_open(&disk, path, false), 0);
	/* The caller checks ranges, but a file that shrank must not read as success. */
	ck_assert_int_eq(disk_read(disk, &iov, 1, IMAGE_BYTES - 256), -EIO);
}
END_TEST

START_TEST(test_write_and_flush)
{
	uint8_t a[3] = {1, 2, 3}, b[2] = {4, 5}, back[5];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};

	ck_assert_int_eq(disk_raw_open(&disk, path, false), 0);
	ck_assert_int_eq(disk_write(disk, iov, 2, 4095), 0);
	ck_assert_int_eq(disk_flush(disk), 0);
	ck_assert_int_eq(pread(fd, back, sizeof(back), 4095), sizeof(back));
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(back[i], i + 1);
	ck_assert_uint_eq(disk_size(disk), IMAGE_BYTES); /* a write inside does not grow it */
}
END_TEST

START_TEST(test_discard)
{
	uint8_t back[4096];

	ck_assert_int_eq(disk_raw_open(&disk, path, false), 0);
	int err = disk_discard(disk, 0, 4096);
	if (err == -EOPNOTSUPP)
		return; /* this file system cannot punch holes; the error is the contract */
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(pread(fd, back, sizeof(back), 0), sizeof(back));
	for (int i = 0; i < 4096; i++)
		ck_assert_uint_eq(back[i], 0);
	ck_assert_int_eq(pread(fd, back, 1, 4096), 1);
	ck_assert_uint_eq(back[0], (uint8_t)(4096 * 13 + 1));
	ck_assert_uint_eq(disk_size(disk), IMAGE_BYTES);
}
END_TEST

START_TEST(test_read_only_refuses_writes)
{
	uint8_t a[16], back[16];
	struct iovec iov = {a, sizeof(a)};

	memset(a, 0xee, sizeof(a));
	ck_assert_int_eq(disk_raw_open(&disk, path, true), 0);
	ck_assert(disk->read_only);
	ck_assert_int_eq(disk_write(disk, &iov, 1, 0), -EROFS);
	ck_assert_int_eq(disk_discard(disk, 0, 512), -EROFS);
	ck_assert_int_eq(disk_flush(disk), 0); /* nothing to make durable */
	ck_assert_int_eq(pread(fd, back, sizeof(back), 0), sizeof(back));
	ck_assert_uint_eq(back[0], 1);
	ck_assert_int_eq(disk_read(disk, &iov, 1, 0), 0);
	ck_assert_uint_eq(a[1], 14);
}
END_TEST

START_TEST(test_lock)
{
	struct disk *second = NULL;

	/* Two writers on one image are refused; so is a reader beside a writer. */
	ck_assert_int_eq(disk_raw_open(&disk, path, false), 0);
	ck_assert_int_eq(disk_raw_open(&second, path, false), -EWOULDBLOCK);
	ck_assert_int_eq(disk_raw_open(&second, path, true), -EWOULDBLOCK);
	disk_close(disk);
	/* Readers share. */
	ck_assert_int_eq(disk_raw_open(&disk, path, true), 0);
	ck_assert_int_eq(disk_raw_open(&second, path, true), 0);
	disk_close(second);
}
END_TEST

START_TEST(test_refuses_missing_and_directory)
{
	ck_assert_int_eq(disk_raw_open(&disk, "/nonexistent/disk.img", false), -ENOENT);
	ck_assert_int_eq(disk_raw_open(&disk, "/tmp", true), -EINVAL);
	ck_assert_int_eq(disk_raw_open(&disk, "/tmp", false), -EINVAL);
	ck_assert_int_eq(disk_raw_open(&disk, "/dev/null", false), -EINVAL); /* character device */
	ck_assert_ptr_null(disk);
}
END_TEST

START_TEST(test_refuses_fifo_without_blocking)
{
	char fifo[80];

	snprintf(fifo, sizeof(fifo), "%s.fifo", path);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* A plain open() of a FIFO with no writer blocks: fail loudly instead of hanging. */
	alarm(5);
	int r_rw = disk_raw_open(&disk, fifo, false);
	int r_ro = disk_raw_open(&disk, fifo, true);
	alarm(0);
	unlink(fifo);
	ck_assert_int_eq(r_rw, -EINVAL);
	ck_assert_int_eq(r_ro, -EINVAL);
	ck_assert_ptr_null(disk);
}
END_TEST

static Suite *disk_raw_suite(void)
{
	Suite *s = suite_create("disk_raw");
	TCase *tc = tcase_create("raw");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_size_and_read);
	tcase_add_test(tc, test_read_past_end_fails);
	tcase_add_test(tc, test_write_and_flush);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_read_only_refuses_writes);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_refuses_missing_and_directory);
	tcase_add_test(tc, test_refuses_fifo_without_blocking);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(disk_raw_suite());
}
