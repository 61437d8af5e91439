#!/bin/sh
# SPDX-License-Identifier: MIT
# The lifecycle of `kvmini oci` containers, for real but without KVM: the
# VMM process execs a stand-in for `kvmini run` (KVMINI_OCI_TEST_VMM) that
# records its pid, argv and fds and then sleeps or exits as told. Checks:
# create waits for start (the stand-in has not run), the pid file and
# state hold the VMM's pid and exec keeps it, start makes it run with the
# planned `run` arguments, kill delivers SIGTERM, state follows the process
# (created, running, stopped), delete refuses a running container without
# --force and kills a created one, run returns the container's exit status
# and removes the state (unless --keep), run -d detaches, --preserve-fds
# passes fds and nothing else leaks, --console-socket hands over a terminal,
# two creates of one ID race to exactly one winner, and a file bind mount
# is copied into the share (and removed with it, or by a failed create).
# Needs python3.
# Usage: lifecycle.sh KVMINI
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
lib_init oci-lifecycle
kvmini=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # absolute: one case runs elsewhere
# shellcheck source=oci_lib.sh
. "$(dirname "$0")/oci_lib.sh"

oci_stand_in_guest
export KVMINI_OCI_TEST_VMM="$tmp/vmm.sh"
export VMM_REC="$tmp/rec"
mkdir "$VMM_REC"
cat >"$tmp/vmm.sh" <<'SH'
#!/bin/sh
# The stand-in VMM: what kvmini run would be, recorded in $VMM_REC/$VMM_NAME.*.
r=$VMM_REC/${VMM_NAME:-c}
printf '%s\n' "$@" >"$r.argv"
[ -e /proc/$$/fd/3 ] && echo yes >"$r.fd3" || echo no >"$r.fd3"
[ -e /proc/$$/fd/4 ] && echo yes >"$r.fd4" || echo no >"$r.fd4"
[ -t 1 ] && echo "hello from the VMM on a terminal"
trap 'echo TERM >"$r.signal"; exit 122' TERM
echo $$ >"$r.pid.tmp" && mv "$r.pid.tmp" "$r.pid"
# As the guest agent would: the container's status into the kvmini-oci share.
if [ -n "${VMM_AGENT_STATUS:-}" ]; then
	for a; do
		case "$a" in *,kvmini-oci) echo "$VMM_AGENT_STATUS" >"${a%,kvmini-oci}/exit-status" ;; esac
	done
fi
case "${VMM_MODE:-exit}" in
sleep) sleep 60 & wait ;;
*) exit "${VMM_STATUS:-0}" ;;
esac
SH
chmod +x "$tmp/vmm.sh"
oci_bundle "$tmp/b"

# wait_for FILE: up to 5 s.
wait_for() {
	n=0
	while [ ! -e "$1" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -e "$1" ]
}

# status_is ID STATUS: `state` says so within 5 s.
status_is() {
	n=0
	while [ $n -lt 50 ]; do
		oci state "$1"
		if [ "$status" -eq 0 ] && grep -q "\"status\": \"$2\"" "$tmp/out"; then
			echo "PASS: $1 is $2"
			return 0
		fi
		sleep 0.1
		n=$((n + 1))
	done
	check_fail "$1: state never became $2: $(cat "$tmp/out" "$tmp/err")"
	return 1
}

# create, then start: the VMM waits for start, and exec keeps its pid.
VMM_NAME=c1 VMM_MODE=sleep oci create --bundle "$tmp/b" --pid-file "$tmp/c1.pid" c1
[ "$status" -eq 0 ] || fail "create c1: status $status: $(cat "$tmp/err")"
pid=$(cat "$tmp/c1.pid")
lib_pids="$pid"
status_is c1 created
oci_json "j['pid'] == $pid and j['id'] == 'c1' and j['bundle'] == '$tmp/b'
  and j['rootfs'] == '$tmp/b/rootfs' and j['ociVersion'] == '1.1.0'" "state: pid, id, bundle, rootfs"
