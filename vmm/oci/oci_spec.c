// SPDX-License-Identifier: MIT
/*
 * `kvmini oci spec`, `features` and `--version`. The default config is
 * built as JSON text and parsed, so that it reads like the file it becomes.
 */
#include <stddef.h>

#include "oci/oci_spec.h"
#include "oci/oci_state.h" /* OCI_SPEC_VERSION */

/* runc's default, minus what a VM would only warn about (capabilities, masked paths, ...). */
static const char default_config[] =
	"{"
	"\"ociVersion\": \"" OCI_SPEC_VERSION "\","
	"\"process\": {"
	"  \"terminal\": true,"
	"  \"user\": {\"uid\": 0, \"gid\": 0},"
	"  \"args\": [\"sh\"],"
	"  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"            \"TERM=xterm\"],"
	"  \"cwd\": \"/\""
	"},"
	"\"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	"\"hostname\": \"kvmini\","
	"\"mounts\": ["
	"  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	"  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
	"   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
	"  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
	"  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]}"
	"],"
	"\"linux\": {"
	"  \"resources\": {\"memory\": {\"limit\": 134217728}, \"cpu\": {\"cpus\": \"0\"}},"
	"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
	"                   {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}]"
	"}"
	"}";

json_object *oci_spec_default(void)
{
	return json_tokener_parse(default_config);
}

/*
 * features.md: what this runtime understands. Hooks, capabilities, cgroups,
 * seccomp, AppArmor and SELinux are not applied (a VM is the boundary), so
 * they are listed as empty or disabled; the namespaces are those a guest
 * kernel gives a container fresh (not "user": no id mappings).
 */
static const char features[] =
	"{"
	"\"ociVersionMin\": \"1.0.0\","
	"\"ociVersionMax\": \"" OCI_SPEC_VERSION "\","
	"\"hooks\": [],"
	"\"mountOptions\": [\"async\", \"atime\", \"bind\", \"dev\", \"exec\", \"newinstance\","
	"  \"noatime\", \"nodev\", \"nodiratime\", \"noexec\", \"nosuid\", \"rbind\", \"relatime\","
	"  \"ro\", \"rw\", \"strictatime\", \"suid\", \"sync\"],"
	"\"linux\": {"
	"  \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"uts\"],"
	"  \"capabilities\": [],"
	"  \"cgroup\": {\"v1\": false, \"v2\": false, \"systemd\": false, \"systemdUser\": false},"
	"  \"seccomp\": {\"enabled\": false},"
	"  \"apparmor\": {\"enabled\": false},"
	"  \"selinux\": {\"enabled\": false}"
	"},"
	"\"annotations\": {\"org.kvmini.version\": \"" KVMINI_VERSION "\","
	"  \"org.kvmini.isolation\": \"microvm\"}"
	"}";

json_object *oci_spec_features(void)
{
	return json_tokener_parse(features);
}

const char *oci_spec_version_text(void)
{
	/*
	 * runc's three lines: containerd's go-runc (parseVersion) and podman
	 * split exactly "NAME version V", "commit: C", "spec: S".
	 */
	return "kvmini version " KVMINI_VERSION "\ncommit: " KVMINI_VERSION
	       "\nspec: " OCI_SPEC_VERSION "\n";
}
