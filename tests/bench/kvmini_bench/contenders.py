# SPDX-License-Identifier: MIT
"""The contenders: what each one runs, what "ready" means for it, and why it
may be skipped. build_contenders() returns every known contender; one that
cannot run here has .skip set to a reason and is never run."""
import glob
import os
import shutil
import subprocess

from kvmini_testlib import host_info, kvm_problem  # tests/, see __init__.py

from . import oci

# The tiny guest's first console line (guest/tests/hello.c).
TINY_READY_LINE = "Hello from the kvmini tiny guest!"
# Printed by the Linux guest's /init through the ` -- COMMAND` convention
# (guest/linux/init.sh): the first thing user space prints.
LINUX_READY_LINE = oci.READY_LINE
# Kernel command line of both Linux contenders, on every host. quiet: the
# boot log costs time on a serial console; panic=-1 turns a panic into a
# reboot (a triple fault with reboot=t), which ends QEMU -no-reboot too.
LINUX_CMDLINE = "console=ttyS0 reboot=t panic=-1 quiet"
# What this host needs besides (on hosts where KVM emulates guest kernel
# mode, Linux options that avoid what the emulator lacks): kvmini appends it
# itself (vmm/kvm/host_quirks.c); QEMU gets the same words, which the bench
# asks kvmini for (`kvmini host-info`, see host_quirks()).
GUEST_MEM = 128 << 20

NAMES = ["kvmini-tiny", "kvmini-linux", "qemu-microvm", "runc-true", "runc-init",
         "crun-true", "crun-init", "podman-init", "kvmini-oci-init", "podman-kvmini-init",
         "namespace", "process", "kvm-floor"]
# The contenders that run a container's root file system (the rootfs is built
# when one of them is selected).
ROOTFS_USERS = NAMES[3:12]
# Why a QEMU that cannot use KVM is no contender for the speed rows.
QEMU_TCG = ("without /dev/kvm QEMU runs the guest with TCG, a CPU emulator (a Linux boot takes "
            "minutes): its numbers would measure binary translation, not virtualization, so "
            "no TCG row is measured")


class Contender:
    """One way of starting something. argv(tag) gives the command of one run
    (tag makes per-run names unique, e.g. container ids)."""

    def __init__(self, name, kind, title):
        self.name = name
        self.kind = kind  # "vm", "container" or "floor"
        self.title = title
        self.skip = None  # reason, if it cannot run here
        self.argv = None  # function tag -> command
        self.probe_argv = None  # command of the memory-probe run (default argv)
        self.hold_stdin = False  # the probe command waits for stdin to close
        self.cleanup = None  # function tag -> None, after a failed run
        self.ready_line = None  # None: ready = exit
        self.ready = ""  # what "ready" means, for the reports
        self.total = "until the process exited"
        self.kernel = ""  # which kernel runs it: the "what is shared" column
        self.image = []  # [(label, path)]: what was booted or started
        self.image_note = ""
        self.image_alt = None  # (label, path): the same thing packed another way
        self.host_program = None  # the host executable that starts it
        self.guest_ram = None  # bytes of guest RAM (VMs): for the memory probe
        self.slow = False  # takes seconds per run: fewer runs by default
        self.parse_marks = False  # stderr holds kvmini --boot-times lines
        # Running a given command in one instance (steady-state workloads,
        # noisy neighbours): wrap(tag, args, limits) -> argv, where args is
        # a command inside the root file system (oci.WORK_BIN ...) and
        # limits None or {"pids": N, "memory_mib": M}; or wrap_skip, why not.
        self.wrap = None
        self.wrap_skip = "this contender runs no workload of ours"
        self.limits = False  # wrap() applies limits (a cgroup)
        self.prepare = None  # shell command run before every run, untimed (user contenders)


def host_quirks(kvmini):
    """(what `kvmini host-info` says, None), or (None, why it cannot say)."""
    if not kvmini or not os.path.exists(kvmini):
        return None, "kvmini %s not found, so this host's needs are unknown" % kvmini
    try:
        return host_info(kvmini), None
    except RuntimeError as e:
        return None, str(e)


