// SPDX-License-Identifier: MIT
/*
 * Bind mounts of host files (vmm/oci/oci_files.c, and their call in
 * process.sh from oci_vm.c): sources told apart (a directory stays a share,
 * a small regular file becomes a copy, a large file, a FIFO, a device or
 * one beyond the count are skipped with a warning naming the mount, a
 * missing source is an error), "ro" kept, the copies' bytes and modes, a
 * source swapped for a FIFO or grown past the limit after the plan, and
 * the oci_bind_file lines through /bin/sh.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/oci_config.h"
#include "oci/oci_files.h"
#include "oci/oci_vm.h"
#include "unit_run.h"

static char dir[] = "/tmp/kvmini-oci-files.XXXXXX";
static struct oci_config cfg;
static char err[512];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	oci_config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* dir/NAME into buf. */
static const char *at(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}
#define AT(name) at((char[300]){0}, 300, name)

/* dir/NAME holding len bytes of text (repeated), with mode. */
static void make_file(const char *name, const char *text, size_t len, mode_t mode)
{
	FILE *f = fopen(AT(name), "w");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < len; i++)
		fputc(text[i % strlen(text)], f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(AT(name), mode), 0);
}

/* Parse a config whose "mounts" are the JSON objects in mounts (sources are under dir). */
static void parse(const char *mounts)
{
	char text[16384];

	snprintf(text, sizeof(text),
		 "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"},"
		 "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
		 " \"user\": {\"uid\": 0, \"gid\": 0}}, \"mounts\": [%s]}",
		 mounts);
	oci_config_free(&cfg);
	ck_assert_msg(oci_config_parse(text, strlen(text), &cfg, err, sizeof(err)) == 0, "%s", err);
}

static bool warned(const char *text)
{
	for (size_t i = 0; i < cfg.nwarnings; i++)
		if (strstr(cfg.warnings[i], text))
			return true;
	return false;
}

/* One bind mount object: source dir/NAME at DEST with OPTIONS (a JSON array's inside). */
static int bind_json(char *out, size_t len, const char *name, const char *dest, const char *options)
{
	return snprintf(out, len,
			"{\"destination\": \"%s\", \"type\": \"bind\", \"source\": \"%s/%s\","
			" \"options\": [%s]}",
			dest, dir, name, options);
}

/* The podman-like set of sources: a directory, files ro and rw, and the kinds that are not. */
static void parse_kinds(void)
{
	char mounts[8192];
	size_t n = 0;
	static const char *const m[][3] = {
		{"d", "/data", "\"rbind\""},
		{"hosts", "/etc/hosts", "\"bind\", \"ro\""},
		{"hostname", "/etc/hostname", "\"rbind\", \"rw\", \"nosuid\""},
		{"big", "/big", "\"bind\""},
		{"fifo", "/fifo", "\"bind\""},
		{"limit", "/limit", "\"bind\", \"ro\""},
		{"null", "/null", "\"bind\""},
	};

	ck_assert_int_eq(mkdir(AT("d"), 0755), 0);
	make_file("hosts", "127.0.0.1 localhost\n", 20, 0644);
	make_file("hostname", "box\n", 4, 0640);
	make_file("big", "x", OCI_FILES_MAX_BYTES + 1, 0644);
	make_file("limit", "y", OCI_FILES_MAX_BYTES, 0600);
	ck_assert_int_eq(mkfifo(AT("fifo"), 0644), 0);
	ck_assert_int_eq(symlink("/dev/null", AT("null")), 0);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		n += (size_t)snprintf(mounts + n, sizeof(mounts) - n, "%s", i ? ", " : "");
		n += (size_t)bind_json(mounts + n, sizeof(mounts) - n, m[i][0], m[i][1], m[i][2]);
	}
	n += (size_t)snprintf(mounts + n, sizeof(mounts) - n,
			      ", {\"destination\": \"/proc\", \"type\": \"proc\"}");
	parse(mounts);
	ck_assert_uint_eq(cfg.nmounts, 8);
	ck_assert_int_eq(oci_files_plan(&cfg, err, sizeof(err)), 0);
}

