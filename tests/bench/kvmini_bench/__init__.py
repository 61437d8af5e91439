# SPDX-License-Identifier: MIT
"""kvmini-bench: VMs against containers, every row of the classic table.
Entry point: cli.main().

Modules, one idea each:
  cli         the schedule of runs and phases, results.json
  options     the command line
  contenders  what each contender runs, what "ready" means for it, and how to
              run a given command inside one instance of it
  runner      one timed run: exec -> ready line -> exit
  memory      host memory of a run at its ready point
  oci         the busybox root file system and OCI bundles
  steady      steady-state workloads, as ratios to the host
  density     N instances started at once
  isolation   host interface, noisy neighbour, panic
  images      bytes on disk for the same application
  host        a description of this machine
  stats       percentiles and human-readable units
  progress    the progress line: fixed total, ETA
  export      hyperfine-compatible JSON, Markdown, CSV
  report_md, report_classic, report_extras   results.md
  report_svg, report_density_svg             results.svg, density.svg
Shared with the tests: tests/kvmini_testlib.py (the /dev/kvm check and
`kvmini host-info`), put on the import path here.
"""
import os as _os
import sys as _sys

_TESTS = _os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.realpath(__file__))))
if _TESTS not in _sys.path:
    _sys.path.insert(0, _TESTS)
