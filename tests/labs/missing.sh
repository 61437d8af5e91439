#!/bin/sh
# SPDX-License-Identifier: MIT
#
# missing.sh: the check of a lab whose student file is not in the build.
# Usage: missing.sh LAB FILE PAGE
# Always fails (exit 1), saying what to write and where the lab is described.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
lib_name=$1
echo "$1: write $2 as $3 describes, then run this check again"
echo "$1: (with -Dlab_solutions=false the reference solution is left out on purpose)"
fail "$2 is missing from this build."
