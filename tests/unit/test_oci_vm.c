// SPDX-License-Identifier: MIT
/*
 * The container as a VM (vmm/oci/oci_vm.c): the shell quoting of every value
 * in process.sh, proved by running the output through the host's /bin/sh
 * and comparing the bytes that arrive; process.sh itself sourced by /bin/sh
 * with a stand-in agent that execs `env -0`, so that argv, environment and
 * working directory are checked exactly; and the `kvmini run` command line.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/oci_config.h"
#include "oci/oci_vm.h"
#include "unit_run.h"

static char dir[] = "/tmp/kvmini-oci-vm.XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Run /bin/sh on the script file; its stdout into a buffer. Returns the byte count. */
static size_t run_sh(const char *script, char *out, size_t len)
{
	char path[256], cmd[512];

	snprintf(path, sizeof(path), "%s/script.sh", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(script, f);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "cd '%s' && /bin/sh ./script.sh", dir);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, len, p);
	ck_assert_int_eq(pclose(p), 0);
	return n;
}

static char *quoted(const char *s)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	oci_vm_shell_quote(f, s);
	fclose(f);
	return buf;
}

static const char *const words[] = {
	"",    "plain",	   "a b",   "it's",    "'",    "''",	     "'\\''",
	"\n",  "a\nb\n",   "$HOME", "${x:-y}", "`id`", "$(echo no)", "\\",
	"\\'", "\\n",	   "*",	    "?[a]",    "a\"b", "\t\t",	     "-n",
	"--",  ";exit 3;", "|& <>", "~",       "#c",   "!x",	     "\xc3\xa9t\xc3\xa9",
	"x=1", "\"'\"'\"",
};

START_TEST(test_quote_form)
{
	char *q = quoted("it's");
	ck_assert_str_eq(q, "'it'\\''s'");
	free(q);
	q = quoted("");
	ck_assert_str_eq(q, "''");
	free(q);
}
END_TEST

/* Every word, through the host's /bin/sh, arrives byte for byte. */
START_TEST(test_quote_through_sh)
{
	char script[8192], out[8192], expect[8192];
	size_t n = 0, e = 0;

	n += (size_t)snprintf(script, sizeof(script), "printf '%%s\\0'");
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char *q = quoted(words[i]);
		n += (size_t)snprintf(script + n, sizeof(script) - n, " %s", q);
		free(q);
		memcpy(expect + e, words[i], strlen(words[i]) + 1);
		e += strlen(words[i]) + 1;
	}
	snprintf(script + n, sizeof(script) - n, "\n");
	size_t got = run_sh(script, out, sizeof(out));
	ck_assert_uint_eq(got, e);
	ck_assert_mem_eq(out, expect, e);
}
END_TEST

/* Every byte value but NUL, in one word. */
START_TEST(test_quote_all_bytes)
{
	char word[256], script[2048], out[512];

	for (int i = 1; i < 256; i++)
		word[i - 1] = (char)i;
	word[255] = '\0';
	char *q = quoted(word);
	snprintf(script, sizeof(script), "printf '%%s' %s\n", q);
	free(q);
	ck_assert_uint_eq(run_sh(script, out, sizeof(out)), 255);
	ck_assert_mem_eq(out, word, 255);
}
END_TEST

static struct oci_config cfg;

static void parse(const char *json)
{
	char err[256];
	oci_config_free(&cfg);
	ck_assert_msg(oci_config_parse(json, strlen(json), &cfg, err, sizeof(err)) == 0, "%s", err);
}

/*
 * A stand-in agent: records each call's words NUL-separated in calls.out,
 * and implements oci_exec as docs/containers.md describes (env words before
 * "--", then the args), with cwd taken relative to this directory, so the
 * final `env -0` shows exactly the environment the process got.
 */
static const char agent[] =
	"record() { printf '%s\\0' \"$@\" >>calls.out; printf '\\n' >>calls.out; }\n"
	"oci_format() { record format \"$@\"; }\n"
	"oci_hostname() { record hostname \"$@\"; }\n"
	"oci_root() { record root \"$@\"; }\n"
	"oci_terminal() { record terminal \"$@\"; }\n"
	"oci_mount() { record mount \"$@\"; }\n"
	"oci_bind_file() { record bind_file \"$@\"; }\n"
	"oci_signal_port() { record signal_port \"$@\"; }\n"
	"oci_exec() {\n"
	"	record exec \"$@\"\n"
	"	_cwd=$4; shift 4\n"
	"	_n=0; for _w; do [ \"$_w\" = -- ] && break; _n=$((_n + 1)); done\n"
	"	_i=0; while [ $_i -lt $_n ]; do set -- \"$@\" \"$1\"; shift; _i=$((_i + 1)); done\n"
	"	shift\n"
	"	_i=$(($# - _n)); while [ $_i -gt 0 ]; do set -- \"$@\" \"$1\"; shift; _i=$((_i - 1)); done\n"
	"	cd \".$_cwd\" && exec env -i \"$@\"\n"
	"}\n"
	". ./process.sh\n"
	"echo 'not reached'\n";

