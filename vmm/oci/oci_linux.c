// SPDX-License-Identifier: MIT
/*
 * config.json "linux" (runtime-spec 1.1.0, config-linux.md). A container
 * here is a VM: its own kernel gives it fresh namespaces of every kind, its
 * memory limit becomes guest RAM and its CPU limit the number of vCPUs.
 * What a VM cannot express is named in a warning.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "oci/oci_linux.h"

int oci_config_mem_mib(int64_t limit, unsigned int *mib, bool *raised)
{
	*raised = false;
	if (limit <= 0) {
		*mib = OCI_DEFAULT_MEM_MIB;
		return 0;
	}
	uint64_t m = ((uint64_t)limit + (1u << 20) - 1) >> 20;
	if (m > OCI_MAX_MEM_MIB)
		return -ERANGE;
	if (m < OCI_MIN_MEM_MIB) {
		m = OCI_MIN_MEM_MIB;
		*raised = true;
	}
	*mib = (unsigned int)m;
	return 0;
}

/* CPUs in a cpuset list ("0-3,6", config-linux.md "cpus"); -EINVAL if malformed. */
static int count_cpus(const char *s, unsigned long *n)
{
	*n = 0;
	while (*s) {
		char *end;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			hi = strtoul(end + 1, &end, 10);
		}
		if (hi < lo || hi > 65535)
			return -EINVAL;
		*n += hi - lo + 1;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -EINVAL;
		s = end;
	}
	return 0;
}

int oci_config_vcpus(int64_t quota, uint64_t period, const char *cpus, unsigned int *n)
{
	unsigned long best = 0, set;

	if (quota > 0) {
		if (!period)
			period = OCI_DEFAULT_CPU_PERIOD;
		best = (unsigned long)(((uint64_t)quota + period - 1) / period);
	}
	if (cpus && cpus[0]) {
		if (count_cpus(cpus, &set) || !set)
			return -EINVAL;
		if (!best || set < best)
			best = set;
	}
	*n = best ? (unsigned int)(best > 65536 ? 65536 : best) : 1;
	return 0;
}

static const struct oci_field memory_fields[] = {
	{"limit", NULL},
	{"reservation", "the guest has its RAM, no soft limit"},
	{"swap", "the guest has no swap"},
	{"kernel", "the guest kernel's memory is part of its RAM"},
	{"kernelTCP", "the guest kernel's memory is part of its RAM"},
	{"swappiness", "the guest has no swap"},
	{"disableOOMKiller", "the guest's OOM killer stays on"},
	{"useHierarchy", "no cgroup hierarchy in the guest"},
	{"checkBeforeUpdate", "kvmini has no update command"},
	{NULL, NULL},
};
static const struct oci_field cpu_fields[] = {
	{"quota", NULL},
	{"period", NULL},
	{"cpus", NULL},
	{"shares", "a relative weight; the vCPUs are ordinary host threads"},
	{"realtimeRuntime", "no real-time scheduling for vCPUs"},
	{"realtimePeriod", "no real-time scheduling for vCPUs"},
	{"mems", "guest RAM is not bound to host NUMA nodes"},
	{"idle", "not applied to vCPUs"},
	{"burst", "not applied to vCPUs"},
	{NULL, NULL},
};
static const struct oci_field resources_fields[] = {
	{"memory", NULL},
	{"cpu", NULL},
	/* A VM sees no host device at all, stricter than any rule here. */
	{"devices", NULL},
	{"pids", "the guest kernel has no process limit"},
	{"blockIO", "no I/O weights"},
	{"hugepageLimits", "guest RAM is ordinary host memory"},
	{"network", "the guest has no network"},
	{"rdma", "no RDMA in the guest"},
	{"unified", "no cgroup v2 files in the guest"},
	{NULL, NULL},
};

static int get_int64(json_object *obj, const char *key, const char *path, int64_t *out, char *err,
		     size_t errlen)
{
	json_object *v;
	int ret = oci_config_get(obj, key, json_type_int, path, &v, err, errlen);

	if (!ret && v)
		*out = json_object_get_int64(v);
	return ret;
}

static int parse_memory(struct oci_config *cfg, json_object *res, char *err, size_t errlen)
{
	json_object *mem;
	int64_t limit = 0;
	bool raised;
	int ret = oci_config_get(res, "memory", json_type_object, "linux.resources.", &mem, err,
				 errlen);

	if (ret)
		return ret;
	if (mem) {
		oci_config_check_fields(cfg, mem, "linux.resources.memory.", memory_fields);
		if ((ret = get_int64(mem, "limit", "linux.resources.memory.", &limit, err, errlen)))
			return ret;
	}
	if (oci_config_mem_mib(limit, &cfg->mem_mib, &raised))
		return errbuf_set(err, errlen, -ERANGE,
				  "linux.resources.memory.limit %lld is more than kvmini's %u MiB "
				  "of guest RAM",
				  (long long)limit, OCI_MAX_MEM_MIB);
	if (raised)
		oci_config_warn(cfg,
				"linux.resources.memory.limit %lld is raised to %u MiB of guest "
				"RAM, the least the guest kernel needs",
				(long long)limit, OCI_MIN_MEM_MIB);
	return 0;
}

