#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""net_bench.py: guest<->host TCP throughput and request/response latency of
the minimal Linux guest over --net tap and --net user (libslirp), next to the
host's own loopback, side by side in one run (issue 12; docs/benchmarks.md).

Usage (as root: it makes a network namespace and a TAP device):
    tests/bench/net_bench.py [--vmm build/vmm/kvmini] [--linux DIR]
                             [--mib 16] [--rounds 200] [--runs 3] [--json F]

Every row runs the same busybox commands against the same three servers of
this script, which listen on every address of a private network namespace
and time everything on the host side:
  - guest -> host: `dd if=/dev/zero bs=64k count=N | nc HOST 5001`; the sink
    times the connection from accept to EOF;
  - host -> guest: `nc HOST 5002 </dev/null >/dev/null`; the source sends N
    MiB, closes its side, and times accept to the guest's close;
  - request/response: `nc HOST 5003 -e cat`; the server sends one byte and
    waits for its echo, --rounds times (TCP_NODELAY), and reports the median
    and 90th percentile of the round trips.
The rows: "host loopback" runs the commands on the host with busybox against
127.0.0.1; "tap" and "user" boot the guest with that --net backend, reaching
the host as 192.168.77.1 (a TAP device made here) and as 10.0.2.2 (slirp's
gateway, the host's 127.0.0.1). Each row repeats the three --runs times and
keeps each figure's median. Ratios to the loopback are the point: this
machine is shared and noisy, so compare inside one run.

--vmm tests/qemu-vmm.sh boots the guest under QEMU's emulation instead (its
own libslirp and TAP): a check of this script where /dev/kvm is missing, not
a figure for kvmini. Exit status: 0, 1 on a failure, 77 when a requirement
(root, namespaces, /dev/net/tun, busybox, KVM) is missing.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PORTS = {"sink": 5001, "source": 5002, "echo": 5003}
TAP_HOST, TAP_GUEST = "192.168.77.1", "192.168.77.2"
CHUNK = 65536


def skip(why):
    print("net_bench: SKIP: " + why)
    sys.exit(77)


def die(why):
    print("net_bench: FAILED: " + why)
    sys.exit(1)


class Servers:
    """The three servers; each connection's result goes to self.results[kind]."""

    def __init__(self, mib, rounds):
        self.mib, self.rounds = mib, rounds
        self.results = {kind: [] for kind in PORTS}
        self.errors = []
        for kind, port in PORTS.items():
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", port))
            s.listen(4)
            threading.Thread(target=self.serve, args=(kind, s), daemon=True).start()

    def clear(self):
        self.results = {kind: [] for kind in PORTS}

    def serve(self, kind, listener):
        while True:
            conn, _ = listener.accept()
            start = time.monotonic()
            conn.settimeout(600)
            try:
                self.results[kind].append(getattr(self, kind)(conn, start))
            except (OSError, ValueError) as e:
                self.errors.append("%s: %s" % (kind, e))
            finally:
                conn.close()

    def sink(self, conn, start):
        total = 0
        while True:
            chunk = conn.recv(CHUNK)
            if not chunk:
                break
            total += len(chunk)
        if total != self.mib << 20:
            raise ValueError("received %d bytes, want %d" % (total, self.mib << 20))
        return total / (time.monotonic() - start) / 1e6

    def source(self, conn, start):
        block = bytes(CHUNK)
        for _ in range((self.mib << 20) // CHUNK):
            conn.sendall(block)
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(CHUNK):  # the guest's nc ends at our EOF, then closes
            pass
        return (self.mib << 20) / (time.monotonic() - start) / 1e6

    def echo(self, conn, _start):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        times = []
        for _ in range(self.rounds):
            t = time.monotonic_ns()
            conn.sendall(b"x")
            if conn.recv(1) != b"x":
                raise ValueError("the echo did not come back")
            times.append((time.monotonic_ns() - t) / 1000)
        times.sort()
        return (statistics.median(times), times[int(len(times) * 0.9)])


def commands(host, mib, runs, bb=""):
    """The shell loop a row runs: the same busybox applets on the host (bb
    "busybox ") and in the guest (bb "": its applets are on PATH)."""
    return (
        "for i in $(seq %d); do %sdd if=/dev/zero bs=64k count=%d 2>/dev/null | %snc %s %d; "
        "%snc %s %d </dev/null >/dev/null; %snc %s %d -e cat; done; echo NET-BENCH-DONE"
        % (runs, bb, mib * 16, bb, host, PORTS["sink"], bb, host, PORTS["source"], bb, host,
           PORTS["echo"])
    )


def summarize(name, servers, runs, seconds):
    r = servers.results
    if servers.errors or any(len(r[k]) != runs for k in PORTS):
        die("%s: %s (results %s)" % (name, "; ".join(servers.errors) or "missing runs",
                                     {k: len(v) for k, v in r.items()}))
    return {
        "row": name,
        "guest_to_host_MBps": statistics.median(r["sink"]),
        "host_to_guest_MBps": statistics.median(r["source"]),
        "rr_median_us": statistics.median(x[0] for x in r["echo"]),
        "rr_p90_us": statistics.median(x[1] for x in r["echo"]),
        "seconds": seconds,
    }


def boot(args, net, cmdline, log):
    cmd = [args.vmm, "run", "--timeout", str(args.timeout), "--mem", "256M",
           "--kernel", os.path.join(args.linux, "vmlinux"),
           "--initrd", os.path.join(args.linux, "initramfs.cpio"),
           "--net", net, "--cmdline", cmdline]
    print("net_bench: " + " ".join(cmd), flush=True)
    with open(log, "w") as out:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out,
                              stderr=subprocess.STDOUT).returncode