kill -0 "$pid" 2>/dev/null || check_fail "the VMM process $pid is not alive after create"
sleep 0.3
[ -e "$VMM_REC/c1.pid" ] && check_fail "the VMM ran before start"
oci list
grep -q "^c1 .* $pid .* created .* $tmp/b " "$tmp/out" || check_fail "list: $(cat "$tmp/out")"
oci list --format json
oci_json "[s['id'] for s in j] == ['c1'] and j[0]['status'] == 'created'" "list --format json"
[ -p "$root/c1/exec.fifo" ] || check_fail "no exec.fifo in the state directory"
grep -q "^oci_exec 0 0 '' '/' .* -- 'sh'$" "$root/c1/share/process.sh" ||
	check_fail "process.sh: $(cat "$root/c1/share/process.sh")"

oci start c1
[ "$status" -eq 0 ] || check_fail "start c1: status $status: $(cat "$tmp/err")"
wait_for "$VMM_REC/c1.pid" || fail "the VMM did not run after start"
[ "$(cat "$VMM_REC/c1.pid")" = "$pid" ] || check_fail "exec changed the pid: $(cat "$VMM_REC/c1.pid") != $pid"
status_is c1 running
[ -e "$root/c1/exec.fifo" ] && check_fail "start left exec.fifo behind"
tr '\n' ' ' <"$VMM_REC/c1.argv" >"$tmp/argv"
for want in "run --kernel $tmp/guest/vmlinux --initrd $tmp/guest/initramfs.cpio --mem 128M --cpus 1" \
	"--cmdline console=ttyS0 quiet loglevel=1 kvmini.agent=kvmini-oci" \
	"--share $tmp/b/rootfs,rootfs,ro --share $root/c1/share,kvmini-oci "; do
	grep -qF -- "$want" "$tmp/argv" || check_fail "VMM argv lacks '$want': $(cat "$tmp/argv")"
done
[ "$(cat "$VMM_REC/c1.fd3")" = no ] || check_fail "an fd 3 leaked into the VMM"
oci start c1
oci_expect_error "start twice" "it is running, not created"
oci delete c1
oci_expect_error "delete of a running container" "it is running"
[ -d "$root/c1" ] || check_fail "the refused delete removed the state"

# kill: a signal for the container's process goes into the guest through the
# VM's vsock socket in the state directory. A stand-in plays kvmini's vsock
# device and the agent's kvmini-exec: it answers "CONNECT 10001" and the
# signal's number with OK, and records the lines.
python3 - "$root/c1/vsock" >"$tmp/vsock.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
f = c.makefile("rwb", buffering=0)
for answer in (b"OK 1024\n", b"OK\n"):
    print(f.readline().decode().strip(), flush=True)
    f.write(answer)
PY
vsock_peer=$!
lib_wait_line "$tmp/vsock.log" '^ready$' 10 || fail "the vsock stand-in did not start"
oci kill c1 USR1
[ "$status" -eq 0 ] || check_fail "kill c1 USR1 through the guest: status $status: $(cat "$tmp/err")"
wait $vsock_peer
[ "$(sed -n 2,3p "$tmp/vsock.log" | tr '\n' ' ')" = "CONNECT 10001 10 " ] ||
	check_fail "kill c1 USR1: the guest side got '$(cat "$tmp/vsock.log")'"
[ ! -e "$VMM_REC/c1.signal" ] || check_fail "kill c1 USR1 signalled the VMM"
rm -f "$root/c1/vsock"
# Without the channel: USR1 has nowhere to go, TERM stops the VM.
oci kill c1 USR1
oci_expect_error "kill USR1 without a channel" "no channel to the guest's process"