def find_linux_dir(explicit):
    """(dir, None) with the newest complete guest/linux/build.sh output,
    or (None, reason)."""
    need = ("vmlinux", "initramfs.cpio")
    if explicit:
        missing = [f for f in need if not os.path.exists(os.path.join(explicit, f))]
        if missing:
            return None, "--linux-dir %s lacks %s" % (explicit, ", ".join(missing))
        return explicit, None
    roots = [os.environ.get("KVMINI_CACHE", "/var/cache/kvmini"),
             os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                          "kvmini")]
    # build.sh writes the manifest last: a directory with one is complete.
    found = [d for r in roots for d in glob.glob(os.path.join(r, "linux-*"))
             if all(os.path.exists(os.path.join(d, f)) for f in need + ("manifest",))]
    if not found:
        return None, ("no built Linux guest in %s (run guest/linux/build.sh, "
                      "or pass --linux-dir)" % " or ".join(roots))
    return max(found, key=lambda d: os.path.getmtime(os.path.join(d, "manifest"))), None


def _in_initramfs(initrd, path):
    """None if the uncompressed (newc) cpio initrd holds path, else why not.
    A newc entry's name is stored as plain text ending in NUL."""
    try:
        with open(initrd, "rb") as f:
            data = f.read()
    except OSError as e:
        return "cannot read %s: %s" % (initrd, e.strerror)
    if (path[1:] + "\0").encode() in data:
        return None
    return ("the Linux guest's initramfs (%s) has no %s: guest/linux/ must add the static "
            "tests/bench/bench_work there for the steady-state rows" % (initrd, path))


def _reasons(*reasons):
    """Every reason that is not None, joined; None if there is none."""
    given = [r for r in reasons if r]
    return "; ".join(given) if given else None


def _need(path, what):
    if not path:
        return "%s not given" % what
    if not os.path.exists(path):
        return "%s %s not found (build it first)" % (what, path)
    return None


def _vm_tiny(o, kvm):
    c = Contender("kvmini-tiny", "vm", "kvmini, tiny guest")
    c.skip = _reasons(_need(o.kvmini, "kvmini"), _need(o.tiny_elf, "tiny guest"), kvm)
    c.argv = lambda tag: [o.kvmini, "run", "--kernel", o.tiny_elf, "--boot-times"]
    c.ready_line = TINY_READY_LINE
    c.ready = "the guest's first console line (%r) was read from kvmini's stdout" % TINY_READY_LINE
    c.total = "until kvmini exited (the guest ran to its end)"
    c.kernel = "own kernel: the tiny test kernel"
    c.image = [("hello.elf", o.tiny_elf)]
    c.host_program = o.kvmini
    c.guest_ram = GUEST_MEM
    c.parse_marks = True
    return c


