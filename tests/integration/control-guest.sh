#!/bin/sh
# SPDX-License-Identifier: MIT
#
# control-guest.sh: the control socket of a real VM (vmm/host/control_vm.c)
# with the ticker guest (guest/tests/ticker.c), which prints "tick N" on a
# TSC clock: status has the documented fields and counts exits; pause stops
# the ticks and status says paused; resume starts them again; stop ends the
# run with status 0 and kill with STATUS_KILLED; the socket file is gone
# after every way out (stop, kill, SIGTERM, --timeout); a snapshot is written
# under the seccomp filter and restores under a new name, whose VM (filtered
# too) can be snapshotted again.
#
# Usage: control-guest.sh RUN-GUEST KVMINI ELF (RUN-GUEST unused: the guest
# prints no SUMMARY). Exit status: 0 pass, 77 skip (no usable /dev/kvm), 1 fail.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$2
elf=$3

lib_require_kvm
lib_init control-guest
export KVMINI_RUNTIME_DIR="$tmp/run"

ticks() {
	grep -c '^tick ' "$tmp/out"
}

# start OPTIONS...: the ticker under kvmini, in the background; waits for its third tick.
start() {
	rm -f "$tmp/out" "$tmp/err"
	env --default-signal=INT "$kvmini" run --kernel "$elf" --timeout 60 "$@" \
		>"$tmp/out" 2>"$tmp/err" </dev/null &
	pid=$!
	lib_pids=$pid
	lib_wait_line "$tmp/out" '^tick 3$' 30 ||
		fail "the ticker did not tick: $(cat "$tmp/out" "$tmp/err")"
}

# finish WANT_STATUS WHAT: wait for kvmini and check its status.
finish() {
	wait "$pid"
	st=$?
	lib_pids=
	[ "$st" = "$1" ] || check_fail "$2: kvmini exited $st, expected $1: $(cat "$tmp/err")"
}

json_check() {
	python3 -c '
import json, sys
j = json.load(sys.stdin)
sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)
' "$1"
}

sock=$KVMINI_RUNTIME_DIR/tick.sock

# --- status, pause, resume, stop by name ---
start --name tick
[ "$(stat -c %a "$sock")" = 600 ] || check_fail "socket mode $(stat -c %a "$sock")"
"$kvmini" ctl tick status >"$tmp/status" || check_fail "ctl status failed"
cat "$tmp/status"
json_check "j['ok'] and j['state'] == 'running' and j['vcpus'] == 1 and j['name'] == 'tick' and
	j['pid'] == $pid and j['memory_bytes'] == 128 << 20 and j['uptime_ms'] > 0 and
	j['exits'].get('io', 0) > 0 and
	any(d['name'] == 'serial' and d['base'] == '0x3f8' for d in j['devices'])" <"$tmp/status" ||
	check_fail "status lacks a documented field"

[ "$("$kvmini" ctl tick pause)" = paused ] || check_fail "ctl pause"
"$kvmini" ctl tick status | json_check "j['state'] == 'paused'" || check_fail "status is not paused"
sleep 0.3 # output the guest wrote just before the pause is flushed
a=$(ticks)
sleep 1.5
b=$(ticks)
[ "$a" = "$b" ] || check_fail "the guest ticked while paused ($a, then $b ticks)"
[ "$("$kvmini" ctl tick resume)" = running ] || check_fail "ctl resume"
sleep 1.5
c=$(ticks)
[ "$c" -gt "$b" ] || check_fail "no tick after resume ($b, then $c)"
echo "control-guest: $a ticks at pause, $b after 1.5 s paused, $c after 1.5 s resumed"

"$kvmini" list | grep -Eq "^tick +$pid +running +1 +128M" || check_fail "list does not show tick"

"$kvmini" ctl tick status | json_check "j['state'] == 'running'" ||
	check_fail "the VM is not running"
[ "$("$kvmini" ctl tick stop)" = stopping ] || check_fail "ctl stop"
finish "$STATUS_OK" "stop"
grep -q 'stopped by `kvmini ctl stop`' "$tmp/err" || check_fail "no stop message"
[ -e "$sock" ] && check_fail "the socket survived ctl stop"

# --- snapshot under the seccomp filter (a control socket's program has the
#     snapshot writer's calls), then restore it under another name ---
start --name snap
out=$("$kvmini" ctl snap snapshot "$tmp/snapdir") || check_fail "ctl snapshot failed: $(cat "$tmp/err")"
[ "$out" = "snapshot written to $tmp/snapdir" ] || check_fail "ctl snapshot printed '$out'"
[ -f "$tmp/snapdir/manifest.json" ] || check_fail "no manifest.json in the snapshot"
a=$(ticks)
sleep 1
[ "$(ticks)" -gt "$a" ] || check_fail "the VM did not run on after its snapshot"
"$kvmini" ctl snap stop >/dev/null || check_fail "ctl stop (snap)"
finish "$STATUS_OK" "stop after a snapshot"
rm -f "$tmp/out"
"$kvmini" restore "$tmp/snapdir" --name snap2 --timeout 60 >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
lib_pids=$pid
i=0
while [ ! -S "$KVMINI_RUNTIME_DIR/snap2.sock" ] && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
"$kvmini" ctl snap2 status | json_check "j['state'] == 'running' and j['name'] == 'snap2'" ||
	check_fail "the restored VM's status: $(cat "$tmp/err")"
lib_wait_line "$tmp/out" '^tick ' 30 || check_fail "the restored VM does not tick"
# A restored VM runs under the filter too, and can be snapshotted again.
"$kvmini" ctl snap2 snapshot "$tmp/snapdir2" >/dev/null ||
	check_fail "ctl snapshot of a restored VM: $(cat "$tmp/err")"
[ -f "$tmp/snapdir2/manifest.json" ] || check_fail "no manifest.json in the second snapshot"
"$kvmini" ctl snap2 kill >/dev/null || check_fail "ctl kill (snap2)"
finish "$STATUS_KILLED" "kill of a restored VM"
[ -e "$KVMINI_RUNTIME_DIR/snap2.sock" ] && check_fail "the restored VM's socket survived"

# --- kill, by path, from a paused VM ---
start --control "$tmp/c.sock"
"$kvmini" ctl "$tmp/c.sock" pause >/dev/null || check_fail "ctl pause (path)"
[ "$("$kvmini" ctl "$tmp/c.sock" kill)" = killed ] || check_fail "ctl kill"
finish "$STATUS_KILLED" "kill"
[ -e "$tmp/c.sock" ] && check_fail "the socket survived ctl kill"

# --- a signal and the watchdog remove it too ---
start --name tick
kill -TERM "$pid"
finish "$STATUS_SIGNAL" "SIGTERM"
[ -e "$sock" ] && check_fail "the socket survived SIGTERM"
"$kvmini" run --kernel "$elf" --name tick --timeout 2 >/dev/null 2>&1
st=$?
[ "$st" = "$STATUS_TIMEOUT" ] || check_fail "--timeout: status $st"
[ -e "$sock" ] && check_fail "the socket survived --timeout"

[ "$lib_failed" = 0 ] && echo "control-guest: OK"
lib_finish
