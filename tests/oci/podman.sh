#!/bin/sh
# SPDX-License-Identifier: MIT
# podman (Debian's, with conmon) drives kvmini as its OCI runtime: the
# kvmini-oci name Meson builds, registered in a test-private
# containers.conf, with the busybox rootfs imported by `podman import` into
# a test-private store (--root/--runroot/--tmpdir under $tmp: the host's
# podman state is never touched). Checks: `podman run --rm IMAGE echo hi`
# prints hi and a status propagates; podman's /etc/hostname, /etc/hosts and
# /run/.containerenv (file bind mounts) reach the container; `podman run -it` through tmux gives a
# working terminal (a prompt, an answer, stty size, the exit
# status); `podman run -d`
# in the cgroup podman names, `podman pause`/`unpause`, `podman stop` and
# `podman rm`; and kvmini's --root is empty after each.
# Usage: podman.sh KVMINI [vm|qemu|host]
#   vm (default)  as microVMs. Without /dev/kvm it first checks the error
#                 path: podman really runs kvmini-oci, the user sees
#                 kvmini's own "/dev/kvm" message, podman fails and nothing
#                 stays in kvmini's --root or podman's store; then it skips
#                 (77) for the containers themselves.
#   qemu          the same in the real Linux guest booted by QEMU's software
#                 emulation (tests/qemu-vmm.sh, as run-busybox.sh qemu); the
#                 guest from $KVMINI_OCI_GUEST, $KVMINI_LINUX_DIR or
#                 guest/linux/build.sh.
#   host          the same with the guest agent on this host instead of a
#                 VM (tests/oci/host-vmm.sh, as run-busybox.sh host).
# Needs root, podman (apt-get install -y podman), tmux, busybox-static.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mode=${2:-vm}
lib_init "oci-podman-$mode"
kvmini=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# shellcheck source=oci_lib.sh
. "$(dirname "$0")/oci_lib.sh"

command -v podman >/dev/null && command -v conmon >/dev/null ||
	lib_skip "no podman (apt-get install -y podman, or scripts/install-deps.sh)"
[ "$(id -u)" -eq 0 ] || lib_skip "podman's store and the runtime's state need root here"
runtime=$(dirname "$kvmini")/kvmini-oci
[ -x "$runtime" ] || fail "no $runtime next to kvmini (vmm/meson.build makes it)"
image=localhost/kvmini-test-busybox:latest

# The host's podman state stays untouched: everything podman keeps is under
# $tmp. kvmini's state goes to $root by a wrapper that execs kvmini-oci with
# --root: podman's --runtime-flag does not reach the `podman container
# cleanup` that conmon runs at the container's exit, whose delete would then
# look in the default root.
mkdir "$tmp/bin" || fail "cannot make $tmp/bin"
printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$runtime" "$root" >"$tmp/bin/kvmini-oci"
chmod +x "$tmp/bin/kvmini-oci"
pm() {
	timeout 120 podman --root "$tmp/storage" --runroot "$tmp/runroot" --tmpdir "$tmp/ptmp" \
		--storage-driver vfs "$@"
}
cleanup() {
	if [ -d "$tmp/storage" ]; then
		pm rm --all --force --time 0 >/dev/null 2>&1
		pm rmi --all --force >/dev/null 2>&1
	fi
	[ -z "${tmux_sock:-}" ] || tmux -S "$tmux_sock" kill-server 2>/dev/null
	# podman mounts each container's /dev/shm under its store.
	grep -o " $tmp/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
	lib_cleanup
}
trap cleanup EXIT

# containers.conf: the runtime by name, podman's JSON error log for it, and
# the environment conmon gives it (podman passes the caller's on to no one).
# write_conf VAR=VALUE...: those variables for the runtime.
write_conf() {
	env='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
	for v; do env="$env, \"$v\""; done
	cat >"$tmp/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
runtime = "kvmini"
runtime_supports_json = ["kvmini"]
runtime_supports_kvm = ["kvmini"]
conmon_env_vars = [$env]
[engine.runtimes]
kvmini = ["$tmp/bin/kvmini-oci"]
EOF
	export CONTAINERS_CONF="$tmp/containers.conf"
}