def _vm_linux(o, kvm, linux_dir, linux_skip, qemu):
    """kvmini-linux or qemu-microvm: the same kernel, initramfs and command line
    (kvmini adds the host's additions itself; QEMU gets them from here)."""
    kernel = os.path.join(linux_dir or "", "vmlinux")
    initrd = os.path.join(linux_dir or "", "initramfs.cpio")
    cmdline = LINUX_CMDLINE + " -- echo " + LINUX_READY_LINE
    if qemu:
        c = Contender("qemu-microvm", "vm", "QEMU -M microvm, Linux guest")
        binary = shutil.which("qemu-system-x86_64")
        quirks, quirks_skip = host_quirks(o.kvmini)
        c.skip = _reasons(None if binary else
                          "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)",
                          kvm, kvm and binary and QEMU_TCG, linux_skip, quirks_skip)
        quirks = quirks or {}
        # QEMU 7.2 needs this on the host that emulates guest kernel mode
        # (measured; docs/benchmarks.md, "Linux boot").
        cpu = "host,-arch-capabilities" if quirks.get("emulated_kernel_mode") else "host"
        full = " ".join(w for w in (LINUX_CMDLINE, quirks.get("linux_cmdline"),
                                    "-- echo " + LINUX_READY_LINE) if w)
        c.argv = lambda tag: [binary, "-M", "microvm", "-enable-kvm", "-cpu", cpu,
                              "-m", "%dM" % (GUEST_MEM >> 20), "-smp", "1", "-nodefaults",
                              "-no-user-config", "-display", "none", "-serial", "stdio",
                              "-no-reboot", "-kernel", kernel, "-initrd", initrd,
                              "-append", full]
        c.total = "until QEMU exited (the guest rebooted, which -no-reboot turns into an exit)"
        c.host_program = binary
    else:
        c = Contender("kvmini-linux", "vm", "kvmini, Linux guest")
        c.skip = _reasons(_need(o.kvmini, "kvmini"), kvm, linux_skip)
        c.argv = lambda tag: [o.kvmini, "run", "--kernel", kernel, "--initrd", initrd,
                              "--mem", "%dM" % (GUEST_MEM >> 20), "--cmdline", cmdline,
                              "--boot-times"]
        c.total = "until kvmini exited (/init wrote its status to the test device)"
        c.host_program = o.kvmini
        c.parse_marks = True
    c.ready_line = LINUX_READY_LINE
    c.ready = ("the line %r, printed by /init (`-- echo %s` on the kernel command line), "
               "was read from the monitor's stdout" % (LINUX_READY_LINE, LINUX_READY_LINE))
    c.kernel = "own kernel: Linux guest"
    c.image = [("vmlinux", kernel), ("initramfs.cpio", initrd)]
    bz = os.path.join(linux_dir or "", "bzImage")
    if os.path.exists(bz):
        c.image_note = ("vmlinux is the uncompressed, unstripped ELF (PVH entry); the same "
                        "kernel as an LZ4 bzImage is %d bytes" % os.path.getsize(bz))
        c.image_alt = ("bzImage", bz)
    c.guest_ram = GUEST_MEM
    c.slow = True
    if qemu:
        c.wrap_skip = _reasons(c.skip, "the workloads run in the kvmini Linux guest only "
                               "(one VM row is enough to price the guest)")
    else:
        # The guest's /init runs the command after ' -- ' (guest/linux/init.sh);
        # the workload program must be in its initramfs as oci.WORK_BIN.
        c.wrap_skip = c.skip or _in_initramfs(initrd, oci.WORK_BIN)
        c.wrap = lambda tag, args, limits=None: [
            o.kvmini, "run", "--kernel", kernel, "--initrd", initrd, "--mem",
            "%dM" % (GUEST_MEM >> 20), "--cmdline", LINUX_CMDLINE + " -- " + " ".join(args)]
    return c


def _containers(o, runtime, rootfs, busybox_skip):
    """<runtime>-true and <runtime>-init, started by `<runtime> run`."""
    binary = shutil.which(runtime)
    skip = ("%s not installed (apt-get install %s)" % (runtime, runtime) if not binary
            else "needs root (this bench does not set up rootless containers)"
            if os.geteuid() != 0 else busybox_skip)
    out = []
    for variant in ("true", "init"):
        c = Contender("%s-%s" % (runtime, variant), "container",
                      "%s, busybox container%s" % (runtime, ", /bin/true" if variant == "true"
                                                   else ", init script"))
        c.skip = skip
        bundles = {}

        def bundle(kind, args, c=c, bundles=bundles):
            if kind not in bundles:
                bundles[kind] = oci.make_bundle(binary, o.workdir, rootfs, kind, args)
            return bundles[kind]

        if variant == "true":
            c.argv = lambda tag, bundle=bundle: [
                binary, "run", "--bundle", bundle("true", ["/bin/true"]), tag]
            c.ready = "ready = exit: /bin/true prints nothing"
        else:
            c.argv = lambda tag, bundle=bundle: [
                binary, "run", "--bundle", bundle("init", ["/init.sh"]), tag]
            c.probe_argv = lambda tag, bundle=bundle: [
                binary, "run", "--bundle", bundle("hold", ["/init.sh", "hold"]), tag]
            c.hold_stdin = True
            c.ready_line = oci.READY_LINE
            c.ready = ("the line %r, printed by the container's /init.sh, was read from "
                       "%s's stdout" % (oci.READY_LINE, runtime))
        c.total = "until `%s run` exited (it also deletes the container)" % runtime
        c.cleanup = lambda tag, b=binary: oci.container_cleanup(b, tag)
        if variant == "init":
            c.wrap_skip, c.limits = skip, True
            c.wrap = lambda tag, args, limits=None: [
                binary, "run", "--bundle", oci.make_bundle(
                    binary, o.workdir, rootfs, "work-%s" % tag, args, limits), tag]
        c.kernel = "host kernel, shared"
        c.image = [("busybox rootfs", rootfs)]
        c.host_program = binary
        out.append(c)
    return out


