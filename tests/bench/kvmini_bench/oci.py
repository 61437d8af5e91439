# SPDX-License-Identifier: MIT
"""The container side: a busybox root file system and OCI bundles for it.

The root file system is the smallest useful one: a static busybox, three
symlinks to it and an init-like script. The same directory is the root of
every container contender (runc, crun, and the ns_floor helper), so they
all exec the same bytes.

Bundles are made by the runtime's own `spec` command (the default config a
user of `runc spec` gets: PID, network, IPC, UTS and mount namespaces; /proc,
/dev, /dev/pts, /dev/shm, /dev/mqueue, /sys and /sys/fs/cgroup mounts; a
read-only root; three capabilities; a cgroup; no seccomp filter) and edited
only where a benchmark must: no terminal, our command, and an absolute path
to the shared root file system.
"""
import json
import os
import shutil
import struct
import subprocess

# The line the init-like script prints when it runs: the containers' "ready".
READY_LINE = "KVMINI-READY"

INIT_SCRIPT = """#!/bin/sh
# PID 1 of the kvmini-bench container: an init-like script. The runtime has
# already mounted /proc, /dev and /sys (a VM's /init mounts them itself).
export PATH=/bin
echo %s
# `init.sh hold` stays alive until stdin closes: the bench measures memory
# at this point, then closes it.
[ "$1" = hold ] && read -r _
exit 0
""" % READY_LINE

PT_INTERP = 3  # ELF program header type of a dynamic loader request


def is_static_elf(path):
    """True if path is an ELF64 executable without a PT_INTERP header."""
    try:
        with open(path, "rb") as f:
            ident = f.read(64)
            if len(ident) < 64 or ident[:4] != b"\x7fELF" or ident[4] != 2:
                return False
            phoff, = struct.unpack_from("<Q", ident, 32)
            phentsize, phnum = struct.unpack_from("<HH", ident, 54)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
    except OSError:
        return False
    for i in range(phnum):
        p_type, = struct.unpack_from("<I", table, i * phentsize)
        if p_type == PT_INTERP:
            return False
    return True


def find_busybox():
    """(path, None) of a static busybox, or (None, reason)."""
    for path in (shutil.which("busybox"), "/bin/busybox", "/usr/bin/busybox"):
        if path and os.path.exists(path):
            if is_static_elf(path):
                return os.path.realpath(path), None
            return None, "%s is not statically linked (apt-get install busybox-static)" % path
    return None, "no busybox found (apt-get install busybox-static)"


# Where the workload program and its scratch directory are inside every
# root file system (the host process contender uses the same files, found
# under the rootfs directory on the host).
WORK_BIN = "/bin/bench_work"
SCRATCH = "/scratch"


def make_rootfs(workdir, busybox, bench_work=None):
    """Build workdir/rootfs, with bench_work (tests/bench/bench_work.c, a
    static program) as WORK_BIN if given; return its path."""
    root = os.path.join(workdir, "rootfs")
    for d in ("bin", "proc", "dev", "sys", "tmp", SCRATCH[1:]):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy2(busybox, os.path.join(root, "bin", "busybox"))
    if bench_work:
        shutil.copy2(bench_work, os.path.join(root, WORK_BIN[1:]))
    for applet in ("sh", "true", "echo"):
        link = os.path.join(root, "bin", applet)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    init = os.path.join(root, "init.sh")
    with open(init, "w") as f:
        f.write(INIT_SCRIPT)
    os.chmod(init, 0o755)
    return root


def tree_bytes(path):
    """Bytes of the regular files under path (what `du --apparent-size` adds),
    without the bench's own workload program (WORK_BIN under path), which is
    no part of the application."""
    total = 0
    skip = os.path.join(path, WORK_BIN[1:])
    for dirpath, _, files in os.walk(path):
        for name in files:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full) and full != skip:
                total += os.path.getsize(full)
    return total


def make_bundle(runtime, workdir, rootfs, name, args, limits=None):
    """Create workdir/bundle-<name>/config.json for `runtime run`.

    limits: None, or {"pids": N, "memory_mib": M} for the container's
    cgroup (OCI runtime spec, config-linux.md "pids" and "memory"). The
    rootfs's SCRATCH directory is bind-mounted read-write at SCRATCH, since
    the root itself is read-only (file I/O lands on the host's file system,
    as a container's volume does).
    Returns the bundle directory. Raises RuntimeError with the runtime's
    message if its `spec` command fails.
    """
    bundle = os.path.join(workdir, "bundle-%s-%s" % (os.path.basename(runtime), name))
    os.makedirs(bundle, exist_ok=True)
    config = os.path.join(bundle, "config.json")
    if os.path.exists(config):
        os.unlink(config)
    proc = subprocess.run([runtime, "spec"], cwd=bundle, capture_output=True, text=True)
    if proc.returncode != 0 or not os.path.exists(config):
        raise RuntimeError("`%s spec` failed: %s" % (runtime, proc.stderr.strip()[-300:]))
    with open(config) as f:
        spec = json.load(f)
    spec["process"]["terminal"] = False
    spec["process"]["args"] = args
    spec["root"] = {"path": rootfs, "readonly": True}
    spec["hostname"] = "kvmini-bench"
    spec["mounts"].append({"destination": SCRATCH, "type": "bind",
                           "source": os.path.join(rootfs, SCRATCH[1:]),
                           "options": ["rbind", "rw"]})
    if limits:
        res = spec["linux"].setdefault("resources", {})
        if "pids" in limits:
            res["pids"] = {"limit": limits["pids"]}
        if "memory_mib" in limits:
            # limit == swap: no swap beyond the limit (config-linux.md, "memory").
            res["memory"] = {"limit": limits["memory_mib"] << 20,
                             "swap": limits["memory_mib"] << 20}
    with open(config, "w") as f:
        json.dump(spec, f, indent=1)
    return bundle


def container_cleanup(runtime, container_id):
    """Remove a container left behind by a killed run (ignore errors)."""
    subprocess.run([runtime, "delete", "--force", container_id],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
