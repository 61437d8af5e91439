#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_grade.py: the test of the labs' grader, scripts/grade.sh.

Scores made-up check results (Meson testlog.json files) with
`grade.sh --score` and checks the totals and the lines a student reads:
  1. every check passed: full marks;
  2. no /dev/kvm (this machine): the unit checks count, every KVM check is
     "skipped: ..." and its points "not graded here (no KVM)", never earned;
  3. a student's starting tree: every check is tests/labs/missing.sh's real
     output, 0 points, and the FAIL line says which file to write;
  4. some done, some not: a failed Check assertion, a timeout, a missing
     result (-Dguest=false), each scored as it should be.
Then checks that points.txt gives points to every lab check that
tests/labs/meson.build defines (a check without points would never count),
and, in a build that defines all of them (with the guest and Check), that
it names no check that does not exist.

Usage: test_grade.py GRADE.sh POINTS.txt MISSING.sh ALL-DEFINED(true|false) CHECK...
Exit status: 0 pass, 1 fail.
"""
import json
import os
import subprocess
import sys
import tempfile

failures = []


def check(ok, what):
    print("%s: %s" % ("PASS" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def points(path):
    rows = []
    for line in open(path):
        f = line.split("#", 1)[0].split()
        if f:
            rows.append((f[0], f[2], int(f[3])))
    return rows


def grade(grader, points_file, results, tmp):
    """Run the grader on results {check: (result, stdout)}: (status, output)."""
    log = os.path.join(tmp, "testlog.json")
    with open(log, "w") as f:
        for name, (result, out) in results.items():
            f.write(json.dumps({"name": "kvmini:lab+labs / " + name, "result": result,
                                "returncode": {"OK": 0, "SKIP": 77}.get(result, 1),
                                "stdout": out}) + "\n")
    p = subprocess.run(["sh", grader, "--score", log, points_file],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout)
    return p.returncode, p.stdout


def line_of(out, check_name):
    for line in out.splitlines():
        if line.split()[:1] == [check_name]:
            return line
    return ""


NO_KVM = "SKIP: /dev/kvm does not exist (no KVM on this machine)\n"


def main(argv):
    if len(argv) < 5:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 1
    grader, points_file, missing, all_defined, defined = argv[1], argv[2], argv[3], argv[4], argv[5:]
    table = points(points_file)
    full = sum(p for _, _, p in table)
    unit = [c for _, c, _ in table if c.endswith("-unit")]
    unit_points = sum(p for _, c, p in table if c in unit)
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(missing))))

    with tempfile.TemporaryDirectory(prefix="kvmini-grade-") as tmp:
        # 1. Everything passed.
        status, out = grade(grader, points_file, {c: ("OK", "ok\n") for _, c, _ in table}, tmp)
        check(status == 0 and "total %d/%d\n" % (full, full) in out, "all passed: full marks")
        check("not graded" not in out, "all passed: nothing left ungraded")

        # 2. No KVM: only the unit checks run.
        res = {c: ("OK", "") if c in unit else ("SKIP", "lab: checking\n" + NO_KVM)
               for _, c, _ in table}
        status, out = grade(grader, points_file, res, tmp)
        check(status == 0, "no KVM: a skip is not a failure")
        check("total %d/%d\n" % (unit_points, full) in out,
              "no KVM: only the unit checks' %d points are earned" % unit_points)
        check("%d points not graded here (no KVM)\n" % (full - unit_points) in out,
              "no KVM: the rest is 'not graded here (no KVM)'")
        check("skipped: /dev/kvm does not exist" in line_of(out, "lab1-hello"),
              "no KVM: a skipped check says why")

        # 3. A student's starting tree (-Dlab_solutions=false): missing.sh's
        # own output for each check; for lab 4, a file written after setup
        # (one that every tree has stands for it).
        res = {}
        for lab, c, _ in table:
            args = (["include/abi/kvmini_labs.h", "true"] if lab == "lab4"
                    else ["guest/labs/no_such_file.c", "false"])
            p = subprocess.run(["sh", missing, lab, args[0], "docs/labs/%s.md" % lab, src, "/b",
                                args[1]],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            res[c] = ("FAIL", p.stdout)
        status, out = grade(grader, points_file, res, tmp)
        check(status == 1 and "total 0/%d\n" % full in out, "student tree: 0 points, status 1")
        check("FAIL: write guest/labs/no_such_file.c as docs/labs/lab1.md describes"
              in line_of(out, "lab1-hello"), "student tree: the FAIL line says what to write")
        check("FAIL: run 'meson setup --reconfigure /b'" in line_of(out, "lab4-echo-unit"),
              "a file written after setup: the FAIL line says to reconfigure")

        # 4. Partly done.
        res = {c: ("OK", "") for _, c, _ in table}
        res["lab2-clock-unit"] = ("FAIL", "Running suite(s): lab_clock\n"
                                  "50%: Checks: 2, Failures: 1, Errors: 0\n"
                                  "test_lab_clock.c:40:F:clock:test_latch:0: LOW changed\n")
        res["lab3-paging"] = ("TIMEOUT", "lab3: run\n")
        res["lab4-echo-guest"] = ("FAIL", "PASS: found\nFAIL: UPPER negotiated: 'abc'\n"
                                  "SUMMARY: 2 tests, 1 failures\n"
                                  "run-guest: FAILED: 1 check(s) failed\n")
        del res["lab5-linux"]
        pts = dict((c, p) for _, c, p in table)
        want = full - sum(pts[c] for c in ("lab2-clock-unit", "lab3-paging", "lab4-echo-guest",
                                           "lab5-linux"))
        status, out = grade(grader, points_file, res, tmp)
        check(status == 1 and "total %d/%d\n" % (want, full) in out,
              "partly done: %d points" % want)
        check("test_lab_clock.c:40:F:clock:test_latch:0: LOW changed"
              in line_of(out, "lab2-clock-unit"), "a failed Check test shows its assertion")
        check("timed out" in line_of(out, "lab3-paging"), "a timeout is a failure")
        check("FAIL: UPPER negotiated: 'abc'" in line_of(out, "lab4-echo-guest"),
              "a failed guest check shows the guest's first FAIL line")
        check("%d points not graded here (skipped, see above)\n" % pts["lab5-linux"] in out,
              "a check this build lacks is not graded, and not for lack of KVM")

    names = [c for _, c, _ in table]
    unpointed = sorted(set(defined) - set(names))
    check(not unpointed, "every lab check has points in points.txt (missing: %s)"
          % ", ".join(unpointed))
    if all_defined == "true":
        stale = sorted(set(names) - set(defined))
        check(not stale, "points.txt names only checks that exist (stale: %s)" % ", ".join(stale))
    if failures:
        print("test_grade: FAILED: %d check(s)" % len(failures))
        return 1
    print("test_grade: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
