// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for config.json (vmm/oci/oci_config.c, oci_mounts.c,
 * oci_linux.c) and process.sh (oci_vm.c): the fuzzer's bytes are the file.
 * A parse must stay inside the buffer; a config it accepts must hold what
 * the runtime relies on, and its process.sh must be written in full.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci_config.h"
#include "oci/oci_vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_config cfg;
	char err[512];

	if (oci_config_parse((const char *)data, size, &cfg, err, sizeof(err)) == 0) {
		if (!cfg.nargs || !cfg.cwd || cfg.cwd[0] != '/' || !cfg.root_path[0] ||
		    cfg.mem_mib < OCI_MIN_MEM_MIB || cfg.mem_mib > OCI_MAX_MEM_MIB || !cfg.vcpus ||
		    cfg.vcpus > OCI_MAX_VCPUS)
			abort();
		for (size_t i = 0; i < cfg.nenv; i++)
			if (!strchr(cfg.env[i], '='))
				abort();
		for (size_t i = 0; i < cfg.nmounts; i++)
			if (cfg.mounts[i].destination[0] != '/' || !cfg.mounts[i].options)
				abort();
		char *text;
		size_t len;
		FILE *f = open_memstream(&text, &len);
		if (!f || oci_vm_write_process(&cfg, f))
			abort();
		fclose(f);
		if (!strstr(text, "\noci_exec "))
			abort();
		free(text);
	}
	oci_config_free(&cfg);
	return 0;
}
