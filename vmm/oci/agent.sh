# shellcheck shell=sh
# kvmini OCI agent: runs one container's process inside the microVM.
#
# `kvmini oci create` writes this file (embedded in kvmini at build time) and
# process.sh into ROOT/ID/share, which the VM gets as the virtio-fs share
# "kvmini-oci". The guest's /init (guest/linux/init.sh) sees
# kvmini.agent=kvmini-oci on the kernel command line, mounts that share on
# /run and sources this file with busybox sh; init.sh's port_write_byte and
# TESTDEV_EXIT_PORT are defined then. The contract, including process.sh's
# calls, is in docs/containers.md.
#
# Nothing of the agent's own goes to the console: that is the container's
# stdout and stderr. Its messages go to agent.log in the share.
#
# tests/oci/agent-host.sh sources this file on the host with
# KVMINI_AGENT_LIB=1 and its own agent_dir, agent_mount_share and
# agent_exit_vm, and runs agent_main in a private mount namespace.

agent_dir=${agent_dir:-/run}
# Where the container's root is assembled (/mnt exists in the guest image).
agent_work=${agent_work:-/mnt/oci}
agent_root=$agent_work/root

agent_log() {
	echo "kvmini-agent: $*" >>"$agent_dir/agent.log"
}

# agent_mount_share TAG DIR ro|rw: a virtio-fs share of the VM.
agent_mount_share() {
	mount -t virtiofs -o "$3" "$1" "$2"
}

# agent_exit_vm STATUS: hand the status to kvmini (test device EXIT register)
# and end the VM.
agent_exit_vm() {
	port_write_byte "$TESTDEV_EXIT_PORT" "$1"
	command reboot -f
	exit "$1"
}

# agent_end STATUS: record the container's status and end the VM.
agent_end() {
	echo "$1" >"$agent_dir/exit-status"
	sync
	agent_exit_vm "$1"
}

# ---- the calls process.sh makes, in this order -----------------------------

oci_format() {
	[ "$1" = 1 ] && return 0
	agent_log "process.sh has format '$1'; this agent reads format 1"
	agent_end 125
}

oci_hostname() {
	hostname "$1" || agent_log "cannot set the hostname to '$1'"
}

# oci_root TAG ro|rw: the bundle's rootfs at $agent_root. Read-write roots
# get an overlay whose upper layer is a tmpfs: the container's writes stay
# in the VM, and the bundle on the host is never changed (runtime-spec
# config.md "root": readonly).
oci_root() {
	mkdir -p "$agent_work/lower" "$agent_work/rw" "$agent_root" || agent_end 125
	if [ "$2" = ro ]; then
		agent_mount_share "$1" "$agent_root" ro ||
			{ agent_log "cannot mount the root share '$1'"; agent_end 125; }
		return 0
	fi
	if ! {
		agent_mount_share "$1" "$agent_work/lower" ro &&
			mount -t tmpfs tmpfs "$agent_work/rw" &&
			mkdir -p "$agent_work/rw/upper" "$agent_work/rw/work" &&
			mount -t overlay overlay \
				-o "lowerdir=$agent_work/lower,upperdir=$agent_work/rw/upper,workdir=$agent_work/rw/work" \
				"$agent_root"
	}; then
		agent_log "cannot assemble the root overlay on share '$1'"
		agent_end 125
	fi
}

agent_terminal=0
# oci_terminal 0|1 [ROWS COLS]: 1 makes the console the process's controlling
# terminal (oci_exec), of ROWS x COLS: process.consoleSize when the caller
# gave it (containerd does), else the size of the terminal kvmini runs on,
# which /init exported as LINES and COLUMNS (kvmini.tty=; podman sizes the
# pty itself before `start`). 0 sets it raw so the process's bytes reach
# the host unchanged.
oci_terminal() {
	agent_terminal=$1
	if [ "$1" = 1 ]; then
		_rows=${2:-${LINES:-}} _cols=${3:-${COLUMNS:-}}
		[ -z "$_rows" ] || [ -z "$_cols" ] || stty rows "$_rows" cols "$_cols" 2>/dev/null ||
			agent_log "cannot give the console the size ${_rows}x$_cols"
		return 0
	fi
	stty raw -echo -onlcr 2>/dev/null || agent_log "cannot set the console raw"
}

# The device nodes runc creates in a tmpfs /dev (runtime-spec
# config-linux.md, "Default Devices").
agent_default_devices() {
	for d in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
		# shellcheck disable=SC2086 # name, major, minor
		set -- $d
		mknod -m 666 "$agent_root/dev/$1" c "$2" "$3" 2>/dev/null
	done
	mkdir -p "$agent_root/dev/pts" "$agent_root/dev/shm"
	ln -s /proc/self/fd "$agent_root/dev/fd" 2>/dev/null
	ln -s pts/ptmx "$agent_root/dev/ptmx" 2>/dev/null
}

# oci_mount TYPE SOURCE DEST OPTIONS. A mount the guest kernel cannot make
# is logged and skipped, as the contract says.
oci_mount() {
	_dir=$agent_root$3
	if [ ! -d "$_dir" ] && ! mkdir -p "$_dir" 2>/dev/null; then
		agent_log "skipped mount of $1 at $3: cannot create the directory"
		return 0
	fi
	case "$1" in
	virtiofs)
		_mode=rw
		case ",$4," in *,ro,*) _mode=ro ;; esac
		agent_mount_share "$2" "$_dir" "$_mode" ||
			agent_log "skipped bind mount at $3 (share $2)"
		;;
	*)
		mount -t "$1" ${4:+-o "$4"} "$2" "$_dir" 2>/dev/null ||
			{ agent_log "skipped mount of $1 at $3 (options '$4')"; return 0; }
		[ "$1:$3" != tmpfs:/dev ] || agent_default_devices
		;;
	esac
}

