// SPDX-License-Identifier: MIT
/*
 * config.json as `kvmini oci` reads it (vmm/oci/oci_config.c, oci_mounts.c,
 * oci_linux.c): types checked field by field, fields it cannot honour and
 * unknown ones named in warnings, the memory limit as guest RAM, the CPU
 * limit as vCPUs, the cgroup path kept, mounts classified, and the default
 * spec accepted as is.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oci/oci_config.h"
#include "oci/oci_spec.h"
#include "unit_run.h"

static struct oci_config cfg;
static char err[512];

/* A valid config with EXTRA spliced in as more top-level members (or ""). */
static int parse_with(const char *process, const char *extra)
{
	char text[8192];

	snprintf(
		text, sizeof(text),
		"{\"ociVersion\": \"1.0.2-dev\", \"root\": {\"path\": \"rootfs\"}, "
		"\"process\": %s%s%s}",
		process ? process
			: "{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}",
		extra[0] ? ", " : "", extra);
	oci_config_free(&cfg);
	err[0] = '\0';
	return oci_config_parse(text, strlen(text), &cfg, err, sizeof(err));
}

/* A valid config whose linux.resources is {RESOURCES}. */
static int parse_resources(const char *resources)
{
	char extra[512];

	snprintf(extra, sizeof(extra), "\"linux\": {\"resources\": {%s}}", resources);
	return parse_with(NULL, extra);
}

static bool warned(const char *text)
{
	for (size_t i = 0; i < cfg.nwarnings; i++)
		if (strstr(cfg.warnings[i], text))
			return true;
	return false;
}

static void teardown(void)
{
	oci_config_free(&cfg);
}

START_TEST(test_minimal)
{
	ck_assert_int_eq(parse_with(NULL, ""), 0);
	ck_assert_str_eq(cfg.oci_version, "1.0.2-dev");
	ck_assert_uint_eq(cfg.nargs, 1);
	ck_assert_str_eq(cfg.args[0], "sh");
	ck_assert_str_eq(cfg.cwd, "/");
	ck_assert_str_eq(cfg.root_path, "rootfs");
	ck_assert(!cfg.root_readonly && !cfg.terminal && !cfg.hostname);
	ck_assert_uint_eq(cfg.mem_mib, OCI_DEFAULT_MEM_MIB);
	ck_assert_uint_eq(cfg.vcpus, 1);
	ck_assert_uint_eq(cfg.nwarnings, 0);
}
END_TEST

START_TEST(test_full_process)
{
	ck_assert_int_eq(parse_with("{\"args\": [\"/bin/echo\", \"a b\", \"\"], \"terminal\": true,"
				    " \"consoleSize\": {\"height\": 33, \"width\": 101},"
				    " \"env\": [\"A=1\", \"B=\", \"C=x=y\"], \"cwd\": \"/w d\","
				    " \"user\": {\"uid\": 1000, \"gid\": 100,"
				    " \"additionalGids\": [10, 4294967294]}}",
				    "\"hostname\": \"box\", \"annotations\": {\"k\": \"v\"}"),
			 0);
	ck_assert_uint_eq(cfg.nargs, 3);
	ck_assert_str_eq(cfg.args[2], "");
	ck_assert_uint_eq(cfg.nenv, 3);
	ck_assert_str_eq(cfg.env[2], "C=x=y");
	ck_assert_str_eq(cfg.cwd, "/w d");
	ck_assert_uint_eq(cfg.uid, 1000);
	ck_assert_uint_eq(cfg.gid, 100);
	ck_assert_uint_eq(cfg.ngids, 2);
	ck_assert_uint_eq(cfg.gids[1], 4294967294u);
	ck_assert(cfg.terminal);
	ck_assert_uint_eq(cfg.console_rows, 33);
	ck_assert_uint_eq(cfg.console_cols, 101);
	ck_assert_str_eq(cfg.hostname, "box");
	ck_assert_ptr_nonnull(cfg.annotations);
}
END_TEST

