# SPDX-License-Identifier: MIT
"""Host memory of a running contender, measured at its ready point.

Method (also stated in every report): when the ready line appears, the bench
stops every process of the run with SIGSTOP (so nothing exits or grows while
it reads), reads /proc/PID/smaps of each, and resumes them with SIGCONT.

  rss_kb        sum of the Rss of every process of the run (the contender's
                own process and all its descendants). Pages shared between
                them (a shared library, busybox's text) count once per
                process, so this is an upper bound; pss_kb shares them out.
  hwm_kb        the largest VmHWM (peak RSS since execve) among them.
  guest_ram_kb  for a VM: the Rss of the monitor's guest-RAM mapping (the
                one anonymous mapping of exactly the guest's memory size),
                i.e. guest memory the guest has touched so far. The rest of
                the monitor's Rss is the monitor's own overhead.

The kernel's own memory for a contender (KVM's page tables and vCPU state,
namespaces, cgroups, page cache) is not in any Rss and is not counted.
"""
import os
import signal

# A guest-RAM mapping may be this much larger than the guest's RAM size
# (a monitor may add guard pages or round up to its alignment).
GUEST_RAM_SLACK = 4 << 20


def _children(pid):
    """Child PIDs of pid, from /proc/PID/task/*/children (fast), or None if
    the kernel lacks that file (CONFIG_PROC_CHILDREN)."""
    out = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return []
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            if not os.path.exists("/proc/%d/task/%s" % (pid, tid)):
                continue  # the thread exited
            return None
        except OSError:
            continue
    return out


def _children_by_scan():
    """{ppid: [pid...]} from every /proc/PID/stat (slow, always works)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Fields after the command name, which is in parentheses and may
        # itself hold spaces or parentheses: state, ppid, ...
        fields = stat[stat.rindex(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def children(pid):
    """Child PIDs of pid."""
    kids = _children(pid)
    return kids if kids is not None else _children_by_scan().get(pid, [])


def process_tree(root):
    """root and all its descendants, root first."""
    tree, todo = [], [root]
    while todo:
        pid = todo.pop(0)
        tree.append(pid)
        todo.extend(sorted(children(pid)))
    return tree


def _read_smaps(pid, guest_ram_bytes):
    """(name, rss_kb, pss_kb, guest_ram_kb or None) of one process."""
    with open("/proc/%d/comm" % pid) as f:
        name = f.read().strip()
    rss = pss = 0
    guest = None
    is_guest_ram = False
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            first = line.split(None, 1)[0]
            if "-" in first and not first.endswith(":"):
                # A mapping's header line: "start-end perms offset dev inode [path]".
                start, end = (int(x, 16) for x in first.split("-"))
                mapping_kb = (end - start) >> 10
                is_guest_ram = (guest_ram_bytes is not None
                                and guest_ram_bytes >> 10 <= mapping_kb
                                <= (guest_ram_bytes + GUEST_RAM_SLACK) >> 10)
                continue
            if first == "Rss:":
                kb = int(line.split()[1])
                rss += kb
                if is_guest_ram:
                    guest = max(guest or 0, kb)
            elif first == "Pss:":
                pss += int(line.split()[1])
    return name, rss, pss, guest


def _peak_kb(pid):
    """VmHWM: the process's peak RSS since its last execve()."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def probe_memory(root, guest_ram_bytes=None):
    """Pause the run rooted at root, measure it, resume it.

    Returns a dict: processes [[name, rss_kb]...], rss_kb, pss_kb,
    guest_ram_kb (None unless guest_ram_bytes was given and a mapping of
    that size was found) and monitor_rss_kb (rss_kb - guest_ram_kb).
    """
    # Stop the root at once (it may be seconds from exiting, or a
    # millisecond), then its descendants, each before looking for its children.
    stopped, todo = [], [root]
    while todo:
        pid = todo.pop(0)
        try:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        except ProcessLookupError:
            continue
        todo += children(pid)
    procs, rss, pss, guest, hwm = [], 0, 0, None, 0
    try:
        # Include children started between the snapshot and the SIGSTOP.
        for pid in process_tree(root):
            try:
                name, p_rss, p_pss, p_guest = _read_smaps(pid, guest_ram_bytes)
            except (OSError, ValueError):
                continue  # exited meanwhile
            procs.append([name, p_rss])
            hwm = max(hwm, _peak_kb(pid))
            rss += p_rss
            pss += p_pss
            if p_guest is not None:
                guest = (guest or 0) + p_guest
    finally:
        for pid in reversed(stopped):
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    return {
        "method": "SIGSTOP at the ready line, sum of /proc/PID/smaps over the process tree",
        "hwm_kb": hwm,
        "processes": procs,
        "rss_kb": rss,
        "pss_kb": pss,
        "guest_ram_kb": guest,
        "monitor_rss_kb": rss - guest if guest is not None else None,
    }