static void write_process(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/process.sh", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(oci_vm_write_process(&cfg, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static size_t read_file(const char *name, char *out, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(out, 1, len, f);
	fclose(f);
	return n;
}

START_TEST(test_process_env_exact)
{
	char out[4096], sub[256];

	parse("{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\", \"readonly\": true},"
	      "\"hostname\": \"it's a host\","
	      "\"process\": {\"args\": [\"/usr/bin/env\", \"-0\"], \"cwd\": \"/sub dir\","
	      " \"user\": {\"uid\": 1000, \"gid\": 100, \"additionalGids\": [5, 6]},"
	      " \"env\": [\"A=it's\", \"B=a\\nb\", \"C=$HOME `id` \\\\\", \"EMPTY=\", \"D=x=y\"]},"
	      "\"mounts\": [{\"destination\": \"/data dir\", \"type\": \"bind\","
	      " \"source\": \"/srv\", \"options\": [\"ro\"]},"
	      " {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	      " {\"destination\": \"/c\", \"type\": \"cgroup\"}]}");
	write_process();
	snprintf(sub, sizeof(sub), "%s/sub dir", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	size_t n = run_sh(agent, out, sizeof(out));
	static const char env[] = "A=it's\0B=a\nb\0C=$HOME `id` \\\0EMPTY=\0D=x=y";
	ck_assert_uint_eq(n, sizeof(env));
	ck_assert_mem_eq(out, env, sizeof(env));

	/* The calls, in order, word by word. */
	static const char calls[] = "format\0001\0\n"
				    "hostname\0it's a host\0\n"
				    "root\0rootfs\0ro\0\n"
				    "terminal\0000\0\n"
				    "mount\0virtiofs\0kvmini-bind0\0/data dir\0ro\0\n"
				    "mount\0proc\0proc\0/proc\0\0\n"
				    "signal_port\00010001\0\n"
				    "exec\0001000\000100\0005,6\0/sub dir\0A=it's\0B=a\nb\0"
				    "C=$HOME `id` \\\0EMPTY=\0D=x=y\0--\0/usr/bin/env\0-0\0\n";
	n = read_file("calls.out", out, sizeof(out));
	ck_assert_uint_eq(n, sizeof(calls) - 1);
	ck_assert_mem_eq(out, calls, n);
}
END_TEST

/* Hostile args reach oci_exec word for word, and the fragment runs nothing else. */
START_TEST(test_process_args_exact)
{
	char json[4096], out[4096], expect[4096];
	size_t n = 0, e = 0;

	n += (size_t)snprintf(json, sizeof(json),
			      "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"},"
			      "\"process\": {\"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0},"
			      " \"args\": [\"/bin/true\"");
	static const char head[] = "exec\0"
				   "0\0"
				   "0\0"
				   "\0"
				   "/\0"
				   "--\0"
				   "/bin/true";
	memcpy(expect, head, sizeof(head)); /* uid, gid, no gids, cwd, no env */
	e = sizeof(head);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		json_object *s = json_object_new_string(words[i]);
		n += (size_t)snprintf(json + n, sizeof(json) - n, ", %s",
				      json_object_to_json_string(s));
		json_object_put(s);
		memcpy(expect + e, words[i], strlen(words[i]) + 1);
		e += strlen(words[i]) + 1;
	}
	snprintf(json + n, sizeof(json) - n, "]}}");
	parse(json);
	write_process();
	run_sh(agent, out, sizeof(out));
	n = read_file("calls.out", out, sizeof(out));
	const char *exec = memmem(out, n, "\nexec\0", 6);
	ck_assert_ptr_nonnull(exec);
	exec++;
	ck_assert_uint_eq((size_t)(out + n - exec), e + 1); /* + the closing "\n" */
	ck_assert_mem_eq(exec, expect, e);
}
END_TEST

/* A terminal's size reaches the agent (process.consoleSize); without a terminal it does not. */
#define CALL(words)                                                                                \
	{                                                                                          \
		words, sizeof(words) - 1                                                           \
	}
START_TEST(test_process_terminal_size)
{
	static const struct {
		const char *json;
		struct {
			const char *bytes;
			size_t len;
		} call;
	} cases[] = {
		{"\"terminal\": true, \"consoleSize\": {\"height\": 33, \"width\": 101}",
		 CALL("\nterminal\0001\00033\000101\0\n")},
		{"\"terminal\": true", CALL("\nterminal\0001\0\n")},
		{"\"consoleSize\": {\"height\": 33, \"width\": 101}", CALL("\nterminal\0000\0\n")},
	};
	char json[512], out[4096], path[256];

	snprintf(path, sizeof(path), "%s/calls.out", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json),
			 "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"},"
			 "\"process\": {\"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0},"
			 " \"args\": [\"/bin/true\"], %s}}",
			 cases[i].json);
		parse(json);
		write_process();
		run_sh(agent, out, sizeof(out));
		size_t n = read_file("calls.out", out, sizeof(out));
		ck_assert_msg(memmem(out, n, cases[i].call.bytes, cases[i].call.len) != NULL,
			      "case %zu: no such oci_terminal call", i);
		unlink(path);
	}
}
END_TEST

