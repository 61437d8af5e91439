# shellcheck shell=bash
# shellcheck disable=SC2154 # tag, build_packages, outputs: set by the caller
# Shared by build.sh and kernel.sh: logging, Debian package checks and the
# cache root. Sourced, never run. Callers set `tag` (their log prefix) and
# `build_packages` (what they need from Debian) before calling these.

log() { printf '%s: %s\n' "$tag" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$tag" "$*" >&2
	exit 1
}

# Version of an installed Debian package, or "missing".
pkg_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$3 == "installed" { print $4; found = 1 } END { if (!found) print "missing" }'
}

# Install what is missing of build_packages (as root), or say exactly what
# is missing.
ensure_packages() {
	local missing=() p
	for p in "${build_packages[@]}"; do
		[ "$(pkg_version "$p")" != missing ] || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
	fi
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
		die "apt-get install ${missing[*]} failed"
}

# Sets cache_root: $KVMINI_CACHE, else /var/cache/kvmini, else (a non-root
# user who cannot write there) ~/.cache/kvmini.
choose_cache_root() {
	cache_root=${KVMINI_CACHE:-/var/cache/kvmini}
	if [ -z "${KVMINI_CACHE:-}" ] && [ "$(id -u)" -ne 0 ] &&
		! { mkdir -p "$cache_root" 2>/dev/null && [ -w "$cache_root" ]; }; then
		cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/kvmini
	fi
}

# A short hash of a file's contents, for cache keys.
file_hash() {
	sha256sum <"$1" | cut -c1-16
}

# Is $1 a finished output directory holding every file named after it?
# `manifest` is written last, so its presence means the rest is complete.
is_complete() {
	local dir=$1 f
	shift
	[ -f "$dir/manifest" ] || return 1
	for f in "$@"; do
		[ -s "$dir/$f" ] || return 1
	done
}

# build_cached NAME: print the cache directory $cache_root/NAME-<key>, built
# first if it is not complete. The caller defines:
#   key_inputs        lines naming every input (versions, file hashes)
#   outputs           array of the files a complete directory holds
#   build_into STAGE  fill STAGE with the outputs except manifest (the
#                     scratch directory $work is free to use)
#   write_manifest STAGE
# The build runs in a temporary directory next to the final one and is
# renamed into place at the very end (same file system, so atomic): a
# killed build never leaves a directory that looks complete. A lock makes a
# second builder of the same key wait, then find it done. With force=1 it
# rebuilds even a complete directory.
build_cached() {
	local name=$1 out
	choose_cache_root
	key=$(key_inputs | sha256sum | cut -c1-12)
	out="$cache_root/$name-$key"
	if [ "${force:-0}" -eq 0 ] && is_complete "$out" "${outputs[@]}"; then
		echo "$out"
		return 0
	fi

	ensure_packages
	# Installing packages may have changed versions that are part of the key.
	key=$(key_inputs | sha256sum | cut -c1-12)
	out="$cache_root/$name-$key"
	mkdir -p "$cache_root" || die "cannot create cache root $cache_root (set KVMINI_CACHE)"
	exec 9>"$cache_root/.$name-$key.lock"
	flock 9
	if [ "${force:-0}" -eq 0 ] && is_complete "$out" "${outputs[@]}"; then
		echo "$out"
		return 0
	fi
	# Leftovers of killed builds of this key: nobody else holds its lock.
	rm -rf "$cache_root/.$name-$key.build."*
	work=$(mktemp -d "$cache_root/.$name-$key.build.XXXXXX")
	# shellcheck disable=SC2064 # expand $work now: it is local to this build
	trap "cleanup_work '$work'" EXIT

	start=$(date +%s)
	mkdir -p "$work/out"
	log "cache key $key; building in $work"
	build_into "$work/out"
	build_seconds=$(($(date +%s) - start))
	write_manifest "$work/out"

	rm -rf "$out"
	mv -T "$work/out" "$out"
	log "done in ${build_seconds}s"
	echo "$out"
}

cleanup_work() {
	if [ "${KVMINI_KEEP_BUILD:-0}" = 1 ]; then
		log "build tree kept in $1"
	else
		rm -rf "$1"
	fi
}
