#!/bin/bash
# SPDX-License-Identifier: MIT
#
# linux_boot.sh: boot the same Linux kernel and initramfs to /init with kvmini
# and with QEMU's microvm machine, side by side, and compare.
#
# Usage: tests/bench/linux_boot.sh [-n RUNS] [-k bzImage|vmlinux] [-b BUILD-DIR]
#                                  [--update-docs]
#   -n RUNS         rounds (default 3); each round boots both, in alternating
#                   order, so that slow phases of a shared host hit both
#   -k KERNEL       bzImage (Linux boot protocol, decompresses itself) or
#                   vmlinux (PVH entry, no decompression); default bzImage
#   -b BUILD-DIR    where kvmini was built (default: build)
#   --update-docs   also write the results into docs/benchmarks.md, section
#                   "Linux boot" for this kernel kind (other sections are kept)
# The guest comes from $KVMINI_LINUX_DIR, else from guest/linux/build.sh.
#
# How it measures: both monitors run the guest with the same kernel command
# line (kvmini's, which it prints with -v: console=ttyS0 plus this host's
# workarounds) ending in "-- echo <token>". The script timestamps console
# lines as they arrive on the monitor's stdout, from just before it starts
# the monitor process:
#   "Run /init"  the kernel's "Run /init as init process" line
#   "init echo"  the token line, printed by /init's command (after /init's
#                first processes: its marker write and `mount -a`)
#   "exit"       the monitor process has exited (kvmini: /init's test-device
#                write; QEMU: the reboot that follows, with -no-reboot)
# Both are measured the same way, through a pipe, so both pay the same cost
# for console output. kvmini's --boot-times adds its own view: when the /init
# marker (port 0x504) arrived, and how much of vCPU 0's wall time was spent
# outside KVM_RUN, i.e. in the monitor. One extra kvmini run with --trace
# counts the exits to user space (its timing is not used: printing every
# exit slows it down); exits/s divides that count by the median run time.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$lib_root"

runs=3
kind=bzImage
build=build
update_docs=0
while [ $# -gt 0 ]; do
	case "$1" in
	-n) runs=$2; shift 2 ;;
	-k) kind=$2; shift 2 ;;
	-b) build=$2; shift 2 ;;
	--update-docs) update_docs=1; shift ;;
	-h | --help) sed -n '4,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) fail "unknown argument '$1' (try --help)" ;;
	esac
done
case "$kind" in bzImage | vmlinux) ;; *) fail "-k takes bzImage or vmlinux" ;; esac

kvmini=$build/vmm/kvmini
qemu=$(command -v qemu-system-x86_64 || true)
[ -x "$kvmini" ] || fail "$kvmini not found (build first: ninja -C $build)"
[ -n "$qemu" ] || fail "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
lib_require_kvm
linux=${KVMINI_LINUX_DIR:-$(guest/linux/build.sh | tail -n 1)}
for f in "$kind" initramfs.cpio; do
	[ -s "$linux/$f" ] || fail "$linux/$f missing"
done

exec python3 - "$kvmini" "$qemu" "$linux" "$kind" "$runs" "$update_docs" <<'PY'
import json, os, re, statistics, subprocess, sys, tempfile, time

kvmini, qemu, linux, kind, runs, update_docs = sys.argv[1:7]
runs, update_docs = int(runs), update_docs == "1"
kernel = os.path.join(linux, kind)
initrd = os.path.join(linux, "initramfs.cpio")
token = "kvmini-bench-init-%d" % os.getpid()
TIMEOUT = 600

def host_kind():
    """The host as kvmini sees it (`kvmini host-info`, vmm/kvm/host_quirks.c)."""
    info = json.loads(subprocess.run([kvmini, "host-info"], capture_output=True, text=True,
                                     check=True).stdout)
    return "%s KVM host%s" % (info["host"], " (guest kernel mode emulated)"
                              if info["emulated_kernel_mode"] else "")

