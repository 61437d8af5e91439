#!/bin/sh
# SPDX-License-Identifier: MIT
#
# control.sh: `kvmini ctl` and `kvmini list` end to end, against the real
# control server with fake ops (control_fake_vm.c), so no /dev/kvm is
# needed. Checks: status is JSON with the documented fields; pause then
# status says paused, resume running; the socket is mode 0600; a client
# that sends half a line and stalls, or never reads its replies, does not
# hold up another client; an oversize or malformed request gets an error
# reply and the connection goes on; list shows the live VM and marks a
# stale socket; a second VM cannot take a live socket (the fake, and
# `kvmini run --name` when a guest ELF is given); ctl on a missing socket
# fails fast; stop ends the fake with 0 and kill with STATUS_KILLED, and
# the socket is gone afterwards.
#
# Usage: control.sh KVMINI CONTROL_FAKE_VM [GUEST_ELF]
# Exit status: 0 pass, 1 fail.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$1
fake=$2
elf=${3:-}

lib_init control
run=$tmp/run
mkdir -m 700 "$run"
export KVMINI_RUNTIME_DIR="$run"

# start_fake PATH NAME: a fake VM on PATH; sets $fake_pid once it listens.
start_fake() {
	rm -f "$tmp/fake.out"
	"$fake" "$1" "$2" >"$tmp/fake.out" 2>"$tmp/fake.err" &
	fake_pid=$!
	lib_pids="$lib_pids $fake_pid"
	lib_wait_line "$tmp/fake.out" '^ready' 10 ||
		fail "the fake VM did not start: $(cat "$tmp/fake.err")"
}

# json_check 'PYTHON EXPRESSION over j': the JSON on stdin makes it true.
json_check() {
	python3 -c '
import json, sys
j = json.load(sys.stdin)
sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)
' "$1"
}

# py 'CODE': run Python with socket, json, sys, time imported and PATH = $sock.
py() {
	python3 -c "
import json, os, socket, sys, time
PATH = '$sock'
def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(PATH)  # blocking: a full backlog makes it wait, as unix(7) says
    s.settimeout(5)
    return s
def lines(s, n):
    buf = b''
    while buf.count(b'\n') < n:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return [json.loads(l) for l in buf.split(b'\n')[:n]]
$1"
}

sock=$run/fake1.sock
start_fake "$sock" fake1

# --- the socket file: a socket, mode 0600, ours ---
[ -S "$sock" ] || fail "no socket at $sock"
mode=$(stat -c %a "$sock")
[ "$mode" = 600 ] || check_fail "socket mode is $mode, not 600"
[ "$(stat -c %u "$sock")" = "$(id -u)" ] || check_fail "the socket is not owned by the caller"

# --- status: JSON with the fields, by name and by path ---
"$kvmini" ctl fake1 status >"$tmp/status" 2>"$tmp/err" || fail "ctl status failed: $(cat "$tmp/err")"
json_check "j['ok'] is True and j['state'] == 'running' and j['vcpus'] == 2 and
	j['memory_bytes'] == 64 << 20 and j['pid'] == $fake_pid and j['name'] == 'fake1' and
	isinstance(j['uptime_ms'], int) and isinstance(j['exits'], dict) and
	j['devices'][0]['base'] == '0x3f8'" <"$tmp/status" ||
	check_fail "ctl status: unexpected JSON: $(cat "$tmp/status")"
"$kvmini" ctl "$sock" status >"$tmp/status" || check_fail "ctl PATH status failed"
json_check "j['state'] == 'running'" <"$tmp/status" || check_fail "ctl PATH status: $(cat "$tmp/status")"

# --- pause, status, resume ---
out=$("$kvmini" ctl fake1 pause) && [ "$out" = paused ] || check_fail "ctl pause printed '$out'"
"$kvmini" ctl fake1 status | json_check "j['state'] == 'paused'" || check_fail "not paused after pause"
out=$("$kvmini" ctl fake1 resume) && [ "$out" = running ] || check_fail "ctl resume printed '$out'"
"$kvmini" ctl fake1 status | json_check "j['state'] == 'running'" || check_fail "not running after resume"

# --- snapshot refused by the VM: the reason on stderr, status 1 ---
if "$kvmini" ctl fake1 snapshot "$tmp/snap" >/dev/null 2>"$tmp/err"; then
	check_fail "ctl snapshot succeeded against a VM that refuses it"
elif ! grep -q "ctl fake1 snapshot: this fake VM writes no snapshots" "$tmp/err"; then
	check_fail "ctl snapshot: no clear error: $(cat "$tmp/err")"
fi

# --- a stalled client and a client that never reads do not block others ---
py '
stall = connect()
stall.sendall(b"{\"cmd\":")               # half a line, then nothing
deaf = connect()
deaf.setblocking(False)
sent = 0
try:
    for i in range(20000):                # far more replies than any buffer holds
        sent += deaf.send(b"{\"cmd\":\"status\"}\n")