/* Each wrong type or value is refused, and the message names the field. */
static const struct {
	const char *process, *extra, *names;
} bad[] = {
	{"{\"args\": \"sh\", \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}", "",
	 "process.args"},
	{"{\"args\": [\"sh\", 3], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}", "",
	 "process.args[1]"},
	{"{\"args\": [], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}", "", "process.args"},
	{"{\"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}", "", "process.args"},
	{"{\"args\": [\"a\\u0000b\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}", "",
	 "process.args[0]"},
	{"{\"args\": [\"sh\"], \"cwd\": \"tmp\", \"user\": {\"uid\": 0, \"gid\": 0}}", "",
	 "process.cwd"},
	{"{\"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0}}", "", "process.cwd"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": \"0\", \"gid\": 0}}", "",
	 "process.user.uid"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": -1, \"gid\": 0}}", "",
	 "process.user.uid"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0}}", "", "process.user.gid"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\"}", "", "process.user"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}, "
	 "\"terminal\": \"yes\"}",
	 "", "process.terminal"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}, "
	 "\"consoleSize\": {\"height\": -1, \"width\": 80}}",
	 "", "process.consoleSize.height"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}, "
	 "\"consoleSize\": {\"height\": 24, \"width\": \"80\"}}",
	 "", "process.consoleSize.width"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}, "
	 "\"consoleSize\": {\"height\": 24}}",
	 "", "process.consoleSize.width"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}, "
	 "\"env\": [\"NOEQUALS\"]}",
	 "", "process.env[0]"},
	{"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0, "
	 "\"additionalGids\": [\"x\"]}}",
	 "", "additionalGids"},
	{"[]", "", "process"},
	{NULL, "\"hostname\": 7", "hostname"},
	{NULL, "\"annotations\": {\"a\": 1}", "annotations.a"},
	{NULL, "\"mounts\": {}", "mounts"},
	{NULL, "\"mounts\": [{\"type\": \"proc\"}]", "mounts[0].destination"},
	{NULL, "\"mounts\": [{\"destination\": \"proc\", \"type\": \"proc\"}]", "mounts[0]"},
	{NULL, "\"mounts\": [{\"destination\": \"/a/../etc\", \"type\": \"proc\"}]", "mounts[0]"},
	{NULL, "\"mounts\": [{\"destination\": \"/d\", \"type\": \"bind\", \"source\": \"rel\"}]",
	 "mounts[0].source"},
	{NULL, "\"mounts\": [{\"destination\": \"/d\", \"options\": [1]}]", "mounts[0].options[0]"},
	{NULL, "\"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}",
	 "linux.resources.memory.limit"},
	{NULL, "\"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"0-\"}}}",
	 "linux.resources.cpu.cpus"},
	{NULL, "\"linux\": {\"resources\": {\"cpu\": {\"quota\": 1.5}}}",
	 "linux.resources.cpu.quota"},
	{NULL, "\"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}", "linux.namespaces[0].type"},
	{NULL, "\"linux\": []", "linux"},
};

START_TEST(test_bad_types)
{
	ck_assert_int_eq(parse_with(bad[_i].process, bad[_i].extra), -EINVAL);
	ck_assert_msg(strstr(err, bad[_i].names), "case %d: '%s' does not name %s", _i, err,
		      bad[_i].names);
}
END_TEST

static int parse_text(const char *text)
{
	oci_config_free(&cfg);
	return oci_config_parse(text, strlen(text), &cfg, err, sizeof(err));
}

