#!/bin/sh
# SPDX-License-Identifier: MIT
#
# missing.sh: the check of a lab whose student file is not in the build.
# Usage: missing.sh LAB FILE PAGE SOURCE-ROOT BUILD-DIR LAB-SOLUTIONS
#   FILE is relative to SOURCE-ROOT; LAB-SOLUTIONS is the build's
#   -Dlab_solutions ("true" or "false").
# Always fails (exit 1). Its FAILED line says what to do next, which
# scripts/grade.sh shows as it is:
#   - the file does not exist: write it, as PAGE describes;
#   - it exists, but the build was set up before it did (Meson lists sources
#     only at setup time): reconfigure the build;
#   - it exists, but -Dlab_solutions=false leaves lab files out of the build.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
lib_name=$1
file=$2
page=$3
src=$4
build=$5
solutions=$6

if [ ! -e "$src/$file" ]; then
	echo "$lib_name: $file does not exist (with -Dlab_solutions=false the reference" \
		"solution is left out on purpose)"
	fail "write $file as $page describes, then run this check again"
elif [ "$solutions" = false ]; then
	echo "$lib_name: $file exists, but this build was set up with -Dlab_solutions=false," \
		"which leaves every lab file out"
	fail "run 'meson configure $build -Dlab_solutions=true', then this check again"
else
	echo "$lib_name: $file exists, but this build was set up before it did:" \
		"Meson lists the source files when it sets up the build"
	fail "run 'meson setup --reconfigure $build' (or scripts/grade.sh $build), then this check again"
fi
