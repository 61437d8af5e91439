// SPDX-License-Identifier: MIT
/*
 * The control protocol (vmm/host/control_proto.c) with a fake ops table:
 * every command reaches its own callback, and every malformed, mistyped or
 * unknown request gets {"ok":false,"error":...} without calling any.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "host/control_proto.h"
#include "unit_run.h"

struct fake {
	char last[32]; /* the last callback called */
	int calls;
	char dir[256];
	int fail; /* 0, or the -errno every callback returns */
	const char *msg;
};

static int record(struct fake *f, const char *name, char *err, size_t errlen)
{
	snprintf(f->last, sizeof(f->last), "%s", name);
	f->calls++;
	if (f->fail && f->msg)
		snprintf(err, errlen, "%s", f->msg);
	return f->fail;
}

static int fake_status(void *opaque, struct json_object *reply, char *err, size_t errlen)
{
	json_object_object_add(reply, "state", json_object_new_string("running"));
	json_object_object_add(reply, "vcpus", json_object_new_int(2));
	return record(opaque, "status", err, errlen);
}

static int fake_pause(void *opaque, char *err, size_t errlen)
{
	return record(opaque, "pause", err, errlen);
}

static int fake_resume(void *opaque, char *err, size_t errlen)
{
	return record(opaque, "resume", err, errlen);
}

static int fake_snapshot(void *opaque, const char *dir, char *err, size_t errlen)
{
	struct fake *f = opaque;
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	return record(opaque, "snapshot", err, errlen);
}

static int fake_stop(void *opaque, char *err, size_t errlen)
{
	return record(opaque, "stop", err, errlen);
}

static int fake_kill(void *opaque, char *err, size_t errlen)
{
	return record(opaque, "kill", err, errlen);
}

static const struct control_ops ops = {
	.status = fake_status,
	.pause = fake_pause,
	.resume = fake_resume,
	.snapshot = fake_snapshot,
	.stop = fake_stop,
	.kill = fake_kill,
};

/* The reply to text (len bytes) as a line, and whether it said ok. */
static bool ask(const struct control_ops *o, struct fake *f, const char *text, size_t len,
		char *line, size_t linelen)
{
	struct json_object *reply = control_proto_handle(o, f, text, len);
	ck_assert_ptr_nonnull(reply);
	size_t n;
	char *s = control_proto_line(reply, &n);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), n);
	ck_assert_msg(n > 0 && s[n - 1] == '\n' && !memchr(s, '\n', n - 1), "one line: %s", s);
	snprintf(line, linelen, "%s", s);
	free(s);
	struct json_object *ok;
	ck_assert(json_object_object_get_ex(reply, "ok", &ok));
	ck_assert(json_object_is_type(ok, json_type_boolean));
	bool good = json_object_get_boolean(ok);
	struct json_object *e;
	if (!good) {
		ck_assert(json_object_object_get_ex(reply, "error", &e));
		ck_assert(json_object_is_type(e, json_type_string));
		ck_assert_uint_gt(strlen(json_object_get_string(e)), 0);
	}
	json_object_put(reply);
	return good;
}

#define ASK(f, text, line) ask(&ops, f, text, strlen(text), line, sizeof(line))

START_TEST(each_command_reaches_its_op)
{
	static const char *const cmds[] = {"status", "pause", "resume", "stop", "kill"};
	struct fake f = {0};
	char req[64], line[512];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}", cmds[i]);
		ck_assert_msg(ASK(&f, req, line), "%s: %s", cmds[i], line);
		ck_assert_str_eq(f.last, cmds[i]);
		ck_assert_int_eq(f.calls, (int)i + 1);
	}
	ck_assert(ASK(&f, "{\"dir\":\"/tmp/snap 1\",\"cmd\":\"snapshot\"}", line));
	ck_assert_str_eq(f.last, "snapshot");
	ck_assert_str_eq(f.dir, "/tmp/snap 1");
	ck_assert_str_eq(line, "{\"ok\":true,\"dir\":\"\\/tmp\\/snap 1\"}\n");
	/* Whitespace around the object, and a "\r" the server strips, are fine. */
	ck_assert(ASK(&f, "  {\"cmd\" : \"pause\"}  ", line));
	ck_assert_str_eq(f.last, "pause");
}
END_TEST

