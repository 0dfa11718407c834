#!/usr/bin/env bash
# A fixed-budget run of every fuzz target with fixed seeds, for CI: about
# 2 minutes in total. Any failure, crash or hang fails the script; the
# failing inputs are left in fuzz/artifacts/ and the replay command is
# printed. Budget per target in seconds: FUZZ_SECONDS (default 40).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-40}"
cargo build --release -p smelt-fuzz
bin=target/release/smelt-fuzz
status=0
for target in compile differential wast executors; do
    for seed in 1 2; do
        "$bin" "$target" --seed "$seed" --seconds "$((secs / 2))" --progress 3600 || status=1
    done
done
exit $status