static int parse_cpu(struct oci_config *cfg, json_object *res, char *err, size_t errlen)
{
	static const char path[] = "linux.resources.cpu.";
	json_object *cpu;
	int64_t quota = 0, period = 0;
	const char *cpus = NULL;
	int ret =
		oci_config_get(res, "cpu", json_type_object, "linux.resources.", &cpu, err, errlen);

	if (ret)
		return ret;
	if (cpu) {
		oci_config_check_fields(cfg, cpu, path, cpu_fields);
		if ((ret = get_int64(cpu, "quota", path, &quota, err, errlen)) ||
		    (ret = get_int64(cpu, "period", path, &period, err, errlen)) ||
		    (ret = oci_config_get_string(cpu, "cpus", path, false, &cpus, err, errlen)))
			return ret;
		if (period < 0)
			return errbuf_set(err, errlen, -EINVAL, "%speriod %lld is negative", path,
					  (long long)period);
	}
	if (oci_config_vcpus(quota, (uint64_t)period, cpus, &cfg->vcpus))
		return errbuf_set(err, errlen, -EINVAL, "%scpus '%.40s' is not a CPU list", path,
				  cpus);
	if (cfg->vcpus > OCI_MAX_VCPUS) {
		oci_config_warn(cfg, "%s limits give %u CPUs; the VM gets kvmini's most, %u", path,
				cfg->vcpus, OCI_MAX_VCPUS);
		cfg->vcpus = OCI_MAX_VCPUS;
	}
	return 0;
}

/* Fresh namespaces of every kind come with the guest kernel; joining one cannot. */
static int parse_namespaces(struct oci_config *cfg, json_object *lx, char *err, size_t errlen)
{
	json_object *arr;
	int ret = oci_config_get(lx, "namespaces", json_type_array, "linux.", &arr, err, errlen);

	if (ret || !arr)
		return ret;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *ns = json_object_array_get_idx(arr, i);
		const char *type, *nspath;
		char path[40];

		snprintf(path, sizeof(path), "linux.namespaces[%zu].", i);
		if (!json_object_is_type(ns, json_type_object))
			return errbuf_set(err, errlen, -EINVAL,
					  "linux.namespaces[%zu] must be an "
					  "object",
					  i);
		if ((ret = oci_config_get_string(ns, "type", path, true, &type, err, errlen)) ||
		    (ret = oci_config_get_string(ns, "path", path, false, &nspath, err, errlen)))
			return ret;
		if (nspath && nspath[0])
			oci_config_warn(cfg,
					"%spath '%.60s' is not honoured: a VM cannot join a host "
					"%.20s namespace; it gets its own",
					path, nspath, type);
	}
	return 0;
}

/* linux.cgroupsPath: kept for oci_cgroup_join(); a ".." could climb out of the hierarchy. */
static int parse_cgroups_path(struct oci_config *cfg, json_object *lx, char *err, size_t errlen)
{
	int ret = oci_config_get_string(lx, "cgroupsPath", "linux.", false, &cfg->cgroups_path, err,
					errlen);

	if (!ret && cfg->cgroups_path && oci_config_has_dotdot(cfg->cgroups_path))
		ret = errbuf_set(err, errlen, -EINVAL,
				 "linux.cgroupsPath '%.100s' has a '..' component",
				 cfg->cgroups_path);
	return ret;
}

static const struct oci_field linux_fields[] = {
	{"resources", NULL},
	{"namespaces", NULL},
	{"cgroupsPath", NULL},
	{"devices", "the guest sees no host device"},
	{"uidMappings", "no user namespace mapping in the guest"},
	{"gidMappings", "no user namespace mapping in the guest"},
	{"sysctl", "not applied in the guest"},
	{"seccomp", "the guest kernel is the boundary; the monitor has its own filter"},
	{"maskedPaths", "the guest's /proc and /sys show only the guest"},
	{"readonlyPaths", "the guest's /proc and /sys show only the guest"},
	{"rootfsPropagation", "the root is a virtio-fs share"},
	{"mountLabel", "no SELinux in the guest"},
	{"intelRdt", "not applied to vCPUs"},
	{"personality", "not applied in the guest"},
	{"timeOffsets", "the guest has its own clocks"},
	{"memoryPolicy", "guest RAM is not bound to host NUMA nodes"},
	{NULL, NULL},
};

int oci_linux_parse(struct oci_config *cfg, char *err, size_t errlen)
{
	json_object *lx, *res = NULL;
	int ret = oci_config_get(cfg->json, "linux", json_type_object, "", &lx, err, errlen);

	if (ret)
		return ret;
	if (lx) {
		oci_config_check_fields(cfg, lx, "linux.", linux_fields);
		if ((ret = parse_namespaces(cfg, lx, err, errlen)) ||
		    (ret = parse_cgroups_path(cfg, lx, err, errlen)) ||
		    (ret = oci_config_get(lx, "resources", json_type_object, "linux.", &res, err,
					  errlen)))
			return ret;
		if (res)
			oci_config_check_fields(cfg, res, "linux.resources.", resources_fields);
	}
	if ((ret = parse_memory(cfg, res, err, errlen)))
		return ret;
	return parse_cpu(cfg, res, err, errlen);
}
