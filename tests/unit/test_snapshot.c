// SPDX-License-Identifier: MIT
/*
 * Snapshot files without KVM: the manifest's round trip and refusals
 * (host/snapshot_manifest*.c), state file headers and the sparse memory file
 * (host/snapshot_files.c), the vCPU and VM state blobs (kvm/vcpu_state.c,
 * kvm/vm_state.c) and restore_check() on a whole directory
 * (host/restore.c). Setting state into KVM needs /dev/kvm: the snapshot
 * integration tests do that, and skip here.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_snapshot.h"
#include "host/restore.h"
#include "host/snapshot_files.h"
#include "host/snapshot_manifest.h"
#include "kvm/vcpu_state.h"
#include "kvm/vm_state.h"
#include "unit_run.h"

static char dir[64];
static int dirfd = -1;
static char err[512];

static void setup(void)
{
	strcpy(dir, "/tmp/kvmini-snapshot-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dirfd, 0);
	err[0] = '\0';
}

static void teardown(void)
{
	char cmd[128];
	close(dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void sample_manifest(struct snapshot_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->format_version = SNAPSHOT_FORMAT_VERSION;
	strcpy(m->kvmini_version, "0.1.0");
	strcpy(m->host_kind, "hardware");
	m->mem_size = 256ull << 20;
	m->ncpus = 2;
	m->irqchip = m->pit = m->linux_guest = m->linux_booted = true;
	m->console = CONSOLE_FILE;
	strcpy(m->console_path, "/tmp/console \"quoted\" \\ out");
	m->rng = true;
	m->ndisks = 2;
	strcpy(m->disks[0].path, "/images/root.img");
	m->disks[0].size = 1ull << 40;
	strcpy(m->disks[1].path, "/images/ro.img");
	m->disks[1].size = 512;
	m->disks[1].read_only = true;
	m->vsock = true;
	m->vsock_cid = 0xfffffffe;
	strcpy(m->vsock_path, "/run/v.sock");
	ck_assert_int_eq(snapshot_manifest_add_file(m, "vcpu-0.state", 100, 0xffffffffu), 0);
	ck_assert_int_eq(snapshot_manifest_add_file(m, "vm.state", 200, 0), 0);
}

START_TEST(manifest_round_trip)
{
	struct snapshot_manifest *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	sample_manifest(a);
	ck_assert_int_eq(snapshot_manifest_write(dirfd, a), 0);
	ck_assert_int_eq(snapshot_manifest_read(dirfd, b, err, sizeof(err)), 0);
	ck_assert_int_eq(memcmp(a, b, sizeof(*a)), 0); /* every field, byte for byte */
	ck_assert_ptr_nonnull(snapshot_manifest_file(b, "vm.state"));
	ck_assert_ptr_null(snapshot_manifest_file(b, "nope"));
	/* No temporary file left behind. */
	ck_assert_int_eq(faccessat(dirfd, "manifest.json.tmp", F_OK, 0), -1);
	free(a);
	free(b);
}
END_TEST