START_TEST(test_plan_kinds)
{
	parse_kinds();
	ck_assert_int_eq(cfg.mounts[0].kind, OCI_MOUNT_BIND); /* a directory: a share */
	ck_assert_int_eq(cfg.mounts[1].kind, OCI_MOUNT_FILE);
	ck_assert(cfg.mounts[1].read_only);
	ck_assert_int_eq(cfg.mounts[2].kind, OCI_MOUNT_FILE);
	ck_assert(!cfg.mounts[2].read_only);
	ck_assert_int_eq(cfg.mounts[3].kind, OCI_MOUNT_SKIPPED); /* 1 MiB + 1 */
	ck_assert(warned("mounts[3] (/big) is not honoured"));
	ck_assert(warned("has 1048577 bytes; files of at most 1048576 are copied"));
	ck_assert_int_eq(cfg.mounts[4].kind, OCI_MOUNT_SKIPPED); /* never opened: no hang */
	ck_assert(warned("mounts[4] (/fifo) is not honoured"));
	ck_assert_int_eq(cfg.mounts[5].kind, OCI_MOUNT_FILE);	 /* exactly the limit */
	ck_assert_int_eq(cfg.mounts[6].kind, OCI_MOUNT_SKIPPED); /* a link to a device */
	ck_assert(warned("mounts[6] (/null) is not honoured: its source"));
	ck_assert(warned("is neither a directory nor a regular file"));
	ck_assert_int_eq(cfg.mounts[7].kind, OCI_MOUNT_GUEST);
	ck_assert_uint_eq(cfg.nwarnings, 3);
}
END_TEST

/* A missing source is an error naming it, as runc's (and a missing directory's here). */
START_TEST(test_plan_missing)
{
	char mounts[1024];

	make_file("hosts", "h\n", 2, 0644);
	size_t n = (size_t)bind_json(mounts, sizeof(mounts), "hosts", "/etc/hosts", "");
	mounts[n++] = ',';
	bind_json(mounts + n, sizeof(mounts) - n, "gone", "/etc/resolv.conf", "\"ro\"");
	parse(mounts);
	ck_assert_int_eq(oci_files_plan(&cfg, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "bind mount source '"));
	ck_assert_ptr_nonnull(strstr(err, "/gone': No such file or directory"));
}
END_TEST

/* Beyond OCI_FILES_MAX files, the rest are skipped with a warning. */
START_TEST(test_plan_count)
{
	static char mounts[OCI_FILES_MAX * 200];
	char dest[32];
	size_t n = 0;

	make_file("f", "f", 1, 0644);
	for (int i = 0; i <= OCI_FILES_MAX; i++) {
		snprintf(dest, sizeof(dest), "/f%d", i);
		n += (size_t)snprintf(mounts + n, sizeof(mounts) - n, "%s", i ? ", " : "");
		n += (size_t)bind_json(mounts + n, sizeof(mounts) - n, "f", dest, "");
	}
	parse(mounts);
	ck_assert_int_eq(oci_files_plan(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.mounts[OCI_FILES_MAX - 1].kind, OCI_MOUNT_FILE);
	ck_assert_int_eq(cfg.mounts[OCI_FILES_MAX].kind, OCI_MOUNT_SKIPPED);
	ck_assert_uint_eq(cfg.nwarnings, 1);
	ck_assert(warned("(/f64) is not honoured: at most 64 files"));
}
END_TEST

/* dir/NAME's bytes equal dir/WANT's, and its mode is mode. */
static void same_file(const char *name, const char *want, mode_t mode)
{
	char cmd[700];
	struct stat st;

	ck_assert_int_eq(stat(AT(name), &st), 0);
	ck_assert_msg(S_ISREG(st.st_mode), "%s is not a regular file", name);
	ck_assert_uint_eq(st.st_mode & 07777, mode);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", AT(name), AT(want));
	ck_assert_msg(system(cmd) == 0, "%s differs from %s", name, want);
}

START_TEST(test_copy)
{
	parse_kinds();
	ck_assert_int_eq(mkdir(AT("share"), 0755), 0);
	ck_assert_int_eq(oci_files_copy(&cfg, AT("share"), err, sizeof(err)), 0);
	same_file("share/" OCI_FILES_DIR "/1", "hosts", 0644);
	same_file("share/" OCI_FILES_DIR "/2", "hostname", 0640);
	same_file("share/" OCI_FILES_DIR "/5", "limit", 0600);
	/* Only the files: no copy of a directory, a skipped mount or a kernel file system. */
	static const char *const none[] = {"0", "3", "4", "6", "7"};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "share/" OCI_FILES_DIR "/%s", none[i]);
		ck_assert_msg(access(AT(name), F_OK) != 0, "%s exists", name);
	}
	/* A container's writes go to the copy, never to the source. */
	FILE *f = fopen(AT("share/" OCI_FILES_DIR "/2"), "a");
	ck_assert_ptr_nonnull(f);
	fputs("written in the container\n", f);
	ck_assert_int_eq(fclose(f), 0);
	make_file("want", "box\n", 4, 0640);
	same_file("hostname", "want", 0640);
}
END_TEST

