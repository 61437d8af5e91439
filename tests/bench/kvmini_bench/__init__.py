# SPDX-License-Identifier: MIT
"""kvmini-bench: VM boot against container start. Entry point: cli.main().

Modules, one idea each:
  cli         options, the schedule of runs, results.json
  contenders  what each contender runs and what "ready" means for it
  runner      one timed run: exec -> ready line -> exit
  memory      host memory of a run at its ready point
  oci         the busybox root file system and OCI bundles
  host        a description of this machine
  stats       percentiles and human-readable units
  report_md   results.md
  report_svg  results.svg
Shared with the tests: tests/kvmini_testlib.py (the /dev/kvm check and
`kvmini host-info`), put on the import path here.
"""
import os as _os
import sys as _sys

_TESTS = _os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.realpath(__file__))))
if _TESTS not in _sys.path:
    _sys.path.insert(0, _TESTS)
