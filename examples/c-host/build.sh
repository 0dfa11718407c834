#!/bin/sh
# Builds the C host example into OUT_DIR (default: ./build):
#
#   ./build.sh && ./build/app
#
# SMELT and CC name the tools (default: smelt and cc from PATH).
set -eu
cd "$(dirname "$0")"
out=${1:-build}
smelt=${SMELT:-smelt}
mkdir -p "$out"
# The object, plus calc.h: the typed C API of the module.
"$smelt" compile calc.wat -o "$out/calc.o" --header "$out/calc.h"
# shellcheck disable=SC2046 # the flags are meant to split into words
${CC:-cc} -std=c11 -Wall -Wextra -I"$out" main.c "$out/calc.o" \
    $("$smelt" config --cflags --libs) -o "$out/app"