/* No file bind mount: no files/ directory either. */
START_TEST(test_copy_none)
{
	parse("{\"destination\": \"/proc\", \"type\": \"proc\"}");
	ck_assert_int_eq(oci_files_plan(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(mkdir(AT("share"), 0755), 0);
	ck_assert_int_eq(oci_files_copy(&cfg, AT("share"), err, sizeof(err)), 0);
	ck_assert_int_ne(access(AT("share/" OCI_FILES_DIR), F_OK), 0);
}
END_TEST

/* A config with one file bind mount (dir/hosts at /etc/hosts), planned, and dir/share. */
static void plan_hosts(void)
{
	char mounts[512];

	make_file("hosts", "h\n", 2, 0644);
	bind_json(mounts, sizeof(mounts), "hosts", "/etc/hosts", "");
	parse(mounts);
	ck_assert_int_eq(oci_files_plan(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.mounts[0].kind, OCI_MOUNT_FILE);
	ck_assert_int_eq(mkdir(AT("share"), 0755), 0);
}

/* Planned as a file, a FIFO by the time of the copy: refused at once (no blocking open). */
START_TEST(test_copy_fifo_swapped)
{
	plan_hosts();
	ck_assert_int_eq(unlink(AT("hosts")), 0);
	ck_assert_int_eq(mkfifo(AT("hosts"), 0644), 0);
	alarm(5); /* a blocking open would hang here */
	ck_assert_int_eq(oci_files_copy(&cfg, AT("share"), err, sizeof(err)), -EINVAL);
	alarm(0);
	ck_assert_ptr_nonnull(
		strstr(err, "/hosts' is no longer a regular file (mounts[0], /etc/hosts)"));
}
END_TEST

/* Grown past the limit since the plan: refused, not copied whole. */
START_TEST(test_copy_grown)
{
	plan_hosts();
	make_file("hosts", "z", OCI_FILES_MAX_BYTES + 1, 0644);
	ck_assert_int_eq(oci_files_copy(&cfg, AT("share"), err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, "reads more than 1048576 bytes"));
}
END_TEST

/*
 * process.sh: one oci_bind_file per file, in config order among the other
 * mounts, its destination one quoted word; the directory keeps its share.
 * Sourced by /bin/sh with stand-ins that print each call's words.
 */
START_TEST(test_process_sh)
{
	char mounts[2048], out[2048];
	size_t n = 0;

	make_file("hosts", "h\n", 2, 0644);
	ck_assert_int_eq(mkdir(AT("d"), 0755), 0);
	n += (size_t)bind_json(mounts + n, sizeof(mounts) - n, "d", "/data", "\"rbind\"");
	n += (size_t)snprintf(mounts + n, sizeof(mounts) - n, ", ");
	n += (size_t)bind_json(mounts + n, sizeof(mounts) - n, "hosts", "/etc/it's $x", "\"ro\"");
	n += (size_t)snprintf(mounts + n, sizeof(mounts) - n,
			      ", {\"destination\": \"/proc\", \"type\": \"proc\"}, ");
	bind_json(mounts + n, sizeof(mounts) - n, "hosts", "/etc/hosts", "\"rbind\"");
	parse(mounts);
	ck_assert_int_eq(oci_files_plan(&cfg, err, sizeof(err)), 0);

	FILE *f = fopen(AT("process.sh"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("oci_format() { :; }; oci_root() { :; }; oci_terminal() { :; }; oci_exec() { :; }\n"
	      "oci_mount() { printf '[%s]' mount \"$@\"; echo; }\n"
	      "oci_bind_file() { printf '[%s]' file \"$@\"; echo; }\n",
	      f);
	ck_assert_int_eq(oci_vm_write_process(&cfg, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "/bin/sh '%s'", AT("process.sh"));
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	out[fread(out, 1, sizeof(out) - 1, p)] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_str_eq(out, "[mount][virtiofs][kvmini-bind0][/data][]\n"
			      "[file][1][/etc/it's $x][ro]\n"
			      "[mount][proc][][/proc][]\n"
			      "[file][3][/etc/hosts][rw]\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oci_files");
	TCase *tc = tcase_create("oci_files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plan_kinds);
	tcase_add_test(tc, test_plan_missing);
	tcase_add_test(tc, test_plan_count);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_copy_none);
	tcase_add_test(tc, test_copy_fifo_swapped);
	tcase_add_test(tc, test_copy_grown);
	tcase_add_test(tc, test_process_sh);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