def run(argv, name):
    """Start argv; timestamp console lines; return a sample dict."""
    err = tempfile.TemporaryFile()
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
    s = {"name": name}
    deadline = t0 + TIMEOUT
    for raw in p.stdout:
        now = time.monotonic() - t0
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if "Run /init as init process" in line and "run_init" not in s:
            s["run_init"] = now
        if line.strip() == token and "init_echo" not in s:
            s["init_echo"] = now
        if time.monotonic() > deadline:
            p.kill()
    s["status"] = p.wait()
    s["exit"] = time.monotonic() - t0
    err.seek(0)
    s["stderr"] = err.read().decode("utf-8", "replace")
    return s

def kvmini_argv(cmdline, extra=()):
    return [kvmini, "run", "--kernel", kernel, "--initrd", initrd, "--mem", "128M",
            "--timeout", str(TIMEOUT), "--cmdline", cmdline, *extra]

def qemu_argv(full_cmdline):
    # The same machine shape: 1 vCPU, 128 MiB, a serial console, no devices.
    return [qemu, "-M", "microvm", "-enable-kvm", "-cpu", "host,-arch-capabilities",
            "-m", "128M", "-smp", "1", "-nodefaults", "-no-user-config", "-nographic",
            "-no-reboot", "-serial", "stdio", "-kernel", kernel, "-initrd", initrd,
            "-append", full_cmdline]

def mark(stderr, label):
    m = re.search(r"^kvmini: +([0-9.]+)  " + re.escape(label), stderr, re.M)
    return float(m.group(1)) / 1000 if m else None

user_cmdline = "-- echo " + token
full_cmdline = None
samples = {"kvmini": [], "qemu": []}
for r in range(runs):
    order = ["kvmini", "qemu"] if r % 2 == 0 else ["qemu", "kvmini"]
    for name in order:
        if name == "kvmini":
            s = run(kvmini_argv(user_cmdline, ["--boot-times", "-v"]), name)
            m = re.search(r"^kvmini: kernel command line: (.*)$", s["stderr"], re.M)
            if m:
                full_cmdline = m.group(1)
            s["marker"] = mark(s["stderr"], "Linux /init")
            s["outside"] = mark(s["stderr"], "monitor time outside KVM_RUN")
        else:
            if full_cmdline is None:  # kvmini runs first in round 0
                sys.exit("linux_boot: kvmini did not print its kernel command line")
            s = run(qemu_argv(full_cmdline), name)
        ok = "init_echo" in s
        samples[name].append(s)
        print("linux_boot: round %d/%d %-6s %s  Run /init %s  init echo %s  exit %.1f s (status %d)"
              % (r + 1, runs, name, "ok  " if ok else "FAIL",
                 "%.1f s" % s["run_init"] if "run_init" in s else "-",
                 "%.1f s" % s["init_echo"] if ok else "-", s["exit"], s["status"]),
              file=sys.stderr, flush=True)
        if not ok:
            sys.stderr.write(s["stderr"][-2000:])
            sys.exit("linux_boot: %s never printed the token line" % name)

print("linux_boot: one more kvmini run with --trace, to count exits", file=sys.stderr, flush=True)
with tempfile.TemporaryFile() as err:
    p = subprocess.run(kvmini_argv(user_cmdline, ["--trace"]), stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=err)
    err.seek(0)
    trace_err = err.read().decode("utf-8", "replace")
m = re.search(r"^kvmini: exits by reason: (.*) \(total ([0-9]+)\)$", trace_err, re.M)
exits_total = int(m.group(2)) if m else None
exits_by_reason = m.group(1) if m else "?"

def med(name, key):
    vals = [s[key] for s in samples[name] if s.get(key) is not None]
    return statistics.median(vals) if vals else None

k_exit, q_exit = med("kvmini", "exit"), med("qemu", "exit")
rows = [("kernel's `Run /init` line", "run_init"), ("/init's echo line", "init_echo"),
        ("monitor exited", "exit")]
load = os.getloadavg()
host = host_kind()
qver = subprocess.run([qemu, "--version"], capture_output=True, text=True).stdout.split("\n")[0]

out = []
out.append("### %s" % ("bzImage (Linux boot protocol, LZ4-compressed)" if kind == "bzImage"
                       else "vmlinux (PVH entry, no decompression)"))
