// SPDX-License-Identifier: MIT
/*
 * The control commands on a real struct vm (vmm/host/control_vm.c), without
 * KVM: a VM and a board as setup leaves them, with no vCPU threads. status
 * reports state, vCPUs, memory, uptime, the device manager's ranges and the
 * exit counts by name; stop and kill end the run with 0 and
 * KVMINI_STATUS_KILLED, once; snapshot says why it cannot run (no hook, or
 * under the seccomp filter) and calls the hook (snapshot_take(), as
 * control_vm_open() wires it) only when it can.
 */
#include <check.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "config.h"
#include "host/control_vm.h"
#include "host/snapshot.h"
#include "kvm/vcpu_pause.h"
#include "kvm/vm.h"
#include "unit_run.h"

static struct vm vm;
static struct board board;
static struct control_vm c;
static char snapshot_dir[64];

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = vm.loop.epoll_fd = vm.loop.wake_fd = -1;
	vm.ncpus = 2;
	vm.mem.size = 64 << 20;
	vm.start_ns = vm_now_ns() - 1500 * 1000000ull; /* up 1.5 s */
	vm.exit_counts[KVM_EXIT_IO] = 5;
	vm.exit_counts[KVM_EXIT_HLT] = 1;
	vcpu_pause_init(&vm.pause);
	board_init(&board, &vm);
	ck_assert_int_eq(resources_claim_pio(&board.res, 0x3f8, 8, "serial"), 0);
	memset(&c, 0, sizeof(c));
	c.vm = &vm;
	c.name = "t1";
	snapshot_dir[0] = '\0';
}

/* The reply to request, parsed; the caller puts it. */
static struct json_object *ask(const char *request)
{
	struct json_object *reply =
		control_proto_handle(&control_vm_ops, &c, request, strlen(request));
	ck_assert_ptr_nonnull(reply);
	return reply;
}

static bool ok(struct json_object *reply)
{
	struct json_object *v;
	return json_object_object_get_ex(reply, "ok", &v) && json_object_get_boolean(v);
}

static const char *field(struct json_object *obj, const char *key)
{
	struct json_object *v;
	ck_assert_msg(json_object_object_get_ex(obj, key, &v), "no %s", key);
	return json_object_get_string(v);
}

START_TEST(status_fields)
{
	struct json_object *r = ask("{\"cmd\":\"status\"}");
	ck_assert(ok(r));
	ck_assert_str_eq(field(r, "state"), "running");
	ck_assert_str_eq(field(r, "name"), "t1");
	ck_assert_str_eq(field(r, "vcpus"), "2");
	ck_assert_str_eq(field(r, "memory_bytes"), "67108864");
	ck_assert_int_ge(atoll(field(r, "uptime_ms")), 1500);
	ck_assert_int_eq(atoi(field(r, "pid")), getpid());
	ck_assert_str_eq(field(r, "version"), KVMINI_VERSION);
	struct json_object *exits, *devices;
	ck_assert(json_object_object_get_ex(r, "exits", &exits));
	ck_assert_str_eq(field(exits, "io"), "5");
	ck_assert_str_eq(field(exits, "hlt"), "1");
	ck_assert_int_eq(json_object_object_length(exits), 2); /* only reasons seen */
	/* The serial port, then the irqchip's two pages board_init() claims. */
	ck_assert(json_object_object_get_ex(r, "devices", &devices));
	ck_assert_uint_eq(json_object_array_length(devices), 3);
	struct json_object *uart = json_object_array_get_idx(devices, 0);
	ck_assert_str_eq(field(uart, "name"), "serial");
	ck_assert_str_eq(field(uart, "space"), "pio");
	ck_assert_str_eq(field(uart, "base"), "0x3f8");
	ck_assert_str_eq(field(uart, "size"), "8");
	struct json_object *ioapic = json_object_array_get_idx(devices, 1);
	ck_assert_str_eq(field(ioapic, "space"), "mmio");
	ck_assert_str_eq(field(ioapic, "base"), "0xfec00000");
	json_object_put(r);
	/* No name: no "name" field. */
	c.name = NULL;
	r = ask("{\"cmd\":\"status\"}");
	ck_assert(!json_object_object_get_ex(r, "name", NULL));
	json_object_put(r);
}
END_TEST

