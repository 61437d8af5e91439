#!/bin/sh
# SPDX-License-Identifier: MIT
#
# grade.sh: grade the coursework labs (docs/labs/), one score per lab and a
# total, like xv6's `make grade`.
#
# Usage: scripts/grade.sh [BUILD_DIR]      (default: build)
#        scripts/grade.sh --score TESTLOG.json POINTS.txt
#
# The first form sets up BUILD_DIR if it is not a build yet, reconfigures it
# if a lab folder changed since (a student's new file is only built after
# that: Meson lists sources at setup time), builds it, runs every lab check
# (`meson test --suite labs`) and scores them. The second form only scores
# the results of a run already made (Meson's meson-logs/testlog.json): the
# grader's own test (tests/labs/test_grade.sh) uses it.
#
# Scoring: the points of each check come from tests/labs/points.txt. A check
# that passed earns its points; one that failed earns none and shows the one
# line that says what to do (its own FAILED/FAIL line); one that was skipped
# (exit 77: no /dev/kvm, no Linux guest built) is neither: its points are
# "not graded here", never counted as earned.
#
# Exit status: 0 if no check failed (skips allowed), 1 if one did, 2 on a
# usage, build or test-run error.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)

score() { # testlog.json points.txt build-dir-or-empty
	python3 - "$@" <<'PY'
import json, re, sys

log, points_file, build = sys.argv[1:4]

# points.txt: "lab lab-name check points" lines, '#' comments.
table = []
for line in open(points_file):
    f = line.split("#", 1)[0].split()
    if f:
        table.append((f[0], f[1], f[2], int(f[3])))

results = {}
for line in open(log):
    if line.strip():
        r = json.loads(line)
        # "kvmini:lab2+labs / lab2-clock-unit": project, suites, test name.
        results[r["name"].rsplit(" / ", 1)[-1]] = r


def first(pattern, text):
    for line in text.splitlines():
        m = re.search(pattern, line)
        if m:
            return next(g for g in m.groups() if g is not None).strip()
    return None


def output(r):
    return (r.get("stdout") or "") + (r.get("stderr") or "")


def why_failed(r):
    """The one line that tells the student what to do."""
    out = output(r)
    if r["result"] == "TIMEOUT":
        return "timed out: the check did not finish in its time (a hang, or a loop?)"
    # The first failure line, in the order printed: a shell check's
    # (tests/lib.sh fail/check_fail), a guest program's or lab6.py's (FAIL:),
    # or a Check unit test's (file:line:F:...). A guest's own FAIL: line
    # comes before run-guest.sh's summary "FAILED: N check(s) failed".
    line = first(r"FAILED: (.*)|^FAIL: (.*)|^(\S+:\d+:[FE]:.*)", out)
    if line:
        return line
    lines = [l for l in out.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "failed with status %s" % r.get("returncode")


labs = []  # (lab, name), in table order
for lab, name, _, _ in table:
    if (lab, name) not in labs:
        labs.append((lab, name))

earned = total = ungraded = 0
failed_labs = []
skip_reasons = []
for lab, name in labs:
    rows = []
    got = possible = lab_ungraded = 0
    for check_lab, _, check, pts in table:
        if check_lab != lab:
            continue
        possible += pts
        r = results.get(check)
        if r is None:
            state, text = "-/%d" % pts, "not run: this build has no such check (-Dguest=false?)"
            lab_ungraded += pts
            skip_reasons.append("not in this build")
        elif r["result"] == "OK":
            state, text = "%d/%d" % (pts, pts), "ok"
            got += pts
        elif r["result"] == "SKIP":
            reason = first(r"SKIP: (.*)", output(r)) or "skipped (exit 77)"
            state, text = "-/%d" % pts, "skipped: " + reason
            lab_ungraded += pts
            skip_reasons.append(reason)
        else:
            state, text = "0/%d" % pts, "FAIL: " + why_failed(r)
            if lab not in failed_labs:
                failed_labs.append(lab)
        rows.append("    %-18s %6s  %s" % (check, state, text))
    note = "  (%d not graded here)" % lab_ungraded if lab_ungraded else ""
    print("%-4s %-18s %3d/%d%s" % (lab, name, got, possible, note))
    print("\n".join(rows))
    earned += got
    total += possible
    ungraded += lab_ungraded

print("total %d/%d" % (earned, total))
if ungraded:
    no_kvm = all("kvm" in r.lower() for r in skip_reasons)
    print("%d points not graded here (%s)" % (ungraded, "no KVM" if no_kvm else "skipped, see above"))
if failed_labs and build:
    print("a failed check's whole output: meson test -C %s --suite %s -v"
          % (build, failed_labs[0]))
sys.exit(1 if failed_labs else 0)
PY
}

if [ "${1:-}" = "--score" ]; then
	[ $# -eq 3 ] || {
		echo "usage: grade.sh --score TESTLOG.json POINTS.txt" >&2
		exit 2
	}
	score "$2" "$3" ""
	exit $?
fi
[ $# -le 1 ] || {
	echo "usage: grade.sh [BUILD_DIR]" >&2
	exit 2
}
# BUILD_DIR is relative to where the student is; the default is build/ at the
# top of the tree.
case ${1:-} in
"") build=$root/build ;;
/*) build=$1 ;;
*) build=$PWD/$1 ;;
esac

cd "$root" || exit 2
if [ ! -f "$build/build.ninja" ]; then
	echo "grade: meson setup $build"
	meson setup "$build" >/dev/null || exit 2
# A new or deleted lab file changes its folder: reconfigure, so that Meson
# lists the labs' sources again (tests/labs/meson.build, fs.exists()).
elif [ -n "$(find guest/labs devices/labs tests/labs -maxdepth 0 -newer "$build/build.ninja")" ]; then
	echo "grade: a lab folder changed since $build was set up: meson setup --reconfigure $build"
	meson setup --reconfigure "$build" >/dev/null || exit 2
fi
echo "grade: ninja -C $build"
ninja -C "$build" >/dev/null || {
	echo "grade: the build failed: run 'ninja -C $build' to see why" >&2
	exit 2
}
echo "grade: meson test -C $build --suite labs"
log=$build/meson-logs/testlog.json
rm -f "$log" # never score an earlier run's results
# Meson exits non-zero when a check fails: that is what the score is for.
meson test -C "$build" --no-rebuild --suite labs >/dev/null 2>&1
[ -f "$log" ] || {
	echo "grade: meson test wrote no $log" >&2
	exit 2
}
echo
score "$log" tests/labs/points.txt "$build"
