/* SPDX-License-Identifier: MIT */
/*
 * An OCI bundle's config.json (runtime-spec 1.1.0, config.md) read into what
 * `kvmini oci` can honour. Every field is type-checked; every field the
 * runtime cannot honour, and every unknown one, becomes a warning that
 * names it, never silence (vmm/oci/oci_config.c).
 */
#ifndef KVMINI_OCI_CONFIG_H
#define KVMINI_OCI_CONFIG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h" /* CLI_MAX_MEM, CLI_MAX_CPUS: kvmini run's limits */

#define OCI_CONFIG_MAX_BYTES   (4u << 20) /* a config.json larger than this is refused */
#define OCI_CONFIG_MAX_WARN    64	  /* warnings kept; the rest are counted */
#define OCI_DEFAULT_MEM_MIB    128	  /* guest RAM without linux.resources.memory.limit */
#define OCI_MIN_MEM_MIB	       64	  /* the guest kernel and the agent need this much */
#define OCI_MAX_MEM_MIB	       ((unsigned int)(CLI_MAX_MEM >> 20))
#define OCI_MAX_VCPUS	       CLI_MAX_CPUS
#define OCI_DEFAULT_CPU_PERIOD 100000 /* us, the kernel's CFS default */

enum oci_mount_kind {
	OCI_MOUNT_GUEST,   /* a kernel file system the guest makes: proc, sysfs, tmpfs, ... */
	OCI_MOUNT_BIND,	   /* a host path; once planned, a directory shared by virtio-fs */
	OCI_MOUNT_FILE,	   /* a host file, copied into the container's share (oci_files.c) */
	OCI_MOUNT_SKIPPED, /* cannot be expressed in the guest: warned about */
};

struct oci_mount {
	enum oci_mount_kind kind;
	const char *destination; /* absolute, no ".." component */
	const char *type;	 /* "" when absent */
	const char *source;	 /* "" when absent */
	char *options;		 /* the honoured options, comma-joined ("" for none) */
	bool read_only;		 /* "ro" among the options */
};

struct oci_config {
	json_object *json; /* the parsed file: every const char * below points into it */
	const char *oci_version;
	const char **args; /* process.args, nargs >= 1 */
	size_t nargs;
	const char **env; /* process.env, each "NAME=value" */
	size_t nenv;
	const char *cwd; /* absolute */
	uint32_t uid, gid;
	uint32_t *gids; /* process.user.additionalGids */
	size_t ngids;
	bool terminal;
	uint32_t console_rows, console_cols; /* process.consoleSize; 0: not given */
	const char *hostname;		     /* NULL: not set */
	const char *root_path;
	bool root_readonly;
	struct oci_mount *mounts;
	size_t nmounts;
	json_object *annotations; /* NULL or an object of strings, owned by json */
	unsigned int mem_mib;	  /* guest RAM, from linux.resources.memory.limit */
	unsigned int vcpus;	  /* from linux.resources.cpu quota/period or cpus */
	const char *cgroups_path; /* linux.cgroupsPath, NULL: none */
	char *warnings[OCI_CONFIG_MAX_WARN];
	size_t nwarnings;
	size_t nwarnings_dropped;
};

/*
 * Parse config.json text (len bytes, need not be NUL-terminated) into cfg,
 * which the caller frees with oci_config_free() whatever the result.
 * 0, -EINVAL (not JSON, a field of the wrong type or value, a required one
 * missing) or -ENOTSUP (an ociVersion this runtime does not implement),
 * with one line in err naming the field ("process.args[2] is not a string").
 * Warnings for fields not honoured go to cfg->warnings.
 */
int oci_config_parse(const char *text, size_t len, struct oci_config *cfg, char *err,
		     size_t errlen);

/*
 * Read BUNDLE/config.json (at most OCI_CONFIG_MAX_BYTES) and parse it as
 * oci_config_parse() does. -ENOENT when there is no config.json, -EFBIG
 * when it is too large, or the parser's errors; err names the file.
 */
int oci_config_load(const char *bundle, struct oci_config *cfg, char *err, size_t errlen);

/* Free what cfg holds and zero it. Safe on a zeroed or half-parsed cfg. */
void oci_config_free(struct oci_config *cfg);

/*
 * Guest RAM for a memory limit in bytes (<= 0: none): whole MiB rounded up,
 * at least OCI_MIN_MEM_MIB. 0, or -ERANGE beyond OCI_MAX_MEM_MIB.
 * *raised says whether the minimum applied.
 */
int oci_config_mem_mib(int64_t limit, unsigned int *mib, bool *raised);

/*
 * vCPUs for a CPU quota and period (us; quota <= 0: none) and a cpuset
 * string ("0-3,6"; NULL or "": none): ceil(quota / period), the number of
 * CPUs in the set, the smaller of both when both are given, else 1.
 * 0, or -EINVAL for a malformed cpuset.
 */
int oci_config_vcpus(int64_t quota, uint64_t period, const char *cpus, unsigned int *n);

/*
 * For the parts of the parser (oci_mounts.c, oci_linux.c). A field table
 * ends with {NULL, NULL}; why NULL means honoured, else the reason it is not.
 */
struct oci_field {
	const char *name;
	const char *why;
};

/* Has path a ".." component ("..", "a/..", "../b", "a/../b")? */
bool oci_config_has_dotdot(const char *path);

/* Add a warning to cfg (formatted; beyond OCI_CONFIG_MAX_WARN only counted). */
void oci_config_warn(struct oci_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Warn about each key of obj that fields marks as not honoured or does not list. */
void oci_config_check_fields(struct oci_config *cfg, json_object *obj, const char *path,
			     const struct oci_field *fields);

/*
 * *out = obj[key] if it has the type (strings: without NUL bytes), NULL if
 * absent. 0, or -EINVAL naming PATHKEY in err for another type.
 */
int oci_config_get(json_object *obj, const char *key, json_type type, const char *path,
		   json_object **out, char *err, size_t errlen);

/* The same for a string: *out points into the JSON (NULL when absent and optional). */
int oci_config_get_string(json_object *obj, const char *key, const char *path, bool required,
			  const char **out, char *err, size_t errlen);

/*
 * The required object obj[key] (named PATHKEY in messages) into *out, its
 * members checked against fields (warnings for the unhonoured). 0, or
 * -EINVAL when it is missing or not an object.
 */
int oci_config_get_section(struct oci_config *cfg, json_object *obj, const char *key,
			   const char *path, const struct oci_field *fields, json_object **out,
			   char *err, size_t errlen);

/* An array of strings: *out is a fresh NULL-terminated array (caller frees) into the JSON. */
int oci_config_get_strings(json_object *obj, const char *key, const char *path, const char ***out,
			   size_t *n, char *err, size_t errlen);

#endif /* KVMINI_OCI_CONFIG_H */
