#!/bin/sh
# SPDX-License-Identifier: MIT
#
# missing.sh: the check of a lab whose student file is not in the build.
# Usage: missing.sh LAB FILE PAGE
# Always fails (exit 1), saying what to write and where the lab is described.
echo "$1: FAILED: $2 is missing from this build."
echo "$1: write it as $3 describes, then run this check again"
echo "$1: (with -Dlab_solutions=false the reference solution is left out on purpose)"
exit 1
