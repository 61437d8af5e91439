#!/bin/sh
# SPDX-License-Identifier: MIT
#
# virtio-net.sh: run the virtio_net guest with --net socket,fd=3, where fd 3
# is one end of a SOCK_SEQPACKET socketpair and this script's helper
# (python3) holds the other: it sends one greeting frame at once (before the
# guest has posted receive buffers, so it must wait in the socket), then
# echoes every frame the guest sends with source and destination swapped.
# guest/tests/virtio_net.c checks both; the helper checks that the guest's
# frames came from the MAC kvmini derives for NIC 0 (02:4b:56:00:00:00).
#
# Usage: virtio-net.sh RUN-GUEST KVMINI ELF
# Exit status as run-guest.sh's: 0 pass, 77 skip, 1 fail.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
run_guest=$1
kvmini=$2
elf=$3

lib_require_kvm # before python3 starts: a skip needs no helper
lib_init virtio-net
command -v python3 >/dev/null 2>&1 || lib_skip "python3 is needed for the frame echo helper"

python3 - "$run_guest" "$kvmini" "$elf" >"$tmp/run.log" 2>&1 <<'PYTHON'
import os, socket, subprocess, sys, threading

run_guest, kvmini, elf = sys.argv[1:4]
GREETING = b"kvmini-net-hello"
GUEST_MAC = bytes([0x02, 0x4B, 0x56, 0x00, 0x00, 0x00])  # NIC 0, no mac= given
HOST_MAC = bytes([0x02, 0x4B, 0x56, 0xFF, 0xFF, 0xFF])

# Make sure fd 3 is taken before the socketpair, so that our end is not 3.
placeholder = os.open(os.devnull, os.O_RDONLY)
ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
# The monitor's end becomes fd 3 (replacing the placeholder if that was 3).
os.dup2(theirs.fileno(), 3, inheritable=True)
theirs.close()
if placeholder != 3:
    os.close(placeholder)
# The greeting, before the guest can have a receive buffer.
ours.send(b"\xff" * 6 + HOST_MAC + b"\x88\xb5" + GREETING)
guest = subprocess.Popen(["sh", run_guest, kvmini, elf, "--net", "socket,fd=3"], pass_fds=(3,))
os.close(3)  # now recv returns b"" when kvmini exits

stats = {"echoed": 0, "bad_source": 0}

def echo():
    while True:
        try:
            frame = ours.recv(65536)
        except OSError:
            return
        if not frame:
            return
        if frame[6:12] != GUEST_MAC:
            stats["bad_source"] += 1
        ours.send(frame[6:12] + frame[0:6] + frame[12:])
        stats["echoed"] += 1

t = threading.Thread(target=echo, daemon=True)
t.start()
status = guest.wait()
t.join(5)
print("virtio-net helper: echoed %d frames, %d from another MAC" % (stats["echoed"], stats["bad_source"]))
if status == 0 and (stats["echoed"] == 0 or stats["bad_source"]):
    print("virtio-net helper: FAILED: expected frames from %s" % GUEST_MAC.hex(":"))
    status = 1
sys.exit(status)
PYTHON
status=$?
cat "$tmp/run.log"
[ $status -eq $EXIT_PASS ] || exit $status # run-guest.sh's verdict (or the helper's): skip or fail
grep -q "virtio-net helper: echoed [1-9][0-9]* frames, 0 from another MAC" "$tmp/run.log" ||
	fail "the helper saw no frames from the guest"
echo "virtio-net: OK"
lib_finish