def _podman(o, rootfs, busybox_skip, kvmini_oci=None):
    """podman over the same root directory (`podman run --rootfs`): with runc
    (podman-init), or, given the kvmini-oci-init contender, with kvmini-oci
    as its OCI runtime (podman-kvmini-init: the same container in a microVM,
    started the way podman users start one; it cannot run where that
    contender cannot)."""
    binary = shutil.which("podman")
    if kvmini_oci is None:
        name, runtime, kind = "podman-init", "runc", "container"
        what = "podman (runc), busybox container, init script"
    else:
        name, kind = "podman-kvmini-init", "vm"
        runtime = os.path.join(os.path.dirname(o.kvmini), "kvmini-oci")
        what = "podman (kvmini-oci: microVM, own kernel), busybox container, init script"
    c = Contender(name, kind, what)
    c.skip = _reasons("podman not installed (apt-get install podman)" if not binary
                      else "needs root (this bench does not set up rootless containers)"
                      if os.geteuid() != 0 else busybox_skip,
                      kvmini_oci.skip if kvmini_oci else None)

    prefix = []
    if kvmini_oci is not None:
        # podman gives an OCI runtime only containers.conf's conmon_env_vars,
        # so that is how kvmini oci learns where the guest is
        # (docs/containers.md, "With podman and containerd"); runtime_supports_*
        # as for the other VM runtimes (kata, krun). Through env(1): the other
        # podman row keeps the host's own configuration.
        conf = os.path.join(o.workdir, "podman-kvmini.conf")
        with open(conf, "w") as f:
            f.write('[engine]\nruntime_supports_json = ["kvmini-oci"]\n'
                    'runtime_supports_kvm = ["kvmini-oci"]\n'
                    'conmon_env_vars = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:'
                    '/sbin:/bin", "KVMINI_OCI_GUEST=%s"]\n' % os.environ.get("KVMINI_OCI_GUEST", ""))
        prefix = ["env", "CONTAINERS_CONF=" + conf]

    def argv(tag, args, limits=None):
        lim = []
        if limits and "pids" in limits:
            lim += ["--pids-limit", str(limits["pids"])]
        if limits and "memory_mib" in limits:
            lim += ["--memory", "%dm" % limits["memory_mib"]]
        # -i: keep stdin attached, which the held (memory-probe, density)
        # runs wait on; podman does not pass it to the container otherwise.
        return prefix + [binary, "run", "--rm", "-i", "--runtime", runtime, "--network", "none",
                         "--name", tag] + lim + ["--rootfs", rootfs] + args

    c.argv = lambda tag: argv(tag, ["/init.sh"])
    c.probe_argv = lambda tag: argv(tag, ["/init.sh", "hold"])
    c.hold_stdin = True
    c.ready_line = oci.READY_LINE
    c.ready = "the line %r, printed by the container's /init.sh, was read from podman's " \
        "stdout" % oci.READY_LINE
    c.total = "until `podman run --rm` exited (the container removed)"
    c.cleanup = lambda tag: subprocess.run([binary, "rm", "--force", tag],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c.image = [("busybox rootfs", rootfs)]
    c.host_program = binary
    if kvmini_oci is None:
        c.kernel = "host kernel, shared"
        c.wrap_skip, c.limits = c.skip, True
        c.wrap = argv
    else:
        c.kernel = "own kernel: Linux guest"
        c.guest_ram = GUEST_MEM
        c.slow = True
        c.wrap_skip = _reasons(c.skip, "the workloads run in the kvmini Linux guest row")
    return c


def _kvmini_oci(o, kvm, linux_dir, linux_skip, rootfs, busybox_skip):
    """The runc-init bundle run by `kvmini oci run`: the same container in a
    microVM with its own kernel (the Linux guest; docs/containers.md)."""
    binary = os.path.join(os.path.dirname(o.kvmini), "kvmini-oci")
    c = Contender("kvmini-oci-init", "vm",
                  "kvmini oci (microVM, own kernel), busybox container, init script")
    c.skip = _reasons(_need(binary, "kvmini-oci"), kvm, linux_skip,
                      "needs root (virtiofsd's sandbox)" if os.geteuid() != 0 else None,
                      busybox_skip,
                      None if os.path.exists("/usr/lib/qemu/virtiofsd") else
                      "no /usr/lib/qemu/virtiofsd (apt-get install qemu-system-x86)")
    # The very bundle runc-init runs (`runc spec` plus the same changes): what
    # kvmini cannot honour in it (capabilities, seccomp, ...) it names in a
    # warning on stderr.
    runc = shutil.which("runc")
    c.skip = _reasons(c.skip, None if runc else "runc not installed: it writes the shared bundle")
    root = os.path.join(o.workdir, "kvmini-oci-root")
    bundles = {}

    def bundle(kind, args):
        if kind not in bundles:
            bundles[kind] = oci.make_bundle(runc, o.workdir, rootfs, kind, args)
        return bundles[kind]

    # kvmini oci finds the guest through KVMINI_OCI_GUEST (docs/containers.md).
    if linux_dir:
        os.environ["KVMINI_OCI_GUEST"] = linux_dir
    c.argv = lambda tag: [binary, "--root", root, "run", "--bundle", bundle("init", ["/init.sh"]),
                          tag]
    c.probe_argv = lambda tag: [binary, "--root", root, "run", "--bundle",
                                bundle("hold", ["/init.sh", "hold"]), tag]
    c.hold_stdin = True
    c.ready_line = oci.READY_LINE
    c.ready = ("the line %r, printed by the container's /init.sh in the guest, was read from "
               "kvmini oci's stdout (the guest's console)" % oci.READY_LINE)
    c.total = "until `kvmini oci run` exited (the VM ended; the container deleted)"
    c.cleanup = lambda tag: subprocess.run([binary, "--root", root, "delete", "--force", tag],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c.kernel = "own kernel: Linux guest"
    c.image = [("busybox rootfs", rootfs)]
    if linux_dir:
        c.image += [("vmlinux", os.path.join(linux_dir, "vmlinux")),
                    ("initramfs.cpio", os.path.join(linux_dir, "initramfs.cpio"))]
    c.guest_ram = GUEST_MEM
    c.slow = True
    c.host_program = o.kvmini
    c.wrap_skip = _reasons(c.skip, "the workloads run in the kvmini Linux guest row")
    return c


def user_contenders(specs, prepares):
    """Contenders from --contender NAME=COMMAND (hyperfine's idea of a
    command, run by /bin/sh -c). prepares: --prepare commands, either one
    for all of them or one per contender, in order (as hyperfine pairs them)."""
    out = []
    for i, (name, command) in enumerate(specs):
        c = Contender(name, "user", "user: %s" % command)
        c.argv = lambda tag, command=command: ["/bin/sh", "-c", command]
        c.ready = "ready = exit (a user command)"
        c.total = "until `sh -c COMMAND` exited"
        c.kernel = "host kernel, shared (a host command)"
        c.prepare = prepares[0] if len(prepares) == 1 else prepares[i] if prepares else None
        c.wrap_skip = "a user command is timed as a whole only"
        out.append(c)
    return out


def _floors(o, kvm, rootfs, busybox_skip):
    ns = Contender("namespace", "container", "namespaces + pivot_root (ns_floor)")
    ns.skip = _reasons(_need(o.ns_floor, "ns_floor"),
                       "needs root (CAP_SYS_ADMIN for new namespaces)" if os.geteuid() else None,
                       busybox_skip)
    ns.argv = lambda tag: [o.ns_floor, rootfs, "/init.sh"]
    ns.probe_argv = lambda tag: [o.ns_floor, rootfs, "/init.sh", "hold"]
    ns.hold_stdin = True
    ns.ready_line = oci.READY_LINE
    ns.ready = "the line %r, printed by /init.sh, was read from ns_floor's stdout" % \
        oci.READY_LINE
    ns.kernel = "host kernel, shared"
    ns.image = [("busybox rootfs", rootfs)]
    ns.host_program = o.ns_floor
    ns.wrap_skip = ns.skip
    ns.wrap = lambda tag, args, limits=None: [o.ns_floor, rootfs] + args

    proc = Contender("process", "floor", "fork/exec of /bin/true")
    proc.skip = None if os.path.exists("/bin/true") else "/bin/true not found"
    proc.argv = lambda tag: ["/bin/true"]
    proc.ready = "ready = exit: /bin/true prints nothing"
    proc.kernel = "host kernel, shared (no isolation)"
    proc.image = [("/bin/true", "/bin/true")]
    proc.image_note = "dynamically linked: the C library is the host's"
    proc.host_program = "/bin/true"
    # The same program and scratch directory, reached from the host: the
    # baseline of the steady-state ratios.
    proc.wrap_skip = busybox_skip
    proc.wrap = lambda tag, args, limits=None: [
        os.path.join(rootfs, a[1:]) if a == oci.WORK_BIN or a.startswith(oci.SCRATCH) else a
        for a in args]

    floor = Contender("kvm-floor", "floor", "KVM floor: VM to HLT (kvm_floor)")
    floor.skip = _reasons(_need(o.kvm_floor, "kvm_floor"), kvm)
    floor.argv = lambda tag: [o.kvm_floor]
    floor.ready = "ready = exit: the guest (5 bytes of real-mode code) halts at once"
    floor.kernel = "no guest kernel"
    floor.image = [("kvm_floor", o.kvm_floor)]
    floor.host_program = o.kvm_floor
    return [ns, proc, floor]


def build_contenders(o):
    """Every contender, in report order. o: the parsed options (paths,
    workdir); the busybox root file system is built in o.workdir if any
    container contender is selected."""
    kvm = kvm_problem()
    linux_dir, linux_skip = find_linux_dir(o.linux_dir)
    o.linux_dir_used = linux_dir
    busybox, busybox_skip = oci.find_busybox()
    rootfs = os.path.join(o.workdir, "rootfs")
    wants_rootfs = any(n in o.only for n in ROOTFS_USERS)
    if busybox and wants_rootfs:
        work = o.bench_work if os.path.exists(o.bench_work) else None
        rootfs = oci.make_rootfs(o.workdir, busybox, work)
    out = [_vm_tiny(o, kvm), _vm_linux(o, kvm, linux_dir, linux_skip, qemu=False),
           _vm_linux(o, kvm, linux_dir, linux_skip, qemu=True)]
    out += _containers(o, "runc", rootfs, busybox_skip)
    out += _containers(o, "crun", rootfs, busybox_skip)
    out.append(_podman(o, rootfs, busybox_skip))
    kvmini_oci = _kvmini_oci(o, kvm, linux_dir, linux_skip, rootfs, busybox_skip)
    out.append(kvmini_oci)
    out.append(_podman(o, rootfs, busybox_skip, kvmini_oci))
    out += _floors(o, kvm, rootfs, busybox_skip)
    assert [c.name for c in out] == NAMES
    # The host-side contenders run the workload program from the rootfs.
    work_skip = _need(o.bench_work, "bench_work")
    for c in out:
        if c.wrap and c.kind != "vm":
            c.wrap_skip = _reasons(c.wrap_skip, work_skip)
    return out + user_contenders(o.contender, o.prepare)