except BlockingIOError:
    pass
t = time.time()
s = connect()
s.sendall(b"{\"cmd\":\"status\"}\n")
r = lines(s, 1)[0]
took = time.time() - t
assert r["ok"] and r["state"] == "running", r
assert took < 2, "status took %.1f s next to a stalled and a deaf client" % took
print("control: status answered in %.0f ms next to a stalled and a deaf client (%d bytes unread)" % (took * 1000, sent))
' || check_fail "a stalled or deaf client held up another client"

# --- oversize and malformed requests: an error reply, and the connection goes on ---
py '
s = connect()
s.sendall(b"a" * 10000 + b"\n" + b"not json\n" + b"{\"cmd\":\"status\",\"x\":1}\n" + b"{\"cmd\":\"status\"}\n")
r = lines(s, 4)
assert not r[0]["ok"] and "longer than 4096" in r[0]["error"], r[0]
assert not r[1]["ok"] and "not JSON" in r[1]["error"], r[1]
assert not r[2]["ok"] and "no field" in r[2]["error"], r[2]
assert r[3]["ok"] and r[3]["state"] == "running", r[3]
print("control: oversize, malformed and mistyped requests refused; the next one answered")
' || check_fail "oversize or malformed requests"

# --- more clients than the cap: the newest is still served ---
py '
idle = [connect() for i in range(12)]
time.sleep(0.2)
s = connect()
s.sendall(b"{\"cmd\":\"status\"}\n")
assert lines(s, 1)[0]["ok"]
print("control: 13 clients at once; the newest was served")
' || check_fail "a client beyond the cap was not served"

# --- list: the live VM and a stale socket ---
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$run/stale1.sock')"
"$kvmini" list >"$tmp/list" 2>"$tmp/err" || check_fail "list failed: $(cat "$tmp/err")"
cat "$tmp/list"
grep -Eq "^fake1 +$fake_pid +running +2 +64M\$" "$tmp/list" || check_fail "list does not show fake1 running"
grep -Eq "^stale1 +- +stale " "$tmp/list" || check_fail "list does not mark stale1 stale"
head -1 "$tmp/list" | grep -Eq "^NAME +PID +STATE +VCPUS +MEM\$" || check_fail "list has no header"

# --- two VMs cannot share a live socket; a stale one is taken over ---
if "$fake" "$sock" other >/dev/null 2>"$tmp/err"; then
	check_fail "a second fake VM took the live socket"
elif ! grep -q "is in use" "$tmp/err"; then
	check_fail "no clear message for a live socket: $(cat "$tmp/err")"
fi
if [ -n "$elf" ]; then
	"$kvmini" run --kernel "$elf" --name fake1 >/dev/null 2>"$tmp/err"
	st=$?
	[ $st = "$STATUS_SETUP_ERROR" ] && grep -q "is in use.*(--name)" "$tmp/err" ||
		check_fail "kvmini run --name fake1 with fake1 live: status $st, $(cat "$tmp/err")"
	# A stale socket is replaced by the new VM, and gone when the run ends, whatever ends it.
	"$kvmini" run --kernel "$elf" --name stale1 --timeout 5 >/dev/null 2>&1
	[ -e "$run/stale1.sock" ] && check_fail "the stale socket is still there after a run took its name"
else
	echo "control: no guest ELF given: kvmini run --name not tried"
fi

# --- ctl on a missing socket: fast and clear ---
t0=$(date +%s%3N)
"$kvmini" ctl "$tmp/none.sock" status >/dev/null 2>"$tmp/err" && check_fail "ctl to a missing socket succeeded"
ms=$(($(date +%s%3N) - t0))
grep -q "cannot connect to '$tmp/none.sock': No such file" "$tmp/err" || check_fail "ctl missing: $(cat "$tmp/err")"
[ $ms -lt 2000 ] || check_fail "ctl to a missing socket took $ms ms"
"$kvmini" ctl no-such-vm pause >/dev/null 2>&1 && check_fail "ctl pause of a missing VM succeeded"

# --- stop: the reply, then the fake exits 0 and its socket is gone ---
out=$("$kvmini" ctl fake1 stop) && [ "$out" = stopping ] || check_fail "ctl stop printed '$out'"
wait "$fake_pid"
st=$?
[ $st = "$STATUS_OK" ] || check_fail "the fake exited $st after stop"
[ -e "$sock" ] && check_fail "the socket is still there after stop"

# --- kill: status STATUS_KILLED ---
start_fake "$sock" fake2
out=$("$kvmini" ctl "$sock" kill) && [ "$out" = killed ] || check_fail "ctl kill printed '$out'"
wait "$fake_pid"
st=$?
[ $st = "$STATUS_KILLED" ] || check_fail "the fake exited $st after kill, not $STATUS_KILLED"
[ -e "$sock" ] && check_fail "the socket is still there after kill"
lib_pids=

[ "$lib_failed" = 0 ] && echo "control: OK"
lib_finish
