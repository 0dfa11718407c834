#!/usr/bin/env bash
# Start-up time of a `smelt build` executable: exec -> first wasm
# instruction -> exit.
#
# The guest, `_start: proc_exit(0)`, does nothing else, so the time from
# exec to process exit bounds exec -> first wasm instruction from above.
# Baselines: a native C program with an empty main (same cc, same libc)
# and a WASI C "hello" built with wasi-libc (its libc start-up included).
#
#   bench/startup.sh [SMELT]     (default: target/release/smelt)
# Needs hyperfine (falls back to a timed loop) and a C compiler;
# clang-14 + wasi-libc for the optional C hello.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SMELT="${1:-$HERE/../target/release/smelt}"
RUNS="${RUNS:-2000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/exit0.wat" <<'WAT'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 0))))
WAT
"$SMELT" build "$work/exit0.wat" -o "$work/exit0"
printf 'int main(void) { return 0; }\n' > "$work/native.c"
cc -O2 "$work/native.c" -o "$work/native"
cmds=("$work/native" "$work/exit0")
if command -v clang-14 >/dev/null && [ -e /usr/lib/wasm32-wasi/libc.a ]; then
    printf '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n' > "$work/hello.c"
    clang-14 --target=wasm32-wasi --sysroot=/usr -O2 "$work/hello.c" -o "$work/hello.wasm"
    "$SMELT" build "$work/hello.wasm" -o "$work/hello"
    cmds+=("$work/hello")
fi

if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 50 --runs "$RUNS" "${cmds[@]}"
else
    for c in "${cmds[@]}"; do
        start=$(date +%s%N)
        for _ in $(seq "$RUNS"); do "$c" >/dev/null; done
        end=$(date +%s%N)
        echo "$c: $(( (end - start) / RUNS / 1000 )) us per run (loop, $RUNS runs)"
    done
fi