oci_busybox_rootfs "$tmp/rootfs"
tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" . || fail "cannot make the rootfs tarball"
pm import "$tmp/rootfs.tar" "$image" >"$tmp/import.out" 2>&1 ||
	fail "podman import: $(cat "$tmp/import.out")"
echo "PASS: podman import of the busybox rootfs"

# no_leftovers WHAT: kvmini's --root is empty and podman has no container.
no_leftovers() {
	oci_root_empty "$1"
	[ -z "$(pm ps --all --quiet 2>&1)" ] || check_fail "$1: podman still lists $(pm ps --all --quiet 2>&1)"
}

if [ "$mode" = host ]; then
	oci_host_vmm
	write_conf "KVMINI_OCI_GUEST=$KVMINI_OCI_GUEST" "KVMINI_OCI_TEST_VMM=$KVMINI_OCI_TEST_VMM" \
		"AGENT_TMP=$AGENT_TMP" "AGENT_EXEC=$AGENT_EXEC"
elif [ "$mode" = qemu ]; then
	oci_qemu_vmm
	oci_linux_guest
	write_conf "KVMINI_OCI_GUEST=$KVMINI_OCI_GUEST" "KVMINI_OCI_TEST_VMM=$KVMINI_OCI_TEST_VMM"
elif ! [ -c /dev/kvm ] || ! (: <>/dev/kvm) 2>/dev/null; then
	# The error path, which needs no KVM: podman -> conmon -> kvmini-oci create.
	oci_stand_in_guest
	write_conf "KVMINI_OCI_GUEST=$KVMINI_OCI_GUEST"
	pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}' >"$tmp/out" 2>&1
	grep -q '^kvmini kvmini version ' "$tmp/out" || check_fail "podman info: the runtime: $(cat "$tmp/out")"
	pm run --rm --network none "$image" echo hi >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -ne 0 ] || check_fail "podman run without /dev/kvm: status 0"
	grep -q "kvmini: cannot run container '[0-9a-f]*': /dev/kvm" "$tmp/err" ||
		check_fail "podman run without /dev/kvm: kvmini's message is not shown: $(cat "$tmp/err")"
	grep -q hi "$tmp/out" && check_fail "podman run without /dev/kvm printed: $(cat "$tmp/out")"
	echo "PASS: podman run without KVM: status $status, $(grep -o 'kvmini: cannot run.*' "$tmp/err")"
	no_leftovers "podman run without KVM"
	lib_skip "/dev/kvm is not usable here: podman's containers as microVMs need it"
else
	oci_vm_guest
	write_conf "KVMINI_OCI_GUEST=$KVMINI_OCI_GUEST"
fi

# run --rm: the output, and a status.
pm run --rm --network none "$image" echo hi >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 0 ] && [ "$(tr -d '\r' <"$tmp/out")" = hi ]; then
	echo "PASS: podman run --rm echo hi"
else
	check_fail "podman run --rm echo hi: status $status, out: $(cat "$tmp/out"), err: $(cat "$tmp/err")"
fi
no_leftovers "after run --rm"
# podman's own files (/etc/hostname, /etc/hosts, /run/.containerenv, each
# bound from a file in its per-container directory) reach the container:
# kvmini copies them at create, and the agent bind-mounts the copies.
# The busybox rootfs has none of them. (podman writes /etc/hostname without
# a newline; read is a shell builtin: no fork in the guest.)
pm run --rm --network none --hostname kvmini-box "$image" sh -c 'read -r h </etc/hostname
echo "hostname=$h"; grep -q kvmini-box /etc/hosts && echo hosts; test -f /run/.containerenv && echo containerenv' \
	>"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 0 ] && [ "$(tr -d '\r' <"$tmp/out")" = "$(printf 'hostname=kvmini-box\nhosts\ncontainerenv')" ]; then
	echo "PASS: podman's /etc/hostname, /etc/hosts and /run/.containerenv reach the container"
else
	check_fail "podman's files: status $status, out: $(cat "$tmp/out"), err: $(cat "$tmp/err")"
fi
pm run --rm --network none "$image" sh -c 'exit 7' >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 7 ] || check_fail "podman run exit 7: status $status: $(cat "$tmp/err")"