START_TEST(test_plan)
{
	char bundle[256], path[300], err[256];
	struct oci_vm vm;

	parse("{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	      "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}},"
	      "\"mounts\": [{\"destination\": \"/d\", \"type\": \"bind\", \"source\": \"/tmp\"},"
	      " {\"destination\": \"/e\", \"options\": [\"rbind\", \"ro\"], \"source\": \"/usr\"},"
	      " {\"destination\": \"/p\", \"type\": \"proc\"}],"
	      "\"linux\": {\"resources\": {\"memory\": {\"limit\": 268435456},"
	      " \"cpu\": {\"cpus\": \"0-1\"}}}}");
	snprintf(bundle, sizeof(bundle), "%s", dir);
	setenv(OCI_VM_GUEST_ENV, dir, 1);

	/* No root yet, then no guest: each named. */
	ck_assert_int_eq(oci_vm_plan(&cfg, bundle, "/s", "kvmini", &vm, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "root.path"));
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(oci_vm_plan(&cfg, bundle, "/s", "kvmini", &vm, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "vmlinux"));
	ck_assert_ptr_nonnull(strstr(err, OCI_VM_GUEST_ENV));
	snprintf(path, sizeof(path), "%s/vmlinux", dir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/initramfs.cpio", dir);
	fclose(fopen(path, "w"));

	ck_assert_int_eq(oci_vm_plan(&cfg, bundle, "/s", "kvmini", &vm, err, sizeof(err)), 0);
	const char *want[] = {
		"kvmini",    "run",
		"--kernel",  NULL,
		"--initrd",  NULL,
		"--mem",     "256M",
		"--cpus",    "2",
		"--cmdline", "console=ttyS0 quiet loglevel=1 kvmini.agent=" OCI_VM_SHARE_TAG,
		"--vsock",   "3,vsock",
		"--share",   NULL,
		"--share",   "/s," OCI_VM_SHARE_TAG,
		"--share",   "/tmp,kvmini-bind0",
		"--share",   "/usr,kvmini-bind1,ro",
		NULL};
	char kernel[300], initrd[300], root[300];
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", dir);
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio", dir);
	snprintf(root, sizeof(root), "%s/rootfs,rootfs,ro", dir);
	want[3] = kernel;
	want[5] = initrd;
	want[15] = root;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!want[i]) {
			ck_assert_ptr_null(vm.argv[i]);
			break;
		}
		ck_assert_ptr_nonnull(vm.argv[i]);
		ck_assert_str_eq(vm.argv[i], want[i]);
	}
	oci_vm_free(&vm);

	/* More bind mounts than kvmini run has shares for. */
	struct oci_mount proc = cfg.mounts[2];
	cfg.mounts[2] = cfg.mounts[1];
	ck_assert_int_eq(oci_vm_plan(&cfg, bundle, "/s", "kvmini", &vm, err, sizeof(err)), -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "too many bind mounts (at most 2)"));
	cfg.mounts[2] = proc;

	/* A bind source that is a file, missing, or has a ',' --share cannot carry. */
	cfg.mounts[0].source = path; /* initramfs.cpio: a file is copied, not shared */
	ck_assert_int_eq(oci_vm_plan(&cfg, bundle, "/s", "kvmini", &vm, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.mounts[0].kind, OCI_MOUNT_FILE);
	ck_assert_uint_eq(cfg.nwarnings, 0);
	ck_assert_str_eq(vm.argv[19], "/usr,kvmini-bind0,ro"); /* the next bind takes tag 0 */
	ck_assert_ptr_null(vm.argv[20]);
	oci_vm_free(&vm);
	cfg.mounts[0].kind = OCI_MOUNT_BIND;
	cfg.mounts[0].source = "/nonexistent-kvmini";
	ck_assert_int_eq(oci_vm_plan(&cfg, bundle, "/s", "kvmini", &vm, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "bind mount source '/nonexistent-kvmini'"));
	snprintf(path, sizeof(path), "%s/a,b", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	cfg.mounts[0].source = path;
	ck_assert_int_eq(oci_vm_plan(&cfg, bundle, "/s", "kvmini", &vm, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "','"));
	oci_config_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oci_vm");
	TCase *tc = tcase_create("oci_vm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_quote_form);
	tcase_add_test(tc, test_quote_through_sh);
	tcase_add_test(tc, test_quote_all_bytes);
	tcase_add_test(tc, test_process_env_exact);
	tcase_add_test(tc, test_process_args_exact);
	tcase_add_test(tc, test_process_terminal_size);
	tcase_add_test(tc, test_plan);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
