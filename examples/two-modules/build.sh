#!/bin/sh
# Builds the two-modules example into OUT_DIR (default: ./build):
#
#   ./build.sh && ./build/app
#
# SMELT and CC name the tools (default: smelt and cc from PATH).
set -eu
cd "$(dirname "$0")"
out=${1:-build}
smelt=${SMELT:-smelt}
mkdir -p "$out"
# Each module gets its object and header. app.o refers to numbers'
# export functions (smelt_w_numbers_square, ...), which numbers.o defines.
"$smelt" compile numbers.wat -o "$out/numbers.o" --header "$out/numbers.h"
"$smelt" compile app.wat -o "$out/app.o" --header "$out/app.h"
# shellcheck disable=SC2046 # the flags are meant to split into words
${CC:-cc} -std=c11 -Wall -Wextra -I"$out" main.c "$out/numbers.o" "$out/app.o" \
    $("$smelt" config --cflags --libs) -o "$out/app"