/* Parse a manifest made from the sample by one textual replacement. */
static int parse_edited(const char *from, const char *to)
{
	struct snapshot_manifest *m = malloc(sizeof(*m));
	char buf[8192];
	sample_manifest(m);
	ck_assert_int_eq(snapshot_manifest_write(dirfd, m), 0);
	int fd = openat(dirfd, "manifest.json", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	char *at = strstr(buf, from);
	ck_assert_msg(at, "'%s' not in the manifest", from);
	char edited[8192];
	snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
	int ret = snapshot_manifest_parse(edited, strlen(edited), m, err, sizeof(err));
	free(m);
	return ret;
}

static const struct {
	const char *from, *to, *reason;
	int ret;
} refusals[] = {
	{"\"format_version\":1", "\"format_version\":7", "format version 7", -ENOTSUP},
	{"\"format_version\":1", "\"format_version\":\"1\"", "'format_version' is missing",
	 -EPROTO},
	{"\"format\":\"kvmini-snapshot\"", "\"format\":\"x\"", "format 'x'", -EPROTO},
	{"\"vcpus\":2", "\"vcpus\":0", "vcpus or memory.size is 0", -EPROTO},
	{"\"vcpus\":2", "\"vcpus\":65", "'vcpus' is out of range", -EPROTO},
	{"\"vcpus\":2", "\"vcpus\":-1", "'vcpus' is out of range", -EPROTO},
	{"\"size\":268435456", "\"size\":268435457", "not whole pages", -EPROTO},
	{"\"size\":268435456", "\"size\":18446744073709551615", "out of range", -EPROTO},
	{"\"file\":\"memory.bin\"", "\"file\":\"/etc/shadow\"", "memory.file", -EPROTO},
	{"\"irqchip\":true", "\"irqchip\":1", "'irqchip' is missing or not boolean", -EPROTO},
	{"\"kind\":\"file\"", "\"kind\":\"tty\"", "'tty' is unknown", -EPROTO},
	{"\"cid\":4294967294", "\"cid\":2", "cid 2 is below 3", -EPROTO},
	{"\"cid\":4294967294", "\"cid\":4294967295", "out of range", -EPROTO},
	{"\"name\":\"vm.state\"", "\"name\":\"vcpu-0.state\"", "listed twice", -EPROTO},
	{"\"name\":\"vm.state\"", "\"name\":\"..\"", "not a plain name", -EPROTO},
	{"\"name\":\"vm.state\"", "\"name\":\"a\\u0000b\"", "NUL", -EPROTO},
	{"\"crc32\":0", "\"crc32\":4294967296", "'files[].crc32' is out of range", -EPROTO},
	{"\"rng\":true", "\"rng\":true,\"gpu\":true", "unknown field 'devices.gpu'", -EPROTO},
	{"\"read_only\":true", "\"read_only\":true,\"x\":0", "unknown field", -EPROTO},
	{"\"vsock\":{", "\"vsock\":[{", "not JSON", -EPROTO},
	{"\"linux_booted\":true,", "", "'linux_booted' is missing", -EPROTO},
	{"\"host_kind\":\"hardware\"", "\"host_kind\":\"\"", "empty", -EPROTO},
	{"\"files\":[", "\"files\":{}, \"x\":[", "unknown field 'x'", -EPROTO},
};

START_TEST(manifest_refusals)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		err[0] = '\0';
		int ret = parse_edited(refusals[i].from, refusals[i].to);
		ck_assert_msg(ret == refusals[i].ret, "case %zu (%s): %d, expected %d (%s)", i,
			      refusals[i].to, ret, refusals[i].ret, err);
		ck_assert_msg(strstr(err, refusals[i].reason), "case %zu: '%s' lacks '%s'", i, err,
			      refusals[i].reason);
	}
}
END_TEST