# oci_bind_file N DEST ro|rw: a bind mount of a host file. `create` copied
# the file to files/N in the share (a VM sees only shared directories, and
# sharing its parent would show its siblings): it is bind-mounted at DEST,
# made as an empty file (and its parent directories) when missing, and
# remounted read-only for ro. The container sees that copy: its writes stay
# in it. A DEST that is a symbolic link is not followed (it would resolve in
# the guest's tree, not the container's) and is skipped, as is a DEST the
# root cannot hold (a read-only root without it). busybox's mount, no shell
# of its own: each fork costs seconds where guest kernel code is emulated.
oci_bind_file() {
	_dst=$agent_root$2
	if [ -L "$_dst" ]; then
		agent_log "skipped bind mount of a file at $2: a symbolic link in the container"
		return 0
	fi
	if [ ! -e "$_dst" ]; then
		[ -d "${_dst%/*}" ] || mkdir -p "${_dst%/*}" 2>/dev/null
		if ! { : >"$_dst"; } 2>/dev/null; then
			agent_log "skipped bind mount of a file at $2: cannot create it"
			return 0
		fi
	fi
	if ! mount -o bind "$agent_dir/files/$1" "$_dst" 2>/dev/null; then
		agent_log "skipped bind mount of a file at $2 (files/$1)"
		return 0
	fi
	[ "$3" = ro ] || return 0
	# A bind mount takes "ro" only on a remount (mount(2), MS_REMOUNT|MS_BIND).
	mount -o remount,bind,ro "$_dst" 2>/dev/null && return 0
	agent_log "cannot make the bind mount at $2 read-only: removed"
	umount "$_dst" 2>/dev/null || agent_end 125
}

# oci_signal_port PORT: where kvmini-exec listens for `kvmini oci kill`'s
# signals (the VM's vsock; vmm/oci/oci_signal.c). agent_signals may name
# another channel (tests/oci/host-vmm.sh: a Unix socket).
agent_signals=${agent_signals:-}
oci_signal_port() {
	[ -n "$agent_signals" ] || agent_signals="--signal-port $1"
}

# The process starter: guest/linux/kvmini-exec.c, /bin/kvmini-exec in the
# guest image (tests/oci/host-vmm.sh names the host's build).
agent_exec=${agent_exec:-/bin/kvmini-exec}

agent_status=
# oci_exec UID GID GIDS CWD ENV... -- ARGS...: run the process as UID:GID
# with exactly the supplementary groups GIDS (comma-separated), in CWD with
# exactly ENV, the container root as /. kvmini-exec changes root, then
# directory (inside the root, as runc does), sets the groups, gid and uid,
# and execs ARGS[0], found on ENV's PATH inside the root; env -i gives it
# exactly ENV. kvmini-exec stays beside the process to pass on kill's
# signals and ends with its status. A guest image without kvmini-exec gets
# busybox's nsenter, which sets no supplementary groups and passes on no
# signal. No process is forked for the argument shuffling: every fork
# costs seconds where guest kernel code is emulated.
oci_exec() {
	_uid=$1 _gid=$2 _gids=$3 _cwd=$4
	shift 4
	_n=0
	for _w; do
		[ "$_w" = -- ] && break
		_n=$((_n + 1))
	done
	# ENV... -- ARGS...  ->  -- ARGS... ENV...  ->  ARGS... ENV...
	_i=0
	while [ $_i -lt "$_n" ]; do
		set -- "$@" "$1"
		shift
		_i=$((_i + 1))
	done
	shift
	_m=$(($# - _n))
	# -> ARGS... ENV... STARTER... --  ->  ENV... STARTER... -- ARGS...
	if [ -x "$agent_exec" ]; then
		# shellcheck disable=SC2086 # agent_signals is two words, or none
		set -- "$@" "$agent_exec" --root "$agent_root" --cwd "$_cwd" --uid "$_uid" \
			--gid "$_gid" --groups "$_gids" --log "$agent_dir/agent.log" $agent_signals --
	else
		# busybox's nsenter changes directory to -w before it changes
		# root, so the directory is named from here.
		set -- "$@" /bin/busybox nsenter -F -r"$agent_root" -w"$agent_root$_cwd" \
			-S "$_uid" -G "$_gid" --
		agent_log "no $agent_exec: busybox nsenter starts the process, without" \
			"supplementary groups ('$_gids') and without kill's signals"
	fi
	_i=0
	while [ $_i -lt "$_m" ]; do
		set -- "$@" "$1"
		shift
		_i=$((_i + 1))
	done
	if [ "$agent_terminal" = 1 ]; then
		setsid -c /bin/busybox env -i -- "$@"
	else
		/bin/busybox env -i -- "$@"
	fi
	agent_status=$?
}

agent_main() {
	[ -r "$agent_dir/process.sh" ] ||
		{ agent_log "no process.sh in the share"; agent_end 125; }
	# shellcheck disable=SC1091 # written by kvmini oci create
	. "$agent_dir/process.sh"
	if [ -z "$agent_status" ]; then
		agent_log "process.sh did not run a process (no oci_exec)"
		agent_end 125
	fi
	agent_end "$agent_status"
}

[ "${KVMINI_AGENT_LIB:-0}" = 1 ] || agent_main