out.append("")
out.append("`tests/bench/linux_boot.sh -n %d -k %s`, %s, on %s; %s; host load average "
           "%.2f when it finished." % (runs, kind, time.strftime("%Y-%m-%d"), host, qver, load[0]))
out.append("")
out.append("| milestone (s from monitor start, median of %d) | kvmini | QEMU microvm | "
           "kvmini / QEMU |" % runs)
out.append("|---|---:|---:|---:|")
for label, key in rows:
    k, q = med("kvmini", key), med("qemu", key)
    out.append("| %s | %.2f | %.2f | %.2f |" % (label, k, q, k / q if q else float("nan")))
out.append("")
marker, outside = med("kvmini", "marker"), med("kvmini", "outside")
out.append("kvmini's own view (`--boot-times`, medians): /init's marker write (port 0x504) at "
           "%.2f s; vCPU 0 spent %.3f s of its %.2f s outside `KVM_RUN` (exit handling, "
           "device models, setup and teardown: the monitor's share), %.2f%% of the run."
           % (marker, outside, k_exit, 100.0 * outside / k_exit))
if exits_total:
    out.append("Exits to user space in one boot (a separate `--trace` run): %d (%s), "
               "%.0f exits/s over the median run time." % (exits_total, exits_by_reason,
                                                            exits_total / k_exit))
out.append("")
out.append("Kernel command line: `%s`. Raw runs (Run /init / init echo / exit, s): " % full_cmdline
           + "; ".join("%s %.1f/%.1f/%.1f" % (s["name"], s.get("run_init", 0), s["init_echo"],
                                              s["exit"])
                       for pair in zip(samples["kvmini"], samples["qemu"]) for s in pair) + ".")
out.append("")
subsection = "\n".join(out) + "\n"
print(subsection)

INTRO = """## Linux boot

The minimal Linux guest (guest/linux/) booted to its /init by kvmini and by QEMU's microvm
machine, side by side (`tests/bench/linux_boot.sh`). Both get the same kernel, initramfs and
kernel command line (kvmini's, including this host's workarounds), 1 vCPU and 128 MiB, and both
are timed the same way: the script starts the monitor and timestamps console lines as they
arrive on its stdout. The guest's command is `echo <token>`: "/init's echo line" is when /init
has started and run its first processes. kvmini then exits through the test device; QEMU exits
on the guest's reboot (`-no-reboot`), which comes a little later, so the "monitor exited" row
slightly favours kvmini. QEMU needs `-cpu host,-arch-capabilities` on the PVM-native host.

On a host that emulates guest kernel mode (docs/architecture.md, "Host quirks"), nearly all
of the time is guest kernel code running in KVM's instruction emulator, whatever the monitor:
compare the monitor's own share (time outside `KVM_RUN`) rather than the totals. The bzImage
rows include the kernel's LZ4 decompressor, emulated too (and for QEMU its qboot firmware);
vmlinux (PVH) starts the decompressed kernel directly.

"""

if update_docs:
    path = "docs/benchmarks.md"
    text = open(path).read() if os.path.exists(path) else "# kvmini benchmarks\n\n"
    if "\n## Linux boot\n" not in "\n" + text:
        text = text.rstrip("\n") + "\n\n" + INTRO
    sec = ("\n" + text).index("\n## Linux boot\n")  # index in text (the added \n cancels)
    nxt = text.find("\n## ", sec + 1)
    sec_end = len(text) if nxt < 0 else nxt + 1
    body = text[sec:sec_end]
    head = out[0]
    i = body.find(head)
    if i < 0:
        body = body.rstrip("\n") + "\n\n" + subsection
    else:
        j = body.find("\n### ", i + len(head))
        k = body.find("\n## ", i + len(head))
        ends = [x for x in (j, k) if x >= 0]
        stop = min(ends) + 1 if ends else len(body)
        body = body[:i] + subsection + body[stop:].lstrip("\n")
    if nxt >= 0 and not body.endswith("\n\n"):
        body = body.rstrip("\n") + "\n\n"
    text = text[:sec] + body + text[sec_end:]
    open(path, "w").write(text)
    print("linux_boot: wrote '%s' in section 'Linux boot' of %s" % (head, path), file=sys.stderr)
PY
