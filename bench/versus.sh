#!/usr/bin/env bash
# smelt against native and Wasmtime on the ../shared/bench corpus, with the
# engines interleaved: each round runs native, smelt and Wasmtime once per
# program, and each engine keeps its fastest user+sys CPU time. A noisy
# minute on a shared VM then hurts all three alike instead of one engine's
# block of runs, which is what a block-per-engine harness (hyperfine per
# engine) suffers from. Complements bench/compare.sh (the shared harness's
# wall-clock table), it does not replace it.
#
#   bench/versus.sh                    # all programs, RUNS=5 rounds
#   RUNS=3 PROGRAMS="zstd nbody" bench/versus.sh
#   SMELT_FLAGS="--cpu native" bench/versus.sh   # Wasmtime's .cwasm is host-tuned too
#
# Wasmtime is the PyPI package through the harness's runner with a
# precompiled .cwasm, as in the shared harness; its CPU time includes the
# Python start-up (~0.07 s here). Needs the corpus and venv from
# ../shared/bench (build-corpus.sh, setup.sh; BENCH_CACHE, default
# /tmp/bench-cache) and a release build of smelt.
set -euo pipefail
RUNS="${RUNS:-5}"
# shellcheck source=bench/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

cpu_time() { # prints user+sys seconds of one run of the command
    /usr/bin/time -o "$WORK/time" -f '%U %S' "$@" >/dev/null 2>&1
    awk '{printf "%.3f", $1 + $2}' "$WORK/time"
}
min() { awk -v x="$1" -v y="${2:-$1}" 'BEGIN{print (x<y)?x:y}'; }

printf '%-10s %9s %9s %9s %14s %14s\n' program native smelt wasmtime "smelt/native" "smelt/wasmtime"
vs_native=()
vs_wasmtime=()
wt_native=()
for p in $PROGRAMS; do
    wasm="$CORPUS/wasm/$p.wasm"
    native="$CORPUS/native/$p"
    # shellcheck disable=SC2086 # SMELT_FLAGS is a list of flags
    "$SMELT" build ${SMELT_FLAGS:-} "$wasm" -o "$WORK/$p"
    "$PY" "$RUNNER" --compile "$wasm" -o "$WORK/$p.cwasm" >/dev/null 2>&1
    # Same output from all three before timing anything.
    "$native" >"$WORK/out.native" 2>&1
    "$WORK/$p" >"$WORK/out.smelt" 2>&1
    "$PY" "$RUNNER" "$WORK/$p.cwasm" >"$WORK/out.wasmtime" 2>&1
    if ! cmp -s "$WORK/out.native" "$WORK/out.smelt" || ! cmp -s "$WORK/out.native" "$WORK/out.wasmtime"; then
        echo "$p: outputs differ between native, smelt and Wasmtime" >&2
        exit 1
    fi
    n="" s="" w=""
    for _ in $(seq "$RUNS"); do
        n=$(min "$(cpu_time "$native")" "$n")
        s=$(min "$(cpu_time "$WORK/$p")" "$s")
        w=$(min "$(cpu_time "$PY" "$RUNNER" "$WORK/$p.cwasm")" "$w")
    done
    sn=$(awk -v a="$n" -v b="$s" 'BEGIN{printf "%.3f", b/a}')
    sw=$(awk -v a="$w" -v b="$s" 'BEGIN{printf "%.3f", b/a}')
    wn=$(awk -v a="$n" -v b="$w" 'BEGIN{printf "%.3f", b/a}')
    vs_native+=("$sn")
    vs_wasmtime+=("$sw")
    wt_native+=("$wn")
    printf '%-10s %9s %9s %9s %13sx %13sx\n' "$p" "$n" "$s" "$w" "$sn" "$sw"
done
geomean() { printf '%s\n' "$@" | awk '{s += log($1); n++} END {printf "%.3f", exp(s/n)}'; }
echo "geomean: smelt/native $(geomean "${vs_native[@]}")x, wasmtime/native $(geomean "${wt_native[@]}")x, smelt/wasmtime $(geomean "${vs_wasmtime[@]}")x (best of $RUNS CPU times)"