def guest_row(args, servers, name, net, ip_param, host, tmp):
    servers.clear()
    start = time.monotonic()
    cmdline = 'console=ttyS0 %s-- "%s"' % (ip_param, commands(host, args.mib, args.runs))
    log = os.path.join(tmp, name + ".log")
    status = boot(args, net, cmdline, log)
    with open(log, errors="replace") as f:
        output = f.read()
    if status != 0 or "NET-BENCH-DONE" not in output:
        sys.stdout.write(output[-3000:])
        die("%s: the guest ended with status %d before it was done" % (name, status))
    time.sleep(0.2)  # the last server thread records its result
    return summarize(name, servers, args.runs, time.monotonic() - start)


def host_row(args, servers):
    servers.clear()
    start = time.monotonic()
    loop = commands("127.0.0.1", args.mib, args.runs, bb="busybox ")
    subprocess.run(["sh", "-c", loop], stdout=subprocess.DEVNULL, check=True)
    time.sleep(0.2)
    return summarize("host loopback", servers, args.runs, time.monotonic() - start)


def print_table(rows):
    base = rows[0]

    def cell(r, key):
        if r is base:
            return "%.1f" % r[key]
        return "%.1f (%.2f)" % (r[key], r[key] / base[key])

    print("\n| path | guest -> host MB/s | host -> guest MB/s | request/response median (p90) us |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print("| %s | %s | %s | %.0f (%.0f) |" % (r["row"], cell(r, "guest_to_host_MBps"),
                                                   cell(r, "host_to_guest_MBps"),
                                                   r["rr_median_us"], r["rr_p90_us"]))
    print("(in parentheses after a throughput: its fraction of the loopback's)")


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vmm", default=os.path.join(root, "build", "vmm", "kvmini"))
    p.add_argument("--linux", default=os.environ.get("KVMINI_LINUX_DIR"))
    p.add_argument("--mib", type=int, default=16, help="MiB per transfer (default 16)")
    p.add_argument("--rounds", type=int, default=200, help="request/response rounds")
    p.add_argument("--runs", type=int, default=3, help="repetitions per row (median)")
    p.add_argument("--timeout", type=int, default=900, help="seconds per guest boot")
    p.add_argument("--json", help="write the rows as JSON to this file")
    args = p.parse_args()
    if min(args.mib, args.rounds, args.runs) < 1:
        die("--mib, --rounds and --runs must be at least 1")

    if os.environ.get("NET_BENCH_INNER") != "1":
        if os.geteuid() != 0:
            skip("needs root (a network namespace and a TAP device)")
        for tool in ("unshare", "ip", "busybox"):
            if not shutil.which(tool):
                skip("needs %s" % tool)
        if not os.path.exists("/dev/net/tun"):
            skip("no /dev/net/tun")
        if os.path.basename(args.vmm) == "qemu-vmm.sh":
            if not shutil.which("qemu-system-x86_64"):
                skip("no qemu-system-x86_64 (apt-get install qemu-system-x86)")
        else:
            if not os.access(args.vmm, os.X_OK):
                die("%s is not an executable (build first, or give --vmm)" % args.vmm)
            if not os.path.exists("/dev/kvm"):
                skip("/dev/kvm does not exist (no KVM on this machine)")
        if not args.linux:
            args.linux = subprocess.run([os.path.join(root, "guest/linux/build.sh")],
                                        stdout=subprocess.PIPE, text=True,
                                        check=True).stdout.split()[-1]
        env = dict(os.environ, NET_BENCH_INNER="1", KVMINI_LINUX_DIR=args.linux)
        os.execvpe("unshare", ["unshare", "-n", "-m", sys.executable,
                               os.path.abspath(__file__)] + sys.argv[1:], env)

    # Inside the namespace: lo, the TAP device, the servers.
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for cmd in (["ip", "tuntap", "add", "dev", "kvbench0", "mode", "tap"],
                ["ip", "addr", "add", TAP_HOST + "/24", "dev", "kvbench0"],
                ["ip", "link", "set", "kvbench0", "up"]):
        subprocess.run(cmd, check=True)
    servers = Servers(args.mib, args.rounds)
    rows = [host_row(args, servers)]
    with tempfile.TemporaryDirectory(prefix="net_bench.") as tmp:
        tap_ip = "ip=%s::%s:255.255.255.0::eth0:off " % (TAP_GUEST, TAP_HOST)
        rows.append(guest_row(args, servers, "tap", "tap,ifname=kvbench0", tap_ip, TAP_HOST, tmp))
        rows.append(guest_row(args, servers, "user (slirp)", "user", "", "10.0.2.2", tmp))
    vmm = "QEMU emulation (tests/qemu-vmm.sh)" if args.vmm.endswith("qemu-vmm.sh") else "kvmini"
    print("\nnet_bench: %s, %d MiB per transfer, %d request/response rounds, median of %d"
          % (vmm, args.mib, args.rounds, args.runs))
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"vmm": vmm, "mib": args.mib, "rounds": args.rounds, "runs": args.runs,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
