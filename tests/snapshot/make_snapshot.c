// SPDX-License-Identifier: MIT
/*
 * make_snapshot DIR [--disk IMAGE] [--cpus N] [--mem MIB] [--irqchip] [--host KIND]
 *
 * Write a valid snapshot directory without KVM (tests/unit/fake_snapshot.h),
 * for bad-snapshot.sh to break one file at a time. The host kind is this
 * host's (host_quirks_detect()) unless --host names another.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_snapshot.h"
#include "kvm/host_quirks.h"

int main(int argc, char **argv)
{
	struct fake_snapshot_opts o = {
		.host_kind = host_quirks_detect()->name,
		.ncpus = 1,
		.mem_size = 4u << 20,
	};

	if (argc < 2) {
		fprintf(stderr, "usage: make_snapshot DIR [--disk IMAGE] [--cpus N] [--mem MIB] "
				"[--irqchip] [--host KIND]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--irqchip") == 0) {
			o.irqchip = true;
		} else if (next && strcmp(argv[i], "--disk") == 0) {
			o.disk = argv[++i];
		} else if (next && strcmp(argv[i], "--cpus") == 0) {
			o.ncpus = (unsigned int)atoi(argv[++i]);
		} else if (next && strcmp(argv[i], "--mem") == 0) {
			o.mem_size = strtoull(argv[++i], NULL, 0) << 20;
		} else if (next && strcmp(argv[i], "--host") == 0) {
			o.host_kind = argv[++i];
		} else {
			fprintf(stderr, "make_snapshot: bad argument '%s'\n", argv[i]);
			return 2;
		}
	}
	int ret = fake_snapshot_write(argv[1], &o);
	if (ret) {
		fprintf(stderr, "make_snapshot: cannot write '%s': %s\n", argv[1], strerror(-ret));
		return 1;
	}
	return 0;
}
