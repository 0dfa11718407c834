# Sourced by the bench scripts: where smelt, the shared harness and its
# corpus are. Every name can be set from the environment.
#   SMELT         smelt binary (default target/release/smelt)
#   SHARED_BENCH  the shared harness (default ../shared/bench next to the repo)
#   BENCH_CACHE   the harness's cache with corpus/ and venv/ (default /tmp/bench-cache)
#   PROGRAMS      corpus programs to run (default all eleven)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED_BENCH="${SHARED_BENCH:-$ROOT/../shared/bench}"
SMELT="${SMELT:-$ROOT/target/release/smelt}"
CACHE="${BENCH_CACHE:-/tmp/bench-cache}"
CORPUS="$CACHE/corpus"
PY="$CACHE/venv/bin/python"
RUNNER="$SHARED_BENCH/runners/wasmtime_run.py"
PROGRAMS="${PROGRAMS:-sqlite lua zstd bzip2 zlib matmul nbody fannkuch sieve sha256 hashmap}"
# Scratch space, removed on exit.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
