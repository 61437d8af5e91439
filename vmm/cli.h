/* SPDX-License-Identifier: MIT */
/* Command-line parsing for `kvmini run` (vmm/cli.c). Pure functions: unit-tested. */
#ifndef KVMINI_CLI_H
#define KVMINI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define CLI_MIN_MEM  (4ull << 20)  /* boot structures + a 1 MiB-linked kernel */
#define CLI_MAX_MEM  (64ull << 30) /* the boot page tables cover up to this */
#define CLI_MAX_CPUS 64

enum cli_result {
	CLI_RUN,       /* cfg is filled: run a VM */
	CLI_EXIT_OK,   /* --help or --version was printed: exit 0 */
	CLI_ERROR,     /* err holds the reason: exit 1 */
	CLI_HOST_INFO, /* `kvmini host-info`: print the host's quirks as JSON */
	CLI_CTL,       /* `kvmini ctl`: cfg->ctl_target, ctl_cmd, ctl_arg are filled */
	CLI_LIST,      /* `kvmini list`: the named VMs in the runtime directory */
	CLI_RESTORE,   /* `kvmini restore DIR`: cfg holds restore_dir and the options */
};

/*
 * Parse a memory size: a whole number with an optional K, M, G or T suffix
 * (powers of 1024; "KiB", "MB" etc. are accepted too). A bare number is
 * MiB, as in QEMU's -m. 0 on success, -EINVAL for anything else (empty,
 * junk, a fraction, overflow).
 */
int cli_parse_size(const char *text, uint64_t *bytes);

/* text as a decimal number, at most max, into *out. 0 or -EINVAL. */
int cli_parse_uint(const char *text, unsigned long max, unsigned int *out);

/*
 * Parse argv: argv[0] is the program, then global options (-v, --verbose,
 * -h, --help, -V, --version), then the command ("run", "restore DIR",
 * "help", "host-info" or "list", which take no arguments, or "ctl TARGET
 * CMD [DIR]"), then its options, where the global ones are accepted too. host_ram is the host's
 * physical memory in bytes (0: unknown), against which --mem is checked.
 * Help and version go to out. On CLI_ERROR, err holds one line. May be
 * called any number of times in one process (getopt is fully reset).
 */
enum cli_result cli_parse(int argc, char **argv, uint64_t host_ram, struct vm_config *cfg,
			  FILE *out, char *err, size_t errlen);

/*
 * Is fd an open SOCK_SEQPACKET or SOCK_DGRAM socket, as --net socket,fd=N
 * needs? Only queries it. 0, or -errno with a message naming --net in err.
 * cli_parse() calls it for each such --net; boot_check_inputs() again.
 */
int cli_check_net_fd(int fd, char *err, size_t errlen);

/* Print the usage text. */
void cli_usage(FILE *out);

/* Print the version line ("kvmini VERSION"). */
void cli_version(FILE *out);

#endif /* KVMINI_CLI_H */