# kill: SIGTERM by default; without the channel, to the VMM process.
oci kill c1
[ "$status" -eq 0 ] || check_fail "kill c1: status $status: $(cat "$tmp/err")"
wait_for "$VMM_REC/c1.signal" && [ "$(cat "$VMM_REC/c1.signal")" = TERM ] ||
	check_fail "the VMM got no SIGTERM"
status_is c1 stopped
oci_json "j['pid'] == 0" "state: a stopped container has pid 0"
oci kill c1 KILL
oci_expect_error "kill of a stopped container" "it is stopped"
# runc: kill --all of a stopped container is no error (containerd's shim sends it).
oci kill --all c1 KILL
[ "$status" -eq 0 ] || check_fail "kill --all of a stopped container: $(cat "$tmp/err")"
oci ps --format json c1
[ "$status" -eq 0 ] && [ "$(cat "$tmp/out")" = "[]" ] || check_fail "ps of a stopped container: $(cat "$tmp/out" "$tmp/err")"
oci delete c1
[ "$status" -eq 0 ] || check_fail "delete c1: status $status: $(cat "$tmp/err")"
oci_root_empty "after delete c1"

# delete of a created container kills its waiting VMM (as runc does).
VMM_NAME=c2 VMM_MODE=sleep oci create --bundle "$tmp/b" --pid-file "$tmp/c2.pid" c2
[ "$status" -eq 0 ] || fail "create c2: status $status: $(cat "$tmp/err")"
pid=$(cat "$tmp/c2.pid")
lib_pids="$pid"
oci kill c2 0
[ "$status" -eq 0 ] || check_fail "kill c2 0 (a probe): status $status"
oci kill --all c2 0
[ "$status" -eq 0 ] || check_fail "kill --all c2 0: status $status: $(cat "$tmp/err")"
# ps: the VMM process is the container's only host process.
oci ps --format json c2
[ "$status" -eq 0 ] && [ "$(cat "$tmp/out")" = "[$pid]" ] || check_fail "ps --format json: $(cat "$tmp/out" "$tmp/err")"
oci ps c2 -ef
[ "$status" -eq 0 ] && head -n 1 "$tmp/out" | grep -q '^PID ' && grep -q "^$pid " "$tmp/out" ||
	check_fail "ps (table): $(cat "$tmp/out" "$tmp/err")"
oci delete c2
[ "$status" -eq 0 ] || check_fail "delete c2: status $status: $(cat "$tmp/err")"
sleep 0.2
if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
	check_fail "delete of a created container left its VMM $pid alive"
fi
[ -e "$VMM_REC/c2.pid" ] && check_fail "the deleted container's VMM ran"
oci_root_empty "after delete of a created container"

# run: the container's exit status, and no state left (unless --keep).
for code in 0 1 7; do
	VMM_NAME=r$code VMM_STATUS=$code oci run --bundle "$tmp/b" "r$code"
	[ "$status" -eq "$code" ] || check_fail "run exiting $code: status $status: $(cat "$tmp/err")"
	oci_root_empty "after run r$code"
done
# The agent's exit-status wins over the monitor's (122 would read "stopped by a signal").
VMM_NAME=agent VMM_STATUS=122 VMM_AGENT_STATUS=122 oci run --bundle "$tmp/b" agent
[ "$status" -eq 122 ] || check_fail "run, agent status 122: status $status"
VMM_NAME=agent VMM_STATUS=1 VMM_AGENT_STATUS=42 oci run --bundle "$tmp/b" agent
[ "$status" -eq 42 ] || check_fail "run, agent status 42, monitor 1: status $status, want 42"
oci_root_empty "after the agent's status"
VMM_NAME=keep VMM_STATUS=3 oci run --keep --bundle "$tmp/b" keep
[ "$status" -eq 3 ] || check_fail "run --keep: status $status"
status_is keep stopped
oci delete keep
oci_root_empty "after deleting the kept container"

