// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the command-line parser (vmm/cli.c): the fuzzer's
 * bytes, split at NUL bytes, are argv[1..]. Each argument is a separate
 * heap block that is freed after the parse, so ASan sees any read of a
 * previous call's argv (getopt's state surviving between calls).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *out;
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	struct vm_config cfg;
	char err[512];

	if (!out)
		out = fopen("/dev/null", "w");
	argv[argc++] = strdup("kvmini");
	for (size_t start = 0; start < size && argc <= MAX_ARGS;) {
		const uint8_t *nul = memchr(data + start, 0, size - start);
		size_t len = nul ? (size_t)(nul - data) - start : size - start;
		char *arg = malloc(len + 1);
		memcpy(arg, data + start, len);
		arg[len] = '\0';
		argv[argc++] = arg;
		start += len + 1;
	}
	argv[argc] = NULL;

	enum cli_result r = cli_parse(argc, argv, 8ull << 30, &cfg, out, err, sizeof(err));
	if (r == CLI_ERROR && (err[0] == '\0' || strlen(err) >= sizeof(err)))
		abort(); /* an error always says why */
	if (r == CLI_RUN && (!cfg.kernel_path || cfg.cpus == 0 || cfg.cpus > CLI_MAX_CPUS ||
			     cfg.mem_size < CLI_MIN_MEM || cfg.ndisks > CONFIG_MAX_DISKS))
		abort();
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
