#!/usr/bin/env bash
# A/B comparison of two smelt flag sets on the ../shared/bench corpus.
#
#   bench/ab.sh "--bounds-checks guard" "--bounds-checks explicit"
#   bench/ab.sh "" "--no-inline"
#
# Builds every corpus program with both flag sets, checks that both print
# the same output, then runs A and B alternately RUNS times (default 3) and
# keeps the fastest user+sys CPU time of each (CPU time is less disturbed
# than wall time on a shared machine). Prints one line per program and the
# geomean of B/A. Needs the corpus from ../shared/bench/build-corpus.sh
# (BENCH_CACHE, default /tmp/bench-cache) and a release build of smelt.
set -euo pipefail
A="${1-}"
B="${2-}"
RUNS="${RUNS:-3}"
# shellcheck source=bench/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

cpu_time() { # prints user+sys seconds of one run of $1
    /usr/bin/time -o "$WORK/time" -f '%U %S' "$1" >/dev/null 2>&1
    awk '{printf "%.3f", $1 + $2}' "$WORK/time"
}

printf '%-10s %10s %10s %8s\n' program "A s" "B s" "B/A"
ratios=()
for p in $PROGRAMS; do
    wasm="$CORPUS/wasm/$p.wasm"
    # shellcheck disable=SC2086 # flag sets are word lists
    "$SMELT" build $A "$wasm" -o "$WORK/$p.a"
    # shellcheck disable=SC2086
    "$SMELT" build $B "$wasm" -o "$WORK/$p.b"
    if ! cmp -s <("$WORK/$p.a") <("$WORK/$p.b"); then
        echo "$p: outputs differ between A and B" >&2
        exit 1
    fi
    best_a=""
    best_b=""
    for _ in $(seq "$RUNS"); do
        ta=$(cpu_time "$WORK/$p.a")
        tb=$(cpu_time "$WORK/$p.b")
        best_a=$(awk -v x="$ta" -v y="${best_a:-$ta}" 'BEGIN{print (x<y)?x:y}')
        best_b=$(awk -v x="$tb" -v y="${best_b:-$tb}" 'BEGIN{print (x<y)?x:y}')
    done
    r=$(awk -v a="$best_a" -v b="$best_b" 'BEGIN{printf "%.3f", b/a}')
    ratios+=("$r")
    printf '%-10s %10s %10s %8s\n' "$p" "$best_a" "$best_b" "${r}x"
done
printf '%s\n' "${ratios[@]}" | awk '{s += log($1); n++} END {printf "geomean B/A: %.3fx over %d programs\n", exp(s/n), n}'