START_TEST(status_reply_shape)
{
	struct fake f = {0};
	char line[512];

	ck_assert(ASK(&f, "{\"cmd\":\"status\"}", line));
	ck_assert_str_eq(line, "{\"ok\":true,\"state\":\"running\",\"vcpus\":2}\n");
}
END_TEST

START_TEST(bad_requests_call_nothing)
{
	static const char *const bad[] = {
		"",
		"{",
		"not json",
		"[\"status\"]",
		"\"status\"",
		"42",
		"null",
		"{}",
		"{\"cmd\":1}",
		"{\"cmd\":null}",
		"{\"cmd\":[\"status\"]}",
		"{\"cmd\":\"STATUS\"}",
		"{\"cmd\":\"reboot\"}",
		"{\"cmd\":\"status\",\"x\":1}",
		"{\"cmd\":\"pause\",\"dir\":\"/tmp\"}",
		"{\"cmd\":\"snapshot\"}",
		"{\"cmd\":\"snapshot\",\"dir\":5}",
		"{\"cmd\":\"snapshot\",\"dir\":\"\"}",
		"{\"cmd\":\"snapshot\",\"dir\":{}}",
		"{\"cmd\":\"status\"} {\"cmd\":\"stop\"}",
		"{\"cmd\":\"status\"} x",
		"{'cmd':'status'}",
		"{\"cmd\":\"status\",}",
		"{\"cmd\":\"status\" /* hi */}",
		"{\"cmd\":\"st\xff\xfe\"}",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{}}}}},\"cmd\":\"status\"}",
	};
	struct fake f = {0};
	char line[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!ASK(&f, bad[i], line), "accepted '%s': %s", bad[i], line);
	/* A NUL byte inside the line. */
	static const char nul[] = "{\"cmd\":\"status\"}\0x";
	ck_assert(!ask(&ops, &f, nul, sizeof(nul) - 1, line, sizeof(line)));
	ck_assert_int_eq(f.calls, 0);
	ck_assert(!ASK(&f, "{\"cmd\":\"reboot\"}", line));
	ck_assert_ptr_nonnull(strstr(line, "unknown command 'reboot'"));
}
END_TEST

START_TEST(op_failures_are_replies)
{
	struct fake f = {.fail = -EBUSY, .msg = "the VM is stopping"};
	char line[512];

	ck_assert(!ASK(&f, "{\"cmd\":\"pause\"}", line));
	ck_assert_str_eq(line, "{\"ok\":false,\"error\":\"the VM is stopping\"}\n");
	f.msg = NULL; /* no message: strerror's */
	ck_assert(!ASK(&f, "{\"cmd\":\"resume\"}", line));
	ck_assert_ptr_nonnull(strstr(line, "resume failed: Device or resource busy"));
	ck_assert(!ASK(&f, "{\"cmd\":\"snapshot\",\"dir\":\"d\"}", line));
	ck_assert_ptr_nonnull(strstr(line, "snapshot failed: Device or resource busy"));

	/* A VM without a callback says so. */
	struct control_ops none = {0};
	ck_assert(!ask(&none, &f, "{\"cmd\":\"snapshot\",\"dir\":\"d\"}", 28, line, sizeof(line)));
	ck_assert_ptr_nonnull(strstr(line, "snapshot is not supported by this VM"));
}
END_TEST

START_TEST(error_text_is_bounded_and_escaped)
{
	struct fake f = {0};
	char req[2048], line[1024];

	/* A long unknown command name is cut short in the error, and quotes are escaped. */
	memset(req, 0, sizeof(req));
	strcpy(req, "{\"cmd\":\"\\\"");
	memset(req + strlen(req), 'a', 1500);
	strcat(req, "\"}");
	ck_assert(!ASK(&f, req, line));
	ck_assert_uint_lt(strlen(line), 400);
	ck_assert_ptr_nonnull(strstr(line, "unknown command '\\\"aaa"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control_proto");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, each_command_reaches_its_op);
	tcase_add_test(tc, status_reply_shape);
	tcase_add_test(tc, bad_requests_call_nothing);
	tcase_add_test(tc, op_failures_are_replies);
	tcase_add_test(tc, error_text_is_bounded_and_escaped);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