# run -d: returns at once, with the container running.
VMM_NAME=det VMM_MODE=sleep oci run -d --bundle "$tmp/b" --pid-file "$tmp/det.pid" det
[ "$status" -eq 0 ] || check_fail "run -d: status $status: $(cat "$tmp/err")"
lib_pids="$(cat "$tmp/det.pid")"
status_is det running

# pause and resume: the VMM process is stopped (SIGSTOP) and continued.
det=$(cat "$tmp/det.pid")
oci pause det
[ "$status" -eq 0 ] || check_fail "pause det: $(cat "$tmp/err")"
status_is det paused
grep -q '^State:.*T' "/proc/$det/status" || check_fail "pause: the VMM is not stopped: $(grep State "/proc/$det/status")"
oci pause det
oci_expect_error "pause of a paused container" "it is paused, not running"
oci delete det
oci_expect_error "delete of a paused container" "it is paused"
oci resume det
[ "$status" -eq 0 ] || check_fail "resume det: $(cat "$tmp/err")"
status_is det running
grep -q '^State:.*T' "/proc/$det/status" && check_fail "resume: the VMM is still stopped"
oci resume det
oci_expect_error "resume of a running container" "it is running, not paused"
oci pause det
oci delete --force det
[ "$status" -eq 0 ] || check_fail "delete --force: status $status: $(cat "$tmp/err")"
oci_root_empty "after delete --force"

# --preserve-fds 1: fd 3 reaches the VMM, fd 4 does not.
VMM_NAME=fds oci run --preserve-fds 1 --bundle "$tmp/b" fds 3>"$tmp/fd3" 4>"$tmp/fd4"
[ "$status" -eq 0 ] || check_fail "run --preserve-fds: status $status: $(cat "$tmp/err")"
[ "$(cat "$VMM_REC/fds.fd3")" = yes ] || check_fail "--preserve-fds 1: fd 3 did not arrive"
[ "$(cat "$VMM_REC/fds.fd4")" = no ] || check_fail "--preserve-fds 1: fd 4 leaked"

# --console-socket: the master of a new terminal arrives; the VMM's stdout is its slave.
oci_bundle "$tmp/tty" 'c["process"]["terminal"] = True'
python3 - "$tmp/console.sock" "$tmp/console.out" <<'PY' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1); s.settimeout(20)
conn, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(256, socket.CMSG_SPACE(fds.itemsize))
for level, kind, data in anc:
    fds.frombytes(data[:fds.itemsize])
master = fds[0]
out = b""
while b"terminal" not in out:
    out += os.read(master, 256)
open(sys.argv[2], "w").write("%s %s %s" % (os.isatty(master), msg.decode(), out.decode().strip()))
PY
py=$!
wait_for "$tmp/console.sock" || fail "the console socket was not made"
VMM_NAME=tty VMM_MODE=sleep oci create --bundle "$tmp/tty" --console-socket "$tmp/console.sock" \
	--pid-file "$tmp/tty.pid" tty
[ "$status" -eq 0 ] || check_fail "create --console-socket: status $status: $(cat "$tmp/err")"
lib_pids="$(cat "$tmp/tty.pid" 2>/dev/null)"
oci start tty
wait $py
grep -q '^True /dev/pts/[0-9]* hello from the VMM on a terminal$' "$tmp/console.out" ||
	check_fail "--console-socket: $(cat "$tmp/console.out" 2>&1)"
oci delete --force tty
oci_root_empty "after the terminal container"

# A relative --root is made absolute: the VMM's shares name the full path.
(cd "$tmp" && VMM_NAME=rel timeout 20 "$kvmini" oci --root relroot run --bundle b rel) \
	>/dev/null 2>"$tmp/err" </dev/null || check_fail "run with --root relroot: $(cat "$tmp/err")"
grep -qx "$tmp/relroot/rel/share,kvmini-oci" "$VMM_REC/rel.argv" ||
	check_fail "relative --root: VMM argv: $(cat "$VMM_REC/rel.argv")"

