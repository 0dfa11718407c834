#!/usr/bin/env bash
# Instructions executed by smelt's and Wasmtime's compiled code for the
# ../shared/bench programs, counted by valgrind (callgrind, event Ir).
# Unlike wall or CPU time, the count does not move with the machine's
# load, so on a shared VM it separates "the code differs" from "the
# neighbours were busy". It is not a time: two sequences with the same
# count can still differ in cycles (cache misses, dependency chains).
#
#   bench/instructions.sh                             # all programs
#   PROGRAMS="nbody zstd" SMELT_FLAGS="--cpu native" bench/instructions.sh
#
# Columns: instructions in compiled wasm code (smelt: the `wasm[...]`
# functions; Wasmtime: code outside any mapped file, i.e. its loaded
# .cwasm plus its small trampolines), their ratio, and the process totals
# (Wasmtime's includes the Python interpreter and the module load).
# Wasmtime's .cwasm comes from the shared harness's cache (compiled there
# by the PyPI wasmtime for this host, so tuned for this CPU: compare with
# SMELT_FLAGS="--cpu native"). About 50x the programs' run time.
set -euo pipefail
# shellcheck source=bench/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
command -v valgrind >/dev/null || { echo "error: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
[ -x "$PY" ] || { echo "error: no venv at $CACHE/venv (run $SHARED_BENCH/setup.sh)" >&2; exit 1; }

# Sum of Ir over the functions of a callgrind profile whose line matches $2.
sum_ir() {
    callgrind_annotate --threshold=100 "$1" 2>/dev/null | grep -E "$2" |
        awk '{ gsub(",", "", $1); s += $1 } END { printf "%.0f", s }'
}
total_ir() {
    callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
}

echo "smelt flags: ${SMELT_FLAGS:-(none)}"
echo
echo "| program | smelt wasm code | wasmtime wasm code | smelt/wasmtime | smelt total | wasmtime total |"
echo "|---|---|---|---|---|---|"
for p in $PROGRAMS; do
    wasm="$CORPUS/wasm/$p.wasm"
    cwasm="$CACHE/engines/wasmtime/$p.cwasm"
    if [ ! -f "$cwasm" ]; then
        cwasm="$WORK/$p.cwasm"
        "$PY" "$RUNNER" --compile "$wasm" -o "$cwasm" >/dev/null 2>&1
    fi
    # shellcheck disable=SC2086 # SMELT_FLAGS is a list of flags
    "$SMELT" build ${SMELT_FLAGS:-} "$wasm" -o "$WORK/$p"
    (cd "$WORK" && valgrind --tool=callgrind --callgrind-out-file="$WORK/$p.smelt.cg" \
        "./$p" >/dev/null 2>&1)
    (cd "$WORK" && valgrind --tool=callgrind --callgrind-out-file="$WORK/$p.wt.cg" \
        "$PY" "$RUNNER" "$cwasm" >/dev/null 2>&1)
    s=$(sum_ir "$WORK/$p.smelt.cg" ':wasm\[')
    w=$(sum_ir "$WORK/$p.wt.cg" '\[\?\?\?\]$')
    st=$(total_ir "$WORK/$p.smelt.cg")
    wt=$(total_ir "$WORK/$p.wt.cg")
    ratio=$(awk -v a="$s" -v b="$w" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
    echo "| $p | $s | $w | $ratio | $st | $wt |"
done
