// SPDX-License-Identifier: MIT
/*
 * The control socket (vmm/host/control_server.c) on a real event loop, run
 * on a thread of its own, with fake ops: framing (a line in pieces, several
 * lines in one write, "\r\n", an oversize line refused once and the
 * connection going on, a half-closed client still answered), the socket
 * file (mode 0600, a live one refused, a stale one replaced, anything else
 * left alone, removed at close), and a stop from an op ending the loop.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_fake.h"
#include "host/control_client.h"
#include "host/control_server.h"
#include "unit_run.h"

/* "running" or "paused" from a status reply line, or "" if it is none. */
static const char *state_of(const char *line)
{
	static char state[16];
	struct json_object *reply = json_tokener_parse(line), *v;

	state[0] = '\0';
	if (reply && json_object_object_get_ex(reply, "state", &v) &&
	    strstr(line, "{\"ok\":true,") == line)
		snprintf(state, sizeof(state), "%s", json_object_get_string(v));
	json_object_put(reply);
	return state;
}

static char dir[64], path[128];
static struct event_loop loop;
static struct control_fake fake;
static struct control_server srv;
static pthread_t thread;

static void *loop_thread(void *arg)
{
	(void)arg;
	event_loop_run(&loop);
	return NULL;
}

static void setup(void)
{
	char err[256];

	snprintf(dir, sizeof(dir), "/tmp/kvmini-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vm.sock", dir);
	memset(&fake, 0, sizeof(fake));
	fake.loop = &loop;
	ck_assert_int_eq(event_loop_init(&loop), 0);
	ck_assert_msg(control_server_open(&srv, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(control_server_start(&srv, &loop, &control_fake_ops, &fake), 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, loop_thread, NULL), 0);
}

static void teardown(void)
{
	event_loop_stop(&loop);
	pthread_join(thread, NULL);
	control_server_close(&srv);
	event_loop_destroy(&loop);
	rmdir(dir);
}

static int client(void)
{
	int fd = control_client_connect(path, 2000);
	ck_assert_int_ge(fd, 0);
	/* Blocking from here: the test waits with poll() where it must not hang. */
	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK), 0);
	return fd;
}

static void say(int fd, const char *text)
{
	ck_assert_int_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* The next reply line (without "\n"), or "" if none comes within ms. */
static char *hear(int fd, int ms)
{
	static char line[4096];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, ms) != 1)
			break;
		if (recv(fd, line + n, 1, 0) != 1)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return line;
}

START_TEST(line_in_pieces)
{
	int fd = client();
	say(fd, "{\"cmd\":\"st");
	ck_assert_str_eq(hear(fd, 100), ""); /* nothing until the newline */
	say(fd, "atus\"}");
	ck_assert_str_eq(hear(fd, 100), "");
	say(fd, "\n");
	ck_assert_str_eq(state_of(hear(fd, 2000)), "running");
	close(fd);
}
END_TEST

START_TEST(several_lines_in_one_write)
{
	int fd = client();
	say(fd, "{\"cmd\":\"pause\"}\n{\"cmd\":\"status\"}\r\n{\"cmd\":\"resume\"}\n"
		"{\"cmd\":\"status\"}\n");
	ck_assert_str_eq(hear(fd, 2000), "{\"ok\":true}");
	ck_assert_str_eq(state_of(hear(fd, 2000)), "paused");
	ck_assert_str_eq(hear(fd, 2000), "{\"ok\":true}");
	ck_assert_str_eq(state_of(hear(fd, 2000)), "running");
	close(fd);
}
END_TEST

START_TEST(oversize_refused_once)
{
	int fd = client();
	static char big[3 * CONTROL_PROTO_MAX_REQUEST + 2];
	memset(big, ' ', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	say(fd, big);
	say(fd, "{\"cmd\":\"status\"}\n");
	ck_assert_str_eq(hear(fd, 2000),
			 "{\"ok\":false,\"error\":\"request longer than 4096 bytes\"}");
	ck_assert_str_eq(state_of(hear(fd, 2000)), "running");
	/* Just under the limit is read and parsed (and is no JSON). */
	memset(big, ' ', CONTROL_PROTO_MAX_REQUEST - 1);
	big[CONTROL_PROTO_MAX_REQUEST - 1] = '\n';
	big[CONTROL_PROTO_MAX_REQUEST] = '\0';
	say(fd, big);
	ck_assert_ptr_nonnull(strstr(hear(fd, 2000), "not complete JSON"));
	close(fd);
}
END_TEST

START_TEST(half_closed_client_answered)
{
	int fd = client();
	say(fd, "{\"cmd\":\"status\"}\n");
	shutdown(fd, SHUT_WR);
	ck_assert_str_eq(state_of(hear(fd, 2000)), "running");
	char c;
	ck_assert_int_eq(recv(fd, &c, 1, 0), 0); /* then the server closes */
	close(fd);
}
END_TEST

START_TEST(request_helper)
{
	char err[256];
	struct json_object *req = json_tokener_parse("{\"cmd\":\"status\"}"), *reply = NULL;
	ck_assert_int_eq(control_client_request(path, req, 2000, &reply, err, sizeof(err)), 0);
	ck_assert_str_eq(state_of(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN)),
			 "running");
	/* The fake's status has the fields kvmini's has (docs/control.md). */
	struct json_object *v;
	ck_assert(json_object_object_get_ex(reply, "vcpus", &v) && json_object_get_int(v) == 2);
	ck_assert(json_object_object_get_ex(reply, "devices", &v) &&
		  json_object_array_length(v) == 1);
	json_object_put(reply);
	json_object_put(req);
}
END_TEST

