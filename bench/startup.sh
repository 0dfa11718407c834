#!/usr/bin/env bash
# Start-up time of a `smelt build` executable: exec -> first wasm
# instruction -> exit.
#
# 1. exec -> first instruction, exactly: the guest's first act is to read
#    the clock (see first_instruction.c); native C does the same in main.
# 2. exec -> exit (hyperfine) of a guest whose `_start` is `proc_exit(0)`.
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

# exec -> first instruction, precisely: each program's first act is to
# read the realtime clock and write it to stdout; a launcher compares it
# with the time it called posix_spawn.
cat > "$work/first.wat" <<'WAT'
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $now (i32.const 0) (i64.const 0) (i32.const 16)))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))))
WAT
"$SMELT" build "$work/first.wat" -o "$work/first_wasm"
cat > "$work/first_native.c" <<'C'
#include <stdint.h>
#include <time.h>
#include <unistd.h>
int main(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    int64_t ns = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
    write(1, &ns, 8);
    return 0;
}
C
cc -O2 "$work/first_native.c" -o "$work/first_native"
cc -O2 "$HERE/first_instruction.c" -o "$work/launcher"
echo "== exec -> first instruction =="
"$work/launcher" "$RUNS" "$work/first_native"
"$work/launcher" "$RUNS" "$work/first_wasm"
echo
echo "== exec -> exit =="
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
