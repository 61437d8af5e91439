/* SPDX-License-Identifier: MIT */
/*
 * The options of `kvmini run` and `kvmini restore`, for cli.c. Both commands
 * take the options that say how a run is watched and ended (--trace,
 * --boot-times, --timeout, --seccomp, --control, --name), --disk and
 * --vsock, and the global -v, -h, -V; only run takes the rest, which shape
 * the VM (a restore's shape comes from its snapshot).
 */
#ifndef KVMINI_CLI_OPTIONS_H
#define KVMINI_CLI_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

/* Whose options: run's (all of them) or restore's (the shared ones). */
enum cli_options_command {
	CLI_OPTIONS_RUN,
	CLI_OPTIONS_RESTORE,
};

/*
 * getopt over args[0..nargs) (args[0] is the command, the rest argv's words,
 * which outlive cfg), each option applied to cfg; --snapshot-on takes two
 * words, "ready" and DIR. host_ram (bytes, 0: unknown) bounds --mem.
 * CLI_RUN when every option was fine, *first_arg then being where the
 * non-option words begin; CLI_EXIT_OK once --help or --version was printed
 * to out; CLI_ERROR with one line naming the option in err. Resets getopt
 * fully, so it may be called any number of times in one process.
 */
enum cli_result cli_options_parse(enum cli_options_command cmd, int nargs, char **args,
				  uint64_t host_ram, struct vm_config *cfg, FILE *out, char *err,
				  size_t errlen, int *first_arg);

#endif /* KVMINI_CLI_OPTIONS_H */