# A create that died half-way leaves "creating" with no pid: state shows it,
# and delete removes it without signalling anything (never kill(0)).
mkdir -p "$root/dead"
printf '{"ociVersion": "1.1.0", "id": "dead", "pid": 0, "status": "creating", "bundle": "%s",
 "rootfs": "", "created": "", "kvmini": {"pid_start": 0, "owner_uid": 0}}\n' "$tmp/b" \
	>"$root/dead/state.json"
oci state dead
oci_json "j['status'] == 'creating' and j['pid'] == 0" "state of a create that died"
oci kill dead KILL
oci_expect_error "kill of a create that died" "it is creating"
oci delete dead
[ "$status" -eq 0 ] || check_fail "delete of a create that died: status $status: $(cat "$tmp/err")"
oci_root_empty "after deleting a create that died"
# One that died before state.json: delete --force removes the directory (runc).
mkdir -p "$root/dead2/share"
oci delete --force dead2
[ "$status" -eq 0 ] || check_fail "delete --force without state.json: $(cat "$tmp/err")"
oci_root_empty "after delete --force of a directory without state.json"

# linux.cgroupsPath: the VMM process joins it in every cgroup hierarchy
# before start, and delete removes it (runtime-spec config-linux.md).
if [ "$(id -u)" -eq 0 ] && grep -q ' - cgroup2* ' /proc/self/mountinfo; then
	cg=/kvmini-test-$$
	cgdirs=$(awk '$4 == "/" && $0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo)
	oci_bundle "$tmp/cg" "c[\"linux\"][\"cgroupsPath\"] = \"$cg/c1\""
	VMM_NAME=cg VMM_MODE=sleep oci create --bundle "$tmp/cg" --pid-file "$tmp/cg.pid" cg
	[ "$status" -eq 0 ] || check_fail "create with cgroupsPath: $(cat "$tmp/err")"
	grep -q cgroupsPath "$tmp/err" && check_fail "cgroupsPath warned about: $(cat "$tmp/err")"
	pid=$(cat "$tmp/cg.pid")
	lib_pids="$pid"
	n=$(grep -c ":$cg/c1\$" "/proc/$pid/cgroup")
	if [ "$n" -eq "$(echo "$cgdirs" | wc -l)" ]; then
		echo "PASS: cgroupsPath: the VMM process is in $cg/c1 in all $n hierarchies"
	else
		check_fail "cgroupsPath: the VMM's cgroups: $(cat "/proc/$pid/cgroup")"
	fi
	# kill --all: every process of the cgroup, not only the VMM (runc's rule).
	oci start cg
	wait_for "$VMM_REC/cg.pid" || check_fail "cg: the VMM did not run after start"
	sleep 0.2
	child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)
	[ -n "$child" ] || check_fail "cg: the stand-in VMM has no child"
	oci kill --all cg KILL
	[ "$status" -eq 0 ] || check_fail "kill --all cg KILL: $(cat "$tmp/err")"
	sleep 0.5
	for p in $pid $child; do
		kill -0 "$p" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null &&
			check_fail "kill --all left pid $p of the container's cgroup alive"
	done
	status_is cg stopped
	oci delete cg
	[ "$status" -eq 0 ] || check_fail "delete cg: $(cat "$tmp/err")"
	for d in $cgdirs; do
		[ -d "$d$cg/c1" ] && check_fail "delete left the cgroup $d$cg/c1"
		rmdir "$d$cg" 2>/dev/null
	done
	# systemd's form needs systemd: a warning, and the VMM stays where it was.
	oci_bundle "$tmp/cgsd" 'c["linux"]["cgroupsPath"] = "system.slice:kvmini:x"'
	VMM_NAME=cgsd VMM_STATUS=0 oci run --bundle "$tmp/cgsd" cgsd
	[ "$status" -eq 0 ] && grep -q "cgroupsPath 'system.slice:kvmini:x' is systemd's form" "$tmp/err" ||
		check_fail "systemd cgroupsPath: status $status: $(cat "$tmp/err")"
	oci_bundle "$tmp/cgdot" 'c["linux"]["cgroupsPath"] = "/a/../../b"'
	oci create --bundle "$tmp/cgdot" cgdot
	oci_expect_error "cgroupsPath with '..'" "has a '..' component"
	oci_root_empty "after the cgroup cases"
