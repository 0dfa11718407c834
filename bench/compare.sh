#!/usr/bin/env bash
# Run-time comparison on ../shared/bench: native, smelt, Wasmtime (and the
# other engines the harness knows) in ONE run, so the ratios share the
# machine's state. Writes the harness's results.md table; copy it into
# docs/performance.md with the date.
#
#   bench/compare.sh                      # everything (~15-30 min on 2 cores)
#   SMELT_FLAGS="--cpu native" bench/compare.sh   # like Wasmtime's host-tuned code
#   RUNS=1 PROGRAMS="nbody sqlite" bench/compare.sh
#   SMELT_FLAGS="--bounds-checks explicit" bench/compare.sh
#
# Environment: SHARED_BENCH (default ../shared/bench next to the repo),
# SMELT (default target/release/smelt), SMELT_FLAGS (extra build flags),
# ENGINES (default "native project wasmtime wasm2c"; the harness skips an
# engine that is not installed, e.g. wasm2c without Debian's wabt), and
# everything run.sh reads (RUNS, PROGRAMS, BENCH_CACHE, RESULTS_MD,
# WRITE_RESULTS).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED_BENCH="${SHARED_BENCH:-$ROOT/../shared/bench}"
SMELT="${SMELT:-$ROOT/target/release/smelt}"
if [ ! -x "$SMELT" ]; then
    (cd "$ROOT" && cargo build --release -p smelt)
fi
export PROJECT_BUILD="$SMELT build ${SMELT_FLAGS:-} {wasm} -o {out}"
export PROJECT_NAME="${PROJECT_NAME:-smelt}"
export ENGINES="${ENGINES:-native project wasmtime wasm2c}"
exec "$SHARED_BENCH/run.sh" "$@"