START_TEST(socket_file)
{
	struct stat st;
	struct control_server other;
	char err[256], file[160];

	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_uint_eq(st.st_uid, geteuid());
	/* A live socket is refused, and left in place. */
	ck_assert_int_eq(control_server_open(&other, path, err, sizeof(err)), -EADDRINUSE);
	ck_assert_ptr_nonnull(strstr(err, "is in use"));
	ck_assert_int_eq(lstat(path, &st), 0);
	/* A file that is not a socket is left alone. */
	snprintf(file, sizeof(file), "%s/plain", dir);
	fclose(fopen(file, "w"));
	ck_assert_int_eq(control_server_open(&other, file, err, sizeof(err)), -EEXIST);
	ck_assert_int_eq(lstat(file, &st), 0);
	unlink(file);
	/* A stale socket (bound, nobody listening) is replaced. */
	snprintf(file, sizeof(file), "%s/stale", dir);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, file);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(control_client_connect(file, 500), -ECONNREFUSED);
	ck_assert_msg(control_server_open(&other, file, err, sizeof(err)) == 0, "%s", err);
	int fd = control_client_connect(file, 500);
	ck_assert_int_ge(fd, 0);
	close(fd);
	control_server_close(&other);
	ck_assert_int_eq(lstat(file, &st), -1); /* removed at close */
	control_server_close(&other);		/* twice is fine */
	close(s);
	/* Too long for sun_path. */
	char longpath[200];
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(control_server_open(&other, longpath, err, sizeof(err)), -ENAMETOOLONG);
}
END_TEST

START_TEST(stop_ends_loop)
{
	int fd = client();
	say(fd, "{\"cmd\":\"stop\"}\n");
	ck_assert_str_eq(hear(fd, 2000), "{\"ok\":true}");
	pthread_join(thread, NULL); /* the loop returned */
	ck_assert_int_eq(fake.stops, 1);
	ck_assert_int_eq(fake.status, 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, loop_thread, NULL), 0); /* for teardown */
	close(fd);
}
END_TEST

START_TEST(names_and_dirs)
{
	char buf[128], err[256];

	ck_assert(control_name_valid("web-1.test_A"));
	ck_assert(!control_name_valid(""));
	ck_assert(!control_name_valid(".hidden"));
	ck_assert(!control_name_valid(".."));
	ck_assert(!control_name_valid("a/b"));
	ck_assert(!control_name_valid("a b"));
	setenv("KVMINI_RUNTIME_DIR", dir, 1);
	ck_assert_int_eq(control_name_path("vm1", buf, sizeof(buf), err, sizeof(err)), 0);
	snprintf(err, sizeof(err), "%s/vm1.sock", dir);
	ck_assert_str_eq(buf, err);
	ck_assert_int_eq(control_name_path("../x", buf, sizeof(buf), err, sizeof(err)), -EINVAL);
	/* A runtime directory made 0700; one others may write to is refused. */
	char sub[160];
	snprintf(sub, sizeof(sub), "%s/run", dir);
	ck_assert_int_eq(control_runtime_dir_make(sub, err, sizeof(err)), 0);
	struct stat st;
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	chmod(sub, 0777);
	ck_assert_int_eq(control_runtime_dir_make(sub, err, sizeof(err)), -EPERM);
	rmdir(sub);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control_server");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, line_in_pieces);
	tcase_add_test(tc, several_lines_in_one_write);
	tcase_add_test(tc, oversize_refused_once);
	tcase_add_test(tc, half_closed_client_answered);
	tcase_add_test(tc, request_helper);
	tcase_add_test(tc, socket_file);
	tcase_add_test(tc, stop_ends_loop);
	tcase_add_test(tc, names_and_dirs);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
