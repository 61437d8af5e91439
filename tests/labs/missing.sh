#!/bin/sh
# SPDX-License-Identifier: MIT
#
# missing.sh: the check of a lab whose student file is not in the build.
# Usage: missing.sh LAB FILE PAGE SOURCE-ROOT BUILD-DIR LAB-SOLUTIONS
#   FILE is relative to SOURCE-ROOT; LAB-SOLUTIONS is the build's
#   -Dlab_solutions ("true" or "false").
# Always fails (exit 1). Its FAILED line says what to do next, which
# scripts/grade.sh shows as it is:
#   - the file does not exist, or -Dlab_solutions=false leaves it out (a
#     student's starting tree): write it, as PAGE describes;
#   - it exists, but the build was set up before it did (Meson lists sources
#     only at setup time): reconfigure the build.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
lib_name=$1
file=$2
page=$3
src=$4
build=$5
solutions=$6

if [ "$solutions" = false ]; then
	# A student's starting tree, as the option means it, even where the
	# reference file is there.
	echo "$lib_name: this build was set up with -Dlab_solutions=false, which leaves" \
		"every lab file out (a student's starting tree), even one you wrote"
	fail "write $file as $page describes, then run this check again" \
		"(in a build with -Dlab_solutions=true)"
elif [ ! -e "$src/$file" ]; then
	echo "$lib_name: $file does not exist yet"
	fail "write $file as $page describes, then run this check again"
else
	echo "$lib_name: $file exists, but this build was set up before it did:" \
		"Meson lists the source files when it sets up the build"
	fail "run 'meson setup --reconfigure $build' (or scripts/grade.sh $build)," \
		"then this check again"
fi
