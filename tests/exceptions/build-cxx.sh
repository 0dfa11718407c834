#!/bin/sh
# Rebuilds eh.wasm (committed, so the tests need no toolchain) from eh.cpp
# with clang's legacy wasm exception handling:
#   apt-get install -y clang-14 lld-14
set -eu
cd "$(dirname "$0")"
flags="--target=wasm32 -fwasm-exceptions -O1 -nostdlib"
clang-14 $flags -c eh.cpp -o /tmp/smelt-eh.o
clang-14 $flags -c cxxrt.c -o /tmp/smelt-cxxrt.o
wasm-ld-14 --no-entry --export=run --export=cleanup_count --export=uncaught \
  /tmp/smelt-eh.o /tmp/smelt-cxxrt.o -o eh.wasm
