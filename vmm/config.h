/* SPDX-License-Identifier: MIT */
/*
 * What the user asked for on the command line, parsed by vmm/cli.c and read
 * by everything main.c sets up. Nothing here is touched after setup.
 */
#ifndef KVMINI_CONFIG_H
#define KVMINI_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define CONFIG_MAX_DISKS 4

struct disk_config {
	const char *path;    /* points into path_buf */
	bool read_only;	     /* ",ro" suffix */
	char path_buf[4096]; /* the path without its ",ro"/",rw" suffix */
};

enum console_kind {
	CONSOLE_NONE,  /* no virtio-console device */
	CONSOLE_STDIO, /* --console stdio: virtio-console on stdin/stdout */
	CONSOLE_FILE,  /* --console file:PATH: output appended to PATH, no input */
};

struct vm_config {
	const char *kernel_path;
	const char *initrd_path;  /* NULL: none */
	const char *cmdline;	  /* NULL: empty */
	const char *symbols_path; /* --symbols System.map, NULL: none */
	uint64_t mem_size;	  /* bytes */
	unsigned int cpus;

	struct disk_config disks[CONFIG_MAX_DISKS];
	unsigned int ndisks;
	enum console_kind console;
	const char *console_path; /* for CONSOLE_FILE */
	bool rng;		  /* --rng: virtio-rng device */

	bool trace;		/* --trace */
	bool boot_times;	/* --boot-times */
	bool seccomp;		/* --seccomp=on|off (default on) */
	unsigned int timeout_s; /* --timeout, 0: none */
	int verbosity;		/* -v count */
};

#endif /* KVMINI_CONFIG_H */
