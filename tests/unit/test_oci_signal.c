// SPDX-License-Identifier: MIT
/*
 * `kvmini oci kill`'s channel to the guest (vmm/oci/oci_signal.c), against a
 * stand-in for kvmini's vsock socket: a thread that plays the host side of
 * the vsock device and kvmini-exec in the guest, with a script of answers,
 * and records what the client sent.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "oci/oci_signal.h"
#include "unit_run.h"

/* A state directory whose path is longer than a Unix socket address can hold. */
static char base[] = "/tmp/kvmini-oci-signal.XXXXXX";
static char dir[512];
static int dirfd_, listen_fd;

struct peer {
	const char *answers[2]; /* after CONNECT, after the signal; NULL: close */
	bool silent;		/* never answer (a hung guest) */
	char got[128];		/* everything the client sent */
};

static void *serve(void *arg)
{
	struct peer *p = arg;
	size_t len = 0;
	int fd = accept(listen_fd, NULL, NULL);

	ck_assert_int_ge(fd, 0);
	for (int step = 0; step < 2; step++) {
		/* One line from the client. */
		while (len < sizeof(p->got) - 1) {
			ssize_t n = read(fd, p->got + len, 1);
			if (n <= 0)
				goto out;
			if (p->got[len++] == '\n')
				break;
		}
		if (p->silent) {
			usleep(300 * 1000);
			goto out;
		}
		if (!p->answers[step])
			goto out;
		ck_assert_int_eq(write(fd, p->answers[step], strlen(p->answers[step])),
				 (ssize_t)strlen(p->answers[step]));
	}
out:
	p->got[len] = '\0';
	close(fd);
	return NULL;
}

static void setup(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/%0120d", base, 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_uint_gt(strlen(dir), sizeof(a.sun_path));
	dirfd_ = open(dir, O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd_, 0);
	listen_fd = -1;
}

static void teardown(void)
{
	char cmd[640];

	if (listen_fd >= 0)
		close(listen_fd);
	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}

/* Listen on DIR/vsock (bound through the directory's fd, as the client connects). */
static void listen_in_dir(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/" OCI_SIGNAL_SOCKET, dirfd_);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(listen_fd, 0);
	ck_assert_int_eq(bind(listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(listen_fd, 1), 0);
}

/* Run the client against a peer; its return value, err in err. */
static int exchange(struct peer *p, int sig, int timeout_ms, char *err, size_t errlen)
{
	pthread_t t;
	int ret;

	listen_in_dir();
	ck_assert_int_eq(pthread_create(&t, NULL, serve, p), 0);
	ret = oci_signal_guest(dirfd_, sig, timeout_ms, err, errlen);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	return ret;
}

START_TEST(test_signal_delivered)
{
	struct peer p = {.answers = {"OK 1073741824\n", "OK\n"}};
	char err[128] = "";

	ck_assert_int_eq(exchange(&p, 15, 2000, err, sizeof(err)), 0);
	/* Exactly the protocol: the port, then the signal's number. */
	ck_assert_str_eq(p.got, "CONNECT 10001\n15\n");
}
END_TEST

START_TEST(test_no_socket)
{
	char err[128] = "";

	ck_assert_int_eq(oci_signal_guest(dirfd_, 15, 1000, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "vsock socket"));
}
END_TEST

START_TEST(test_socket_without_vmm)
{
	char err[128] = "";

	/* A socket file left by a VMM that was killed: nobody accepts. */
	listen_in_dir();
	close(listen_fd);
	listen_fd = -1;
	ck_assert_int_eq(oci_signal_guest(dirfd_, 15, 1000, err, sizeof(err)), -ENOENT);
}
END_TEST

START_TEST(test_guest_refuses_port)
{
	struct peer p = {.answers = {NULL, NULL}}; /* kvmini closes: the guest sent RST */
	char err[128] = "";

	ck_assert_int_eq(exchange(&p, 15, 2000, err, sizeof(err)), -ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(err, "nobody listens"));
	ck_assert_str_eq(p.got, "CONNECT 10001\n");
}
END_TEST

START_TEST(test_agent_error)
{
	struct peer p = {.answers = {"OK 5\n", "ERR No such process\n"}};
	char err[128] = "";

	ck_assert_int_eq(exchange(&p, 10, 2000, err, sizeof(err)), -ESRCH);
	ck_assert_ptr_nonnull(strstr(err, "No such process"));
}
END_TEST

START_TEST(test_agent_error_printable)
{
	struct peer p = {.answers = {"OK 5\n", "ERR \033[2J\033]0;owned\007\n"}};
	char err[128] = "";

	ck_assert_int_eq(exchange(&p, 10, 2000, err, sizeof(err)), -ESRCH);
	/* The guest's bytes reach kill's message, its escape sequences do not. */
	ck_assert_ptr_null(strchr(err, '\033'));
	ck_assert_ptr_null(strchr(err, '\007'));
	ck_assert_ptr_nonnull(strstr(err, "?[2J?]0;owned?"));
}
END_TEST

START_TEST(test_hung_guest_times_out)
{
	struct peer p = {.silent = true};
	char err[128] = "";

	ck_assert_int_eq(exchange(&p, 15, 100, err, sizeof(err)), -ETIMEDOUT);
}
END_TEST

START_TEST(test_garbled_answers)
{
	struct peer p1 = {.answers = {"HELLO\n", NULL}};
	struct peer p2 = {.answers = {"OK 5\n", "YES\n"}};
	char err[128] = "";

	ck_assert_int_eq(exchange(&p1, 15, 2000, err, sizeof(err)), -EPROTO);
	close(listen_fd);
	unlinkat(dirfd_, OCI_SIGNAL_SOCKET, 0);
	ck_assert_int_eq(exchange(&p2, 15, 2000, err, sizeof(err)), -EPROTO);
}
END_TEST

START_TEST(test_overlong_line)
{
	static char flood[200];
	struct peer p = {.answers = {flood, NULL}};
	char err[128] = "";

	memset(flood, 'A', sizeof(flood) - 1);
	ck_assert_int_eq(exchange(&p, 15, 2000, err, sizeof(err)), -EPROTO);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oci_signal");
	TCase *tc = tcase_create("oci_signal");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_signal_delivered);
	tcase_add_test(tc, test_no_socket);
	tcase_add_test(tc, test_socket_without_vmm);
	tcase_add_test(tc, test_guest_refuses_port);
	tcase_add_test(tc, test_agent_error);
	tcase_add_test(tc, test_agent_error_printable);
	tcase_add_test(tc, test_hung_guest_times_out);
	tcase_add_test(tc, test_garbled_answers);
	tcase_add_test(tc, test_overlong_line);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