START_TEST(manifest_not_json)
{
	struct snapshot_manifest *m = malloc(sizeof(*m));
	static const char *const bad[] = {"", "[]", "null", "{", "{} {}", "{\"format\":1}", "\xff"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(
			snapshot_manifest_parse(bad[i], strlen(bad[i]), m, err, sizeof(err)),
			-EPROTO);
	/* Whitespace after the object is fine; anything else is not. */
	ck_assert_int_eq(snapshot_manifest_parse("{} x", 4, m, err, sizeof(err)), -EPROTO);
	ck_assert_str_eq(err, "not JSON: bytes after the object");
	char *huge = calloc(1, SNAPSHOT_MANIFEST_MAX_BYTES + 2);
	memset(huge, ' ', SNAPSHOT_MANIFEST_MAX_BYTES + 1);
	ck_assert_int_eq(
		snapshot_manifest_parse(huge, SNAPSHOT_MANIFEST_MAX_BYTES + 1, m, err, sizeof(err)),
		-EFBIG);
	free(huge);
	free(m);
}
END_TEST

START_TEST(state_file_round_trip_and_refusals)
{
	static const char payload[] = "some state bytes";
	const uint8_t *p;
	uint8_t *buf;
	size_t len, size;
	uint32_t crc, crc2;

	ck_assert_int_eq(snapshot_files_write_state(dirfd, "x.state", SNAPSHOT_KIND_VM, payload,
						    sizeof(payload), &crc),
			 0);
	ck_assert_int_eq(snapshot_files_read(dirfd, "x.state", 1 << 20, &buf, &size, &crc2, err,
					     sizeof(err)),
			 0);
	ck_assert_uint_eq(crc, crc2);
	ck_assert_uint_eq(size, SNAPSHOT_HEADER_SIZE + sizeof(payload));
	ck_assert_int_eq(
		snapshot_files_parse_state(buf, size, SNAPSHOT_KIND_VM, &p, &len, err, sizeof(err)),
		0);
	ck_assert_uint_eq(len, sizeof(payload));
	ck_assert_mem_eq(p, payload, len);

	/* Another kind; every truncation; trailing bytes; each header byte; the payload. */
	ck_assert_int_eq(snapshot_files_parse_state(buf, size, SNAPSHOT_KIND_VCPU, &p, &len, err,
						    sizeof(err)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "another kind"));
	for (size_t cut = 0; cut < size; cut++)
		ck_assert_int_eq(snapshot_files_parse_state(buf, cut, SNAPSHOT_KIND_VM, &p, &len,
							    err, sizeof(err)),
				 -EPROTO);
	uint8_t *longer = calloc(1, size + 1);
	memcpy(longer, buf, size);
	ck_assert_int_eq(snapshot_files_parse_state(longer, size + 1, SNAPSHOT_KIND_VM, &p, &len,
						    err, sizeof(err)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "trailing bytes"));
	for (size_t i = 0; i < size; i++) {
		memcpy(longer, buf, size);
		longer[i] ^= 0x01;
		ck_assert_msg(snapshot_files_parse_state(longer, size, SNAPSHOT_KIND_VM, &p, &len,
							 err, sizeof(err)) == -EPROTO,
			      "a flipped bit at %zu was accepted", i);
	}
	free(longer);
	free(buf);

	/* Too large, and a symlink. */
	ck_assert_int_eq(
		snapshot_files_read(dirfd, "x.state", 10, &buf, &size, &crc2, err, sizeof(err)),
		-EFBIG);
	ck_assert_int_eq(symlinkat("x.state", dirfd, "link.state"), 0);
	ck_assert_int_eq(snapshot_files_read(dirfd, "link.state", 1 << 20, &buf, &size, &crc2, err,
					     sizeof(err)),
			 -ELOOP);
	ck_assert_ptr_nonnull(strstr(err, "symbolic link"));
}
END_TEST

START_TEST(memory_file_is_sparse_and_exact)
{
	const uint64_t size = 8u << 20;
	uint8_t *mem = calloc(1, size);
	struct stat st;

	memset(mem + 3 * 4096, 0x5a, 4096);
	memset(mem + size - 4096, 0xa5, 100);
	ck_assert_int_eq(snapshot_files_write_memory(dirfd, "mem", mem, size), 0);
	int fd = snapshot_files_open_memory(dirfd, "mem", size, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)size);
	ck_assert_int_le(st.st_blocks * 512, 64 * 1024); /* two pages of data, not 8 MiB */
	/* The first data is where the guest wrote it; before it, a hole. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_DATA), 3 * 4096);
	ck_assert_int_eq(lseek(fd, 3 * 4096, SEEK_HOLE), 4 * 4096);
	uint8_t *back = malloc(size);
	ck_assert_int_eq(pread(fd, back, size, 0), (ssize_t)size);
	ck_assert_int_eq(memcmp(back, mem, size), 0);
	close(fd);

	/* Shorter or longer than the manifest says: refused. */
	ck_assert_int_eq(snapshot_files_open_memory(dirfd, "mem", size + 4096, err, sizeof(err)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	ck_assert_int_eq(snapshot_files_open_memory(dirfd, "mem", size - 4096, err, sizeof(err)),
			 -EPROTO);
	free(back);
	free(mem);
}
END_TEST

START_TEST(vcpu_state_round_trip_and_refusals)
{
	struct vcpu_state *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct state_writer w;
	struct state_reader r;

	a->id = 3;
	a->has_xsave = a->has_xcrs = a->has_lapic = true;
	a->regs.rip = 0x1234;
	a->sregs.cr0 = 0x80000011;
	a->xsave[5] = 77;
	a->xcrs.nr_xcrs = 1;
	a->nmsrs = 3;
	a->msrs[2].index = 0x10;
	a->msrs[2].data = 99;
	a->lapic.regs[0x20] = 1;
	state_writer_init(&w, NULL, 0);
	ck_assert_int_eq(vcpu_state_save(a, &w), 0);
	state_reader_init(&r, w.buf, w.len);
	ck_assert_int_eq(vcpu_state_load(b, &r), 0);
	ck_assert_uint_eq(r.pos, w.len);
	ck_assert_int_eq(memcmp(a, b, sizeof(*a)), 0);

	for (size_t cut = 0; cut < w.len; cut += 7) {
		state_reader_init(&r, w.buf, cut);
		ck_assert_int_eq(vcpu_state_load(b, &r), -EPROTO);
	}
	/* Too many MSRs: the count is the last u32 before the entries. */
	size_t count_at = w.len - 3 * sizeof(struct kvm_msr_entry) - 4;
	w.buf[count_at + 1] = 0xff;
	state_reader_init(&r, w.buf, w.len);
	ck_assert_int_eq(vcpu_state_load(b, &r), -EINVAL);
	/* A structure size that is not this build's: kvm_regs' size comes after id and flags. */
	w.buf[count_at + 1] = 0; /* the MSR count back */
	w.buf[STATE_HEADER_SIZE + 8] ^= 1;
	state_reader_init(&r, w.buf, w.len);
	ck_assert_int_eq(vcpu_state_load(b, &r), -EINVAL);
	state_writer_release(&w);
	free(a);
	free(b);
}
END_TEST

START_TEST(vm_state_round_trip_and_refusals)
{
	struct vm_state a = {0}, b;
	struct state_writer w;
	struct state_reader r;

	a.has_irqchip = a.has_pit = true;
	for (int i = 0; i < VM_STATE_CHIPS; i++)
		a.chips[i].chip_id = (uint32_t)i;
	a.chips[2].chip.ioapic.id = 7;
	a.pit.channels[0].count = 0x1234;
	a.clock.clock = 42;
	a.realtime_ns = 43;
	state_writer_init(&w, NULL, 0);
	ck_assert_int_eq(vm_state_save(&a, &w), 0);
	state_reader_init(&r, w.buf, w.len);
	ck_assert_int_eq(vm_state_load(&b, &r), 0);
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
	for (size_t cut = 0; cut < w.len; cut++) {
		state_reader_init(&r, w.buf, cut);
		ck_assert_int_eq(vm_state_load(&b, &r), -EPROTO);
	}
	/* A chip in the wrong slot. */
	a.chips[1].chip_id = 2;
	state_writer_release(&w);
	state_writer_init(&w, NULL, 0);
	vm_state_save(&a, &w);
	state_reader_init(&r, w.buf, w.len);
	ck_assert_int_eq(vm_state_load(&b, &r), -EINVAL);
	state_writer_release(&w);
}
END_TEST

static const char *host = "test-host";

static int check(const char *d, struct vm_config *opts, struct restore *r)
{
	opts->restore_dir = d;
	int ret = restore_check(r, opts, host);
	return ret;
}

START_TEST(restore_check_accepts_a_valid_snapshot)
{
	char snap[128], disk[128];
	struct vm_config opts = {.seccomp = true, .timeout_s = 5};
	struct restore r;

	snprintf(snap, sizeof(snap), "%s/snap", dir);
	snprintf(disk, sizeof(disk), "%s/disk.img", dir);
	ck_assert_int_eq(truncate(disk, 0) == 0 || errno == ENOENT, 1);
	int fd = open(disk, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	struct fake_snapshot_opts o = {
		.host_kind = host, .disk = disk, .ncpus = 3, .mem_size = 4 << 20, .irqchip = true};
	ck_assert_int_eq(fake_snapshot_write(snap, &o), 0);

	ck_assert_int_eq(check(snap, &opts, &r), 0);
	ck_assert_uint_eq(r.cfg.cpus, 3);
	ck_assert_uint_eq(r.cfg.mem_size, 4 << 20);
	ck_assert_uint_eq(r.cfg.ndisks, 1);
	ck_assert_str_eq(r.cfg.disks[0].path, disk);
	ck_assert_uint_eq(r.cfg.timeout_s, 5);
	ck_assert_ptr_null(r.cfg.kernel_path);
	ck_assert(r.vcpus[2].id == 2 && r.vcpus[2].has_lapic && r.vcpus[2].msrs[0].data == 12345);
	ck_assert(r.vm.has_pit && r.vm.clock.clock == 1000000000ull);
	ck_assert_int_ge(r.mem_fd, 0);
	restore_free(&r);
	restore_free(&r); /* twice is fine */

	/* A --disk in the snapshot disk's place, of the same size. */
	char copy[160];
	snprintf(copy, sizeof(copy), "%s.copy", disk);
	fd = open(copy, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	opts.ndisks = 1;
	opts.disks[0].path = copy;
	ck_assert_int_eq(check(snap, &opts, &r), 0);
	ck_assert_str_eq(r.cfg.disks[0].path, copy);
	restore_free(&r);

	/* Another host kind. */
	host = "other";
	ck_assert_int_eq(check(snap, &opts, &r), -EXDEV);
	restore_free(&r);
	host = "test-host";

	/* --vsock for a snapshot without one. */
	opts.vsock_path = "/tmp/x.sock";
	opts.vsock_cid = 3;
	ck_assert_int_eq(check(snap, &opts, &r), -EINVAL);
	restore_free(&r);
}
END_TEST

START_TEST(command_becomes_console_input)
{
	char *words[] = {"echo", "clone-1", "--flag"};
	struct vm_config opts = {.restore_cmd = words, .restore_ncmd = 3};
	char buf[64];

	ck_assert_int_eq(restore_feed_command(&opts), 0);
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	ck_assert_int_eq(n, 20);
	ck_assert_mem_eq(buf, "echo clone-1 --flag\n", 20);
	ck_assert_int_eq(read(STDIN_FILENO, buf, sizeof(buf)), 0); /* then the end of input */

	/* One console line at most. */
	char *big = malloc(5000);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	char *one[] = {big};
	opts = (struct vm_config){.restore_cmd = one, .restore_ncmd = 1};
	ck_assert_int_eq(restore_feed_command(&opts), -E2BIG);
	free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, manifest_round_trip);
	tcase_add_test(tc, manifest_refusals);
	tcase_add_test(tc, manifest_not_json);
	tcase_add_test(tc, state_file_round_trip_and_refusals);
	tcase_add_test(tc, memory_file_is_sparse_and_exact);
	tcase_add_test(tc, vcpu_state_round_trip_and_refusals);
	tcase_add_test(tc, vm_state_round_trip_and_refusals);
	tcase_add_test(tc, restore_check_accepts_a_valid_snapshot);
	tcase_add_test(tc, command_becomes_console_input);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
