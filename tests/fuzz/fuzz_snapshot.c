// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the snapshot parsers, which read files that anyone
 * may have written (docs/snapshot.md):
 *   0: snapshot_manifest_parse() (vmm/host/snapshot_manifest_read.c);
 *   1: snapshot_files_parse_state(), a state file's header and checksum;
 *   2: vcpu_state_load() (vmm/kvm/vcpu_state.c);
 *   3: vm_state_load() (vmm/kvm/vm_state.c).
 * Input: u8 which parser (modulo 4), then the bytes. An accepted manifest
 * must satisfy the limits restore relies on; an accepted vCPU or VM blob
 * must save back to exactly the bytes the loader consumed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/snapshot_files.h"
#include "host/snapshot_manifest.h"
#include "kvm/vcpu_state.h"
#include "kvm/vm_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_manifest(const uint8_t *data, size_t size)
{
	static struct snapshot_manifest m;
	char err[256];

	if (snapshot_manifest_parse((const char *)data, size, &m, err, sizeof(err)))
		return;
	if (m.ncpus == 0 || m.ncpus > 64 || (m.mem_size & 0xfff) || m.ndisks > CONFIG_MAX_DISKS ||
	    m.nfiles > SNAPSHOT_MAX_FILES || (m.vsock && m.vsock_cid < 3))
		abort();
	for (unsigned int i = 0; i < m.nfiles; i++)
		if (strchr(m.files[i].name, '/') || !strcmp(m.files[i].name, "..") ||
		    snapshot_manifest_file(&m, m.files[i].name) != &m.files[i])
			abort();
}

/* Saving what was loaded gives back the consumed bytes. */
static void check_exact(const uint8_t *data, size_t used, struct state_writer *w)
{
	if (w->err || w->len != used || memcmp(w->buf, data, used))
		abort();
	state_writer_release(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vcpu_state vcpu;
	struct state_reader r;
	struct state_writer w;
	struct vm_state vm;
	const uint8_t *payload;
	size_t len;
	char err[256];

	if (size < 1)
		return 0;
	uint8_t which = data[0] % 4;
	data++;
	size--;
	state_reader_init(&r, data, size);
	switch (which) {
	case 0:
		check_manifest(data, size);
		break;
	case 1:
		if (snapshot_files_parse_state(data, size, SNAPSHOT_KIND_VCPU, &payload, &len, err,
					       sizeof(err)) == 0 &&
		    (payload != data + SNAPSHOT_HEADER_SIZE || len != size - SNAPSHOT_HEADER_SIZE))
			abort();
		break;
	case 2:
		if (vcpu_state_load(&vcpu, &r) == 0) {
			state_writer_init(&w, NULL, 0);
			vcpu_state_save(&vcpu, &w);
			check_exact(data, r.pos, &w);
		}
		break;
	case 3:
		if (vm_state_load(&vm, &r) == 0) {
			state_writer_init(&w, NULL, 0);
			vm_state_save(&vm, &w);
			check_exact(data, r.pos, &w);
		}
		break;
	}
	return 0;
}