START_TEST(stop_once)
{
	struct json_object *r = ask("{\"cmd\":\"stop\"}");
	ck_assert(ok(r));
	json_object_put(r);
	ck_assert(vm_stopping(&vm));
	ck_assert_int_eq(vm.exit_status, KVMINI_STATUS_OK);
	ck_assert(vm.loop.stopping);
	r = ask("{\"cmd\":\"status\"}");
	ck_assert_str_eq(field(r, "state"), "stopping");
	json_object_put(r);
	/* A second stop, or a kill, does not change the status. */
	r = ask("{\"cmd\":\"kill\"}");
	ck_assert(!ok(r));
	ck_assert_str_eq(field(r, "error"), "the VM is already stopping");
	json_object_put(r);
	ck_assert_int_eq(vm.exit_status, KVMINI_STATUS_OK);
	r = ask("{\"cmd\":\"pause\"}");
	ck_assert(!ok(r));
	json_object_put(r);
}
END_TEST

START_TEST(kill_status)
{
	struct json_object *r = ask("{\"cmd\":\"kill\"}");
	ck_assert(ok(r));
	json_object_put(r);
	ck_assert(vm_stopping(&vm));
	ck_assert_int_eq(vm.exit_status, KVMINI_STATUS_KILLED);
}
END_TEST

START_TEST(pause_without_vcpus)
{
	/* No vCPU threads yet: vcpus_pause() refuses, and the reply says so. */
	struct json_object *r = ask("{\"cmd\":\"pause\"}");
	ck_assert(!ok(r));
	ck_assert_str_eq(field(r, "error"), "pause failed: No such device");
	json_object_put(r);
	r = ask("{\"cmd\":\"resume\"}"); /* a no-op when not paused */
	ck_assert(ok(r));
	json_object_put(r);
}
END_TEST

static int fake_snapshot(struct vm *v, const char *dir)
{
	ck_assert_ptr_eq(v, &vm);
	snprintf(snapshot_dir, sizeof(snapshot_dir), "%s", dir);
	return strcmp(dir, "/full") == 0 ? -ENOSPC : 0;
}

START_TEST(snapshot_hook)
{
	struct json_object *r = ask("{\"cmd\":\"snapshot\",\"dir\":\"/s\"}");
	ck_assert_str_eq(field(r, "error"), "snapshot support is not built in");
	json_object_put(r);

	/* The filter no longer matters: a control socket's program has the snapshot calls. */
	c.snapshot = fake_snapshot;
	r = ask("{\"cmd\":\"snapshot\",\"dir\":\"/s\"}");
	ck_assert(ok(r));
	ck_assert_str_eq(field(r, "dir"), "/s");
	ck_assert_str_eq(snapshot_dir, "/s");
	json_object_put(r);
	r = ask("{\"cmd\":\"snapshot\",\"dir\":\"/full\"}");
	ck_assert_str_eq(field(r, "error"),
			 "snapshot into '/full' failed: No space left on device");
	json_object_put(r);
}
END_TEST

/*
 * What control_vm_open() wires: snapshot_take(), with or without the filter,
 * and a VM with a control socket gets the filter's snapshot calls.
 */
START_TEST(open_wires_snapshot)
{
	struct vm_config cfg = {.seccomp = true};
	ck_assert_int_eq(control_vm_open(&c, &vm, &cfg), 0); /* no --control/--name: no socket */
	ck_assert_int_eq(c.srv.listen_fd, -1);
	ck_assert(c.snapshot == snapshot_take);
	ck_assert(!config_needs_snapshot_calls(&cfg));
	cfg.name = "web";
	ck_assert(config_needs_snapshot_calls(&cfg));
	cfg.name = NULL;
	cfg.control_path = "/tmp/x.sock";
	ck_assert(config_needs_snapshot_calls(&cfg));
	control_vm_close(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control_vm");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, status_fields);
	tcase_add_test(tc, stop_once);
	tcase_add_test(tc, kill_status);
	tcase_add_test(tc, pause_without_vcpus);
	tcase_add_test(tc, snapshot_hook);
	tcase_add_test(tc, open_wires_snapshot);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