# run -it through tmux: a prompt, the terminal's size, the shell's status.
command -v tmux >/dev/null || lib_skip "no tmux (apt-get install tmux) for podman run -it"
tmux_sock=$tmp/tmux.sock
tmux -S "$tmux_sock" new-session -d -x 100 -y 30 \
	"podman --root $tmp/storage --runroot $tmp/runroot --tmpdir $tmp/ptmp --storage-driver vfs \
	run -it --rm --network none $image sh; echo \$? >$tmp/it.status" ||
	fail "cannot start tmux"
# screen_has TEXT: the pane shows it within 60 s (a VM's boot is slow here).
screen_has() {
	n=0
	while ! tmux -S "$tmux_sock" capture-pane -p 2>/dev/null | grep -qF -- "$1"; do
		[ $n -lt 600 ] || return 1
		sleep 0.1
		n=$((n + 1))
	done
}
if screen_has '/ #'; then
	echo "PASS: podman run -it: a shell prompt"
	tmux -S "$tmux_sock" send-keys 'stty size; echo it-$((6 * 7))' Enter
	screen_has 'it-42' || check_fail "podman run -it: no answer: $(tmux -S "$tmux_sock" capture-pane -p)"
	# podman passes the terminal's size (process.consoleSize); the agent
	# gives it to the guest's console.
	screen_has '30 100' ||
		check_fail "podman run -it: stty size: $(tmux -S "$tmux_sock" capture-pane -p)"
	tmux -S "$tmux_sock" send-keys 'exit 3' Enter
	lib_wait_line "$tmp/it.status" '^3$' 60 ||
		check_fail "podman run -it: exit 3 gave '$(cat "$tmp/it.status" 2>&1)'"
else
	check_fail "podman run -it: no prompt: $(tmux -S "$tmux_sock" capture-pane -p)"
fi
no_leftovers "after run -it"

# run -d, stop, rm: the VMM process is the container's pid, and stop ends it.
pm run -d --name kvmini-sleeper --network none "$image" sleep 600 >"$tmp/id" 2>"$tmp/err" ||
	fail "podman run -d: $(cat "$tmp/err")"
id=$(cat "$tmp/id")
pid=$(pm inspect --format '{{.State.Pid}}' kvmini-sleeper)
oci state "$id"
oci_json "j['status'] == 'running' and j['pid'] == $pid" "podman run -d: kvmini's state is running, pid $pid"
# The VMM process is in the cgroup podman asked for (config.json's linux.cgroupsPath).
want=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["linux"]["cgroupsPath"])' \
	"$(pm inspect --format '{{.StaticDir}}' kvmini-sleeper)/config.json")
grep -q ":$want\$" "/proc/$pid/cgroup" && echo "PASS: podman run -d: the VMM process is in $want" ||
	check_fail "podman run -d: the VMM is not in cgroup '$want': $(cat "/proc/$pid/cgroup")"
# pause and unpause: kvmini's pause and resume, the VM frozen between them.
pm pause kvmini-sleeper >"$tmp/out" 2>"$tmp/err" || check_fail "podman pause: $(cat "$tmp/err")"
oci state "$id"
oci_json "j['status'] == 'paused'" "podman pause: kvmini's state is paused"
pm unpause kvmini-sleeper >"$tmp/out" 2>"$tmp/err" || check_fail "podman unpause: $(cat "$tmp/err")"
oci state "$id"
oci_json "j['status'] == 'running'" "podman unpause: kvmini's state is running"
start=$(date +%s)
pm stop --time 10 kvmini-sleeper >"$tmp/out" 2>"$tmp/err" || check_fail "podman stop: $(cat "$tmp/err")"
[ $(($(date +%s) - start)) -lt 10 ] || check_fail "podman stop needed SIGKILL after its timeout"
pm inspect --format '{{.State.Status}}' kvmini-sleeper >"$tmp/out" 2>&1
grep -qx exited "$tmp/out" || check_fail "after podman stop: $(cat "$tmp/out")"
kill -0 "$pid" 2>/dev/null && check_fail "after podman stop: the VMM process $pid lives"
pm rm kvmini-sleeper >"$tmp/out" 2>"$tmp/err" || check_fail "podman rm: $(cat "$tmp/err")"
no_leftovers "after podman stop and rm"

[ "$lib_failed" = 0 ] && echo "oci-podman-$mode: OK"
lib_finish
