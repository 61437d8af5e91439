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
"""