START_TEST(test_not_json)
{
	ck_assert_int_eq(parse_text("{\"ociVersion\": "), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not valid JSON"));
	ck_assert_int_eq(parse_text("{} {}"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not valid JSON"));
	ck_assert_int_eq(parse_text("\"x\""), -EINVAL);
	ck_assert_int_eq(parse_text(""), -EINVAL);
	/* Bytes after the length the caller gives do not count. */
	ck_assert_int_eq(oci_config_parse("{}garbage", 2, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "ociVersion is missing"));
}
END_TEST

START_TEST(test_versions)
{
	static const char *const refused[] = {"0.1.0",	"2.0.0", "1.2.0", "1.0",
					      "1.0.0x", "",	 "v1.0.0"};
	static const char *const accepted[] = {"1.0.0", "1.0.2-dev", "1.1.0", "1.1.0+dev", "1.0.2"};
	char text[256];

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(text, sizeof(text), "{\"ociVersion\": \"%s\"}", refused[i]);
		ck_assert_int_eq(parse_text(text), -ENOTSUP);
		ck_assert_ptr_nonnull(strstr(err, "unsupported ociVersion"));
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		snprintf(
			text, sizeof(text),
			"{\"ociVersion\": \"%s\", \"root\": {\"path\": \"r\"}, \"process\": "
			"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}}",
			accepted[i]);
		ck_assert_msg(parse_text(text) == 0, "%s: %s", accepted[i], err);
	}
	ck_assert_int_eq(parse_text("{\"ociVersion\": 1}"), -EINVAL);
}
END_TEST

/* Not honoured and unknown fields are warned about by name, never dropped silently. */
START_TEST(test_warnings)
{
	ck_assert_int_eq(
		parse_with("{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, "
			   "\"gid\": 0, \"umask\": 18}, \"capabilities\": {}, "
			   "\"rlimits\": [], \"frobnicate\": 1}",
			   "\"hooks\": {}, \"surprise\": true, \"linux\": {\"seccomp\": {}, "
			   "\"maskedPaths\": [], \"resources\": {\"pids\": {\"limit\": 5}, "
			   "\"cpu\": {\"shares\": 1024}, \"memory\": {\"swap\": 1}}, "
			   "\"namespaces\": [{\"type\": \"network\", \"path\": "
			   "\"/proc/1/ns/net\"}, {\"type\": \"pid\"}]}"),
		0);
	static const char *const named[] = {
		"process.capabilities is not honoured",
		"process.rlimits is not honoured",
		"process.frobnicate is unknown",
		"process.user.umask is not honoured",
		"hooks is not honoured",
		"surprise is unknown",
		"linux.seccomp is not honoured",
		"linux.maskedPaths is not honoured",
		"linux.resources.pids is not honoured",
		"linux.resources.cpu.shares is not honoured",
		"linux.resources.memory.swap is not honoured",
		"linux.namespaces[0].path '/proc/1/ns/net' is not honoured",
	};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		ck_assert_msg(warned(named[i]), "no warning '%s'", named[i]);
	ck_assert_uint_eq(cfg.nwarnings, sizeof(named) / sizeof(named[0]));
}
END_TEST

/* linux.cgroupsPath is kept (oci_cgroup.c joins it), with no warning; ".." is refused. */
START_TEST(test_cgroups_path)
{
	ck_assert_int_eq(parse_with(NULL, "\"linux\": {\"cgroupsPath\": \"/libpod_parent/x\"}"), 0);
	ck_assert_str_eq(cfg.cgroups_path, "/libpod_parent/x");
	ck_assert_uint_eq(cfg.nwarnings, 0);
	ck_assert_int_eq(parse_with(NULL, "\"linux\": {\"cgroupsPath\": \"system.slice:a:b\"}"), 0);
	ck_assert_str_eq(cfg.cgroups_path, "system.slice:a:b");
	ck_assert_int_eq(parse_with(NULL, ""), 0);
	ck_assert_ptr_null(cfg.cgroups_path);
	static const char *const bad[] = {"..", "/a/..", "../b", "/a/../b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char extra[128];
		snprintf(extra, sizeof(extra), "\"linux\": {\"cgroupsPath\": \"%s\"}", bad[i]);
		ck_assert_int_eq(parse_with(NULL, extra), -EINVAL);
		ck_assert_msg(strstr(err, "linux.cgroupsPath") && strstr(err, "'..'"), "%s", err);
	}
	/* "..." and "a..b" are names, not the parent. */
	ck_assert_int_eq(parse_with(NULL, "\"linux\": {\"cgroupsPath\": \"/a...b/..c\"}"), 0);
	ck_assert_int_eq(parse_with(NULL, "\"linux\": {\"cgroupsPath\": 5}"), -EINVAL);
}
END_TEST

START_TEST(test_memory)
{
	unsigned int mib;
	bool raised;

	ck_assert_int_eq(oci_config_mem_mib(128 << 20, &mib, &raised), 0);
	ck_assert_uint_eq(mib, 128);
	ck_assert(!raised);
	ck_assert_int_eq(oci_config_mem_mib((128 << 20) + 1, &mib, &raised), 0);
	ck_assert_uint_eq(mib, 129); /* rounded up: never less than the limit */
	ck_assert_int_eq(oci_config_mem_mib(1, &mib, &raised), 0);
	ck_assert_uint_eq(mib, OCI_MIN_MEM_MIB);
	ck_assert(raised);
	ck_assert_int_eq(oci_config_mem_mib(-1, &mib, &raised), 0); /* -1: unlimited */
	ck_assert_uint_eq(mib, OCI_DEFAULT_MEM_MIB);
	ck_assert_int_eq(oci_config_mem_mib((int64_t)OCI_MAX_MEM_MIB << 20, &mib, &raised), 0);
	ck_assert_uint_eq(mib, OCI_MAX_MEM_MIB);
	ck_assert_int_eq(oci_config_mem_mib(((int64_t)OCI_MAX_MEM_MIB << 20) + 1, &mib, &raised),
			 -ERANGE);
	ck_assert_int_eq(oci_config_mem_mib(INT64_MAX, &mib, &raised), -ERANGE);

	ck_assert_int_eq(parse_resources("\"memory\": {\"limit\": 268435457}"), 0);
	ck_assert_uint_eq(cfg.mem_mib, 257);
	ck_assert_int_eq(parse_resources("\"memory\": {\"limit\": 1048576}"), 0);
	ck_assert_uint_eq(cfg.mem_mib, OCI_MIN_MEM_MIB);
	ck_assert(warned("raised to"));
	ck_assert_int_eq(parse_resources("\"memory\": {\"limit\": 9223372036854775807}"), -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "linux.resources.memory.limit"));
}
END_TEST

START_TEST(test_vcpus)
{
	unsigned int n;

	ck_assert_int_eq(oci_config_vcpus(0, 0, NULL, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(oci_config_vcpus(150000, 100000, NULL, &n), 0);
	ck_assert_uint_eq(n, 2); /* 1.5 CPUs of time need 2 vCPUs */
	ck_assert_int_eq(oci_config_vcpus(50000, 100000, "", &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(oci_config_vcpus(400000, 0, NULL, &n), 0);
	ck_assert_uint_eq(n, 4); /* the default period, 100 ms */
	ck_assert_int_eq(oci_config_vcpus(-1, 100000, NULL, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(oci_config_vcpus(0, 0, "0-3,6", &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(oci_config_vcpus(0, 0, "7", &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(oci_config_vcpus(200000, 100000, "0-7", &n), 0);
	ck_assert_uint_eq(n, 2); /* both: the smaller */
	ck_assert_int_eq(oci_config_vcpus(800000, 100000, "0,1,2", &n), 0);
	ck_assert_uint_eq(n, 3);
	static const char *const junk[] = {"0-", "a", "3-1", "1,,2", "1,", "-1", "1 2", "0-99999"};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		ck_assert_msg(oci_config_vcpus(0, 0, junk[i], &n) == -EINVAL, "'%s'", junk[i]);

	ck_assert_int_eq(parse_resources("\"cpu\": {\"quota\": 300000, \"period\": 100000}"), 0);
	ck_assert_uint_eq(cfg.vcpus, 3);
	ck_assert_int_eq(parse_resources("\"cpu\": {\"cpus\": \"0-255\"}"), 0);
	ck_assert_uint_eq(cfg.vcpus, OCI_MAX_VCPUS);
	ck_assert(warned("kvmini's most"));
}
END_TEST

START_TEST(test_mounts)
{
	ck_assert_int_eq(
		parse_with(
			NULL,
			"\"mounts\": ["
			"{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
			"{\"destination\": \"/data\", \"type\": \"none\", \"source\": \"/srv\","
			" \"options\": [\"rbind\", \"ro\", \"rprivate\", \"nosuid\"]},"
			"{\"destination\": \"/w\", \"type\": \"bind\", \"source\": \"/tmp\"},"
			"{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\"},"
			"{\"destination\": \"/t\", \"type\": \"tmpfs\","
			" \"options\": [\"size=1m\", \"mode=1777\", \"frob\", \"x,y\"]},"
			"{\"destination\": \"/a/..b\", \"type\": \"sysfs\", \"options\": [\"ro\"]}"
			"]"),
		0);
	ck_assert_uint_eq(cfg.nmounts, 6);
	ck_assert_int_eq(cfg.mounts[0].kind, OCI_MOUNT_GUEST);
	ck_assert_str_eq(cfg.mounts[0].options, "");
	ck_assert_int_eq(cfg.mounts[1].kind, OCI_MOUNT_BIND);
	ck_assert(cfg.mounts[1].read_only);
	ck_assert_str_eq(cfg.mounts[1].source, "/srv");
	ck_assert_str_eq(cfg.mounts[1].options, "ro,nosuid"); /* propagation means nothing here */
	ck_assert_int_eq(cfg.mounts[2].kind, OCI_MOUNT_BIND);
	ck_assert(!cfg.mounts[2].read_only);
	ck_assert_int_eq(cfg.mounts[3].kind, OCI_MOUNT_SKIPPED);
	ck_assert(warned("mounts[3] (/sys/fs/cgroup, type 'cgroup') is not honoured"));
	ck_assert_int_eq(cfg.mounts[4].kind, OCI_MOUNT_GUEST);
	ck_assert_str_eq(cfg.mounts[4].options, "size=1m,mode=1777");
	ck_assert(warned("option 'frob' is not honoured"));
	ck_assert(warned("option 'x,y' is not honoured"));
	ck_assert_int_eq(cfg.mounts[5].kind, OCI_MOUNT_GUEST);
	ck_assert(cfg.mounts[5].read_only);
	ck_assert_uint_eq(cfg.nwarnings, 3);
}
END_TEST

/* `kvmini oci spec` must be accepted by create as it is, without a warning. */
START_TEST(test_default_spec)
{
	json_object *spec = oci_spec_default();
	ck_assert_ptr_nonnull(spec);
	ck_assert_int_eq(parse_text(json_object_to_json_string(spec)), 0);
	json_object_put(spec);
	ck_assert_uint_eq(cfg.nwarnings, 0);
	ck_assert(cfg.terminal && cfg.root_readonly);
	ck_assert_str_eq(cfg.root_path, "rootfs");
	ck_assert_uint_eq(cfg.nargs, 1);
	ck_assert_str_eq(cfg.args[0], "sh");
	ck_assert_uint_eq(cfg.mem_mib, 128);
	ck_assert_uint_eq(cfg.vcpus, 1);
	json_object *features = oci_spec_features();
	ck_assert_ptr_nonnull(features);
	json_object_put(features);
}
END_TEST

START_TEST(test_warning_cap)
{
	char extra[8192];
	size_t n = 0;

	for (int i = 0; i < OCI_CONFIG_MAX_WARN + 10; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s\"x%d\": 0", i ? ", " : "",
				      i);
	ck_assert_int_eq(parse_with(NULL, extra), 0);
	ck_assert_uint_eq(cfg.nwarnings, OCI_CONFIG_MAX_WARN);
	ck_assert_uint_eq(cfg.nwarnings_dropped, 10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oci_config");
	TCase *tc = tcase_create("oci_config");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_full_process);
	tcase_add_loop_test(tc, test_bad_types, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_not_json);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_warnings);
	tcase_add_test(tc, test_cgroups_path);
	tcase_add_test(tc, test_memory);
	tcase_add_test(tc, test_vcpus);
	tcase_add_test(tc, test_mounts);
	tcase_add_test(tc, test_default_spec);
	tcase_add_test(tc, test_warning_cap);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
