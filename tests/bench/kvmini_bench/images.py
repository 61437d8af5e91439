# SPDX-License-Identifier: MIT
"""Image size for the same application: what each kind of contender needs on
disk to run one busybox program, measured from the files.

  VM:        the minimal Linux guest of guest/linux/build.sh: the kernel as
             shipped (LZ4 bzImage; the unstripped vmlinux kvmini boots by
             PVH is given too) plus the uncompressed initramfs holding busybox
             and /init; its 64 MiB ext4 disk image (the disk-boot form) is
             given with its allocated size.
  Container: the OCI bundle: the busybox root directory and config.json,
             and the same root packed as an OCI image layer would be (tar,
             gzip -6, in memory).
  Debian:    what a Debian userland adds to either: the Installed-Size that
             dpkg records for the Priority: required packages installed on
             this host (about what `debootstrap --variant=minbase` unpacks).
             A container image carries it as its root; a VM carries it on its
             disk image, plus its kernel.
"""
import gzip
import io
import os
import subprocess
import tarfile

from . import oci


def _file(path):
    if not path or not os.path.exists(path):
        return None
    st = os.stat(path)
    return {"path": path, "bytes": st.st_size, "allocated_bytes": st.st_blocks * 512}


def _layer_bytes(root, leave_out):
    """Bytes of root as a gzip-compressed tar (an OCI image layer's form),
    without the file leave_out (a path inside root, like oci.WORK_BIN)."""
    skip = "." + leave_out
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w") as tar:
            tar.add(root, arcname=".", filter=lambda ti: None if ti.name == skip else ti)
    return len(buf.getvalue())


def debian_userland():
    """(bytes, packages, None) of the Priority: required packages installed
    here, from dpkg's Installed-Size (KiB), or (None, 0, why not)."""
    try:
        p = subprocess.run(["dpkg-query", "-W", "-f", "${Priority} ${Installed-Size}\\n"],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, 0, "dpkg-query: %s" % e
    if p.returncode != 0:
        return None, 0, "dpkg-query failed: %s" % p.stderr.strip()[-200:]
    kib, n = 0, 0
    for line in p.stdout.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == "required" and words[1].isdigit():
            kib += int(words[1])
            n += 1
    if not n:
        return None, 0, "no Priority: required package is installed (not a Debian host?)"
    return kib * 1024, n, None


def measure(linux_dir, linux_skip, rootfs, bundle):
    """The image-size record (see the module's description). bundle: an OCI
    bundle directory for rootfs (or None)."""
    rec = {"vm": None, "vm_skip": None, "container": None, "container_skip": None}
    if linux_dir:
        files = {k: _file(os.path.join(linux_dir, k))
                 for k in ("bzImage", "vmlinux", "initramfs.cpio", "rootfs.ext4")}
        shipped = [files[k] for k in ("bzImage", "initramfs.cpio") if files[k]]
        rec["vm"] = {"files": files, "bytes": sum(f["bytes"] for f in shipped),
                     "what": "bzImage + initramfs.cpio (busybox and /init)"}
    else:
        rec["vm_skip"] = linux_skip
    if rootfs and os.path.isdir(rootfs):
        config = os.path.join(bundle, "config.json") if bundle else None
        root_b = oci.tree_bytes(rootfs)  # without the bench's workload program
        rec["container"] = {"rootfs_bytes": root_b,
                            "config_bytes": os.path.getsize(config) if config and
                            os.path.exists(config) else None,
                            "layer_gzip_bytes": _layer_bytes(rootfs, oci.WORK_BIN),
                            "what": "busybox root directory + config.json"}
        rec["container"]["bytes"] = root_b + (rec["container"]["config_bytes"] or 0)
    else:
        rec["container_skip"] = "no busybox root file system was built (no static busybox, " \
            "or no container contender selected)"
    deb, n, why = debian_userland()
    rec["debian"] = {"bytes": deb, "packages": n, "skip": why,
                     "what": "Installed-Size of the %d Priority: required packages "
                             "installed on this host (dpkg)" % n}
    return rec

