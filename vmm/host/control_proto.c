// SPDX-License-Identifier: MIT
/*
 * One control request in, one reply out (see control_proto.h and
 * docs/control.md). The request comes from whoever can open the socket, so
 * it is parsed as hostile input: strict JSON, a bounded depth, every field
 * checked for its type, nothing unknown accepted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/control_proto.h"

/* {"cmd":"...","dir":"..."} is depth 2; anything deeper is not a request. */
#define MAX_DEPTH 4

enum command { CMD_STATUS, CMD_PAUSE, CMD_RESUME, CMD_SNAPSHOT, CMD_STOP, CMD_KILL, CMD_COUNT };

static const char *const command_names[CMD_COUNT] = {
	[CMD_STATUS] = "status",     [CMD_PAUSE] = "pause", [CMD_RESUME] = "resume",
	[CMD_SNAPSHOT] = "snapshot", [CMD_STOP] = "stop",   [CMD_KILL] = "kill",
};

struct json_object *control_proto_error(const char *msg)
{
	struct json_object *reply = json_object_new_object();

	if (!reply)
		return NULL;
	if (json_object_object_add(reply, "ok", json_object_new_boolean(0)) ||
	    json_object_object_add(reply, "error", json_object_new_string(msg))) {
		json_object_put(reply);
		return NULL;
	}
	return reply;
}

char *control_proto_line(struct json_object *reply, size_t *len)
{
	size_t n;
	const char *text = json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN, &n);
	if (!text)
		return NULL;
	char *line = malloc(n + 2);
	if (!line)
		return NULL;
	memcpy(line, text, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

/* Are the n bytes at p (not NUL-terminated) all JSON whitespace? */
static bool only_blanks(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t' || *p == '\r')) {
		p++;
		n--;
	}
	return n == 0;
}

/* The request as an object, or NULL with the reason in err. The caller owns it. */
static struct json_object *parse(const char *line, size_t len, char *err, size_t errlen)
{
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "the request holds a NUL byte");
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* RFC 8259 only: no comments, single quotes or trailing commas; valid UTF-8. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *req = json_tokener_parse_ex(tok, line, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (jerr == json_tokener_continue || (!req && jerr == json_tokener_success)) {
		snprintf(err, errlen, "the request is not complete JSON");
	} else if (jerr != json_tokener_success) {
		snprintf(err, errlen, "the request is not JSON: %s", json_tokener_error_desc(jerr));
	} else if (!only_blanks(line + end, len - end)) {
		snprintf(err, errlen, "text after the JSON object");
	} else if (!json_object_is_type(req, json_type_object)) {
		snprintf(err, errlen, "the request must be a JSON object");
	} else {
		return req;
	}
	json_object_put(req);
	return NULL;
}

/*
 * Which command req asks for, with its "dir" for snapshot. Every field is
 * checked: "cmd" a known command name, "dir" a non-empty string exactly
 * when the command is snapshot, nothing else. -1 with the reason in err.
 */
static int check_request(struct json_object *req, const char **dir, char *err, size_t errlen)
{
	struct json_object *cmd, *d = NULL;

	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		snprintf(err, errlen, "the request needs \"cmd\", a string");
		return -1;
	}
	int c = 0;
	while (c < CMD_COUNT && strcmp(json_object_get_string(cmd), command_names[c]) != 0)
		c++;
	if (c == CMD_COUNT) {
		/* %.64s: the name is the client's, and the reply line is bounded. */
		snprintf(err, errlen,
			 "unknown command '%.64s' (status, pause, resume, snapshot, stop, kill)",
			 json_object_get_string(cmd));
		return -1;
	}
	json_object_object_foreach(req, key, val)
	{
		(void)val;
		if (strcmp(key, "cmd") != 0 && (strcmp(key, "dir") != 0 || c != CMD_SNAPSHOT)) {
			snprintf(err, errlen, "%s takes no field '%.64s'", command_names[c], key);
			return -1;
		}
	}
	if (c == CMD_SNAPSHOT) {
		if (!json_object_object_get_ex(req, "dir", &d) ||
		    !json_object_is_type(d, json_type_string) || !*json_object_get_string(d)) {
			snprintf(err, errlen, "snapshot needs \"dir\", a non-empty string");
			return -1;
		}
		*dir = json_object_get_string(d);
	}
	return c;
}

/* Call the command's callback; 0 or -errno with the reason in err. */
static int dispatch(const struct control_ops *ops, void *opaque, int c, const char *dir,
		    struct json_object *reply, char *err, size_t errlen)
{
	switch (c) {
	case CMD_STATUS:
		return ops->status ? ops->status(opaque, reply, err, errlen) : -ENOTSUP;
	case CMD_PAUSE:
		return ops->pause ? ops->pause(opaque, err, errlen) : -ENOTSUP;
	case CMD_RESUME:
		return ops->resume ? ops->resume(opaque, err, errlen) : -ENOTSUP;
	case CMD_SNAPSHOT:
		if (!ops->snapshot)
			return -ENOTSUP;
		int ret = ops->snapshot(opaque, dir, err, errlen);
		if (ret)
			return ret;
		return json_object_object_add(reply, "dir", json_object_new_string(dir)) ? -ENOMEM
											 : 0;
	case CMD_STOP:
		return ops->stop ? ops->stop(opaque, err, errlen) : -ENOTSUP;
	default:
		return ops->kill ? ops->kill(opaque, err, errlen) : -ENOTSUP;
	}
}

struct json_object *control_proto_handle(const struct control_ops *ops, void *opaque,
					 const char *line, size_t len)
{
	char err[256] = "";
	const char *dir = NULL;
	struct json_object *reply = NULL;

	struct json_object *req = parse(line, len, err, sizeof(err));
	int c = req ? check_request(req, &dir, err, sizeof(err)) : -1;
	if (c >= 0) {
		reply = json_object_new_object();
		if (!reply || json_object_object_add(reply, "ok", json_object_new_boolean(1))) {
			json_object_put(req);
			json_object_put(reply);
			return NULL;
		}
		int ret = dispatch(ops, opaque, c, dir, reply, err, sizeof(err));
		if (ret) {
			json_object_put(reply);
			reply = NULL;
			if (!err[0] && ret == -ENOTSUP)
				snprintf(err, sizeof(err), "%s is not supported by this VM",
					 command_names[c]);
			else if (!err[0])
				snprintf(err, sizeof(err), "%s failed: %s", command_names[c],
					 strerror(-ret));
		}
	}
	json_object_put(req);
	return reply ? reply : control_proto_error(err);
}
