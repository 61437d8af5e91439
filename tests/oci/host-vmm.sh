#!/bin/sh
# SPDX-License-Identifier: MIT
# A stand-in for `kvmini run` (KVMINI_OCI_TEST_VMM) that runs a container on
# this host instead of in a VM: the guest agent (vmm/oci/agent.sh, as
# `kvmini oci create` wrote it into the container's share) in a private
# mount and UTS namespace, each virtio-fs share a bind mount. Everything but
# the VM itself, so the runtime, process.sh, the agent and the callers
# (podman, containerd) are tested where there is no /dev/kvm.
# Gets kvmini run's arguments; needs root, unshare and $AGENT_TMP (a
# scratch directory); with $AGENT_EXEC (kvmini-exec built for this host) the
# agent starts the process with it, and kill's signals reach it. Used by run-busybox.sh host, podman.sh and
# containerd.sh.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh" # lib_wait_line
: "${AGENT_TMP:?host-vmm.sh needs AGENT_TMP}"
: >"$AGENT_TMP/shares.$$"
while [ $# -gt 0 ]; do
	if [ "$1" = --share ]; then
		d=${2%%,*} rest=${2#*,}
		echo "${rest%%,*} $d ${rest#*,}" >>"$AGENT_TMP/shares.$$"
		case "$2" in *,kvmini-oci) agent_dir=$d ;; esac
		shift
	fi
	shift
done
export agent_dir SHARES="$AGENT_TMP/shares.$$" agent_work="$AGENT_TMP/work.$$"
# kill's signals: kvmini oci starts the VMM in the container's state
# directory with --vsock 3,vsock. Here vsock_stand_in.py plays the vsock
# device on ./vsock and hands "CONNECT 10001" to the agent's kvmini-exec,
# the host's build ($AGENT_EXEC), listening on a Unix socket.
relay=
if [ -n "${AGENT_EXEC:-}" ]; then
	export agent_exec="$AGENT_EXEC" agent_signals="--signal-unix $AGENT_TMP/signal.$$"
	python3 "$(dirname "$0")/vsock_stand_in.py" "$PWD/vsock" 10001 "$AGENT_TMP/signal.$$" \
		>"$AGENT_TMP/relay.$$" 2>&1 &
	relay=$!
	lib_wait_line "$AGENT_TMP/relay.$$" '^ready$' 5
fi
# What the "VM" leaves behind when it ends, as kvmini removes its socket.
end_vm() {
	[ -z "$relay" ] || kill "$relay" 2>/dev/null
	rm -rf "$SHARES" "$agent_work" "$AGENT_TMP/relay.$$" vsock
}
# A background job of a non-interactive shell gets /dev/null as stdin: the
# container's stdin (a terminal with --console-socket) goes by fd 3.
exec 3<&0
unshare --mount --uts --pid --propagation private --fork --kill-child sh -c '
	exec 0<&3 3<&-
	KVMINI_AGENT_LIB=1
	. "$agent_dir/agent.sh"
	# A share is a bind mount here; read-only when the share or the mount is.
	agent_mount_share() {
		while read -r tag dir ro; do
			[ "$tag" = "$1" ] || continue
			mount --bind "$dir" "$2" || return 1
			[ "$3" = ro ] || [ "$ro" = ro ] || return 0
			mount -o remount,bind,ro "$2"
			return
		done <"$SHARES"
		return 1
	}
	agent_exit_vm() { exit "$1"; }
	agent_main' &
# A stop request (kill TERM) ends the "VM" as kvmini's does (status 122);
# unshare itself ignores SIGTERM while it waits, SIGKILL ends its child,
# the PID namespace's init, and with it every process of the "VM".
child=$!
exec 3<&-
trap 'kill -KILL $child; wait $child; end_vm; exit 122' TERM INT HUP
wait $child
status=$?
end_vm
exit $status
