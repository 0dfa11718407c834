#!/usr/bin/env bash
# Rebuilds the WASI test programs (src/*.c -> *.wasm) with Debian's
# toolchain: apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32
# The .wasm files are committed, so the tests run without this toolchain.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
CC="${CC:-clang-14}"
for src in src/*.c; do
    name="$(basename "$src" .c)"
    # -Wl,--strip-debug drops DWARF but keeps the name section, which the
    # trap test's backtrace needs.
    "$CC" --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-debug "$src" -o "$name.wasm"
    echo "built $name.wasm"
done
