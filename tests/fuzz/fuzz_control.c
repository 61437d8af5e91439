// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the control protocol (vmm/host/control_proto.c):
 * the fuzzer's bytes are one request line, as a client of the control
 * socket could send it. Every input must get a reply object with a boolean
 * "ok" (and a string "error" when false) that serialises to exactly one
 * line, and a callback is called only for a well-formed request of its
 * own command.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/control_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int calls;

static int on_status(void *opaque, struct json_object *reply, char *err, size_t errlen)
{
	(void)opaque;
	(void)reply;
	(void)err;
	(void)errlen;
	calls++;
	return 0;
}

static int on_cmd(void *opaque, char *err, size_t errlen)
{
	(void)opaque;
	(void)err;
	(void)errlen;
	calls++;
	return 0;
}

static int on_snapshot(void *opaque, const char *dir, char *err, size_t errlen)
{
	(void)opaque;
	(void)err;
	(void)errlen;
	if (!dir || !*dir)
		abort(); /* snapshot needs a non-empty dir */
	calls++;
	return 0;
}

static const struct control_ops ops = {
	.status = on_status,
	.pause = on_cmd,
	.resume = on_cmd,
	.snapshot = on_snapshot,
	.stop = on_cmd,
	.kill = on_cmd,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *ok, *e;
	size_t len;

	if (size >= CONTROL_PROTO_MAX_REQUEST)
		return 0; /* the server refuses longer lines before parsing */
	calls = 0;
	struct json_object *reply = control_proto_handle(&ops, NULL, (const char *)data, size);
	if (!reply || !json_object_object_get_ex(reply, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		abort();
	if (!json_object_get_boolean(ok) &&
	    (calls || !json_object_object_get_ex(reply, "error", &e) ||
	     !json_object_is_type(e, json_type_string)))
		abort();
	if (json_object_get_boolean(ok) && calls != 1)
		abort();
	char *line = control_proto_line(reply, &len);
	if (!line || len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
		abort();
	free(line);
	json_object_put(reply);
	return 0;
}