else
	echo "SKIP (cgroupsPath): needs root and a mounted cgroup hierarchy"
fi

# Two creates of one ID at once: exactly one wins.
VMM_MODE='sleep' timeout 20 "$kvmini" oci --root "$root" create --bundle "$tmp/b" race \
	>/dev/null 2>"$tmp/race1" </dev/null &
p1=$!
VMM_MODE='sleep' timeout 20 "$kvmini" oci --root "$root" create --bundle "$tmp/b" race \
	>/dev/null 2>"$tmp/race2" </dev/null
s2=$?
wait $p1
s1=$?
if [ $((s1 + s2)) -ne 1 ] || ! grep -q "already exists" "$tmp/race1" "$tmp/race2"; then
	check_fail "racing creates: statuses $s1 and $s2: $(cat "$tmp/race1" "$tmp/race2")"
else
	echo "PASS: racing creates of one ID: one wins"
fi
oci delete race
oci_root_empty "after the race"

# A bind mount of a host file: create copies it into the share, where the
# agent finds it as files/N (N: the mount's index), and process.sh asks for
# it; delete removes the copy with the state.
printf 'host-hosts\n' >"$tmp/hosts"
chmod 0640 "$tmp/hosts"
oci_bundle "$tmp/bf" 'c["mounts"].append({"destination": "/etc/hosts", "type": "bind",
  "source": "'"$tmp"'/hosts", "options": ["rbind", "ro"]})'
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["mounts"]) - 1)' \
	"$tmp/bf/config.json")
VMM_NAME=bf VMM_MODE=sleep oci create --bundle "$tmp/bf" bf
[ "$status" -eq 0 ] || check_fail "create with a file bind mount: $(cat "$tmp/err")"
if cmp -s "$tmp/hosts" "$root/bf/share/files/$n" &&
	[ "$(stat -c %a "$root/bf/share/files/$n")" = 640 ]; then
	echo "PASS: a file bind mount's source is copied to share/files/$n with its mode"
else
	check_fail "no copy of $tmp/hosts in $root/bf/share/files/$n: $(ls -l "$root/bf/share/files" 2>&1)"
fi
grep -qxF "oci_bind_file $n '/etc/hosts' ro" "$root/bf/share/process.sh" ||
	check_fail "process.sh has no oci_bind_file for /etc/hosts: $(cat "$root/bf/share/process.sh")"
oci delete bf
[ "$status" -eq 0 ] || check_fail "delete bf: $(cat "$tmp/err")"
oci_root_empty "after delete of a container with a file bind mount"
# A source that reads more than the limit by the time of the copy: a
# procfs file is "regular" with size 0 (so the plan takes it) but reads
# megabytes. create fails after making ROOT/ID and removes it again.
if [ "$(wc -c </proc/kallsyms 2>/dev/null || echo 0)" -gt 1048576 ]; then
	oci_bundle "$tmp/bfbig" 'c["mounts"].append({"destination": "/k", "type": "bind",
  "source": "/proc/kallsyms", "options": ["bind"]})'
	oci create --bundle "$tmp/bfbig" bfbig
	oci_expect_error "a file bind source that reads more than 1 MiB" "reads more than 1048576 bytes"
	oci_root_empty "after a failed copy"
else
	echo "SKIP (a file bind source growing past the limit): /proc/kallsyms reads under 1 MiB here"
fi

[ "$lib_failed" = 0 ] && echo "oci-lifecycle: OK"
lib_finish
