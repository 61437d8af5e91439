/* SPDX-License-Identifier: MIT */
/*
 * A fake VM behind the control protocol (struct control_ops), for the tests
 * that run the real control server without KVM: tests/unit/test_control_server.c
 * and tests/integration/control_fake_vm.c (which `kvmini ctl` and `kvmini
 * list` talk to in control.sh). Its status has the fields control_vm.c
 * reports, with fixed values: 2 vCPUs, 64 MiB, one "serial" device at
 * port 0x3f8, and an "io" exit count that grows by one per status.
 */
#ifndef KVMINI_TEST_CONTROL_FAKE_H
#define KVMINI_TEST_CONTROL_FAKE_H

#include <stdbool.h>
#include <time.h>

#include "host/control_proto.h"
#include "host/event_loop.h"

struct control_fake {
	struct event_loop *loop; /* stopped by stop and kill */
	const char *name;	 /* status's "name", or NULL */
	bool paused;		 /* pause and resume set it; status reports it */
	int status;		 /* 0 after stop, KVMINI_STATUS_KILLED after kill */
	int stops;		 /* stop and kill requests */
	unsigned long statuses;	 /* status requests */
	struct timespec start;	 /* for uptime_ms */
};

/*
 * status, pause, resume, stop and kill as above; snapshot is refused ("this
 * fake VM writes no snapshots"), to try a client on an error reply. opaque:
 * a struct control_fake, zeroed, then loop (and name) set.
 */
extern const struct control_ops control_fake_ops;

#endif /* KVMINI_TEST_CONTROL_FAKE_H */
