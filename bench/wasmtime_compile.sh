#!/usr/bin/env bash
# Wasmtime's compile speed on the same corpus and machine, for comparison
# with `cargo run --release -p smelt-bench --bin compile`: per module, the
# time of `Module(engine, wasm).serialize()` with parallel compilation off
# and on (alternating, best of RUNS each; Wasmtime through the harness's
# Python API, which adds no compile work) and the 1-thread MB/s of code
# section.
#
#   bench/wasmtime_compile.sh          RUNS (3) and PROGRAMS as in env.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
RUNS="${RUNS:-3}"
"$PY" - "$CORPUS/wasm" "$RUNS" $PROGRAMS <<'PY'
import sys, time, wasmtime

def code_section_size(data):
    """Size of the code section (id 10), from the module's section headers."""
    pos = 8
    while pos < len(data):
        sid = data[pos]
        pos += 1
        size = shift = 0
        while True:
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        if sid == 10:
            return size
        pos += size
    return 0

corpus, runs, programs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print("| module | code KiB | 1 thread s | MB/s | all cores s | speed-up |")
print("|---|---|---|---|---|---|")
total_code = total_one = 0.0
for p in programs:
    data = open(f"{corpus}/{p}.wasm", "rb").read()
    best = {False: float("inf"), True: float("inf")}
    for _ in range(runs):
        for parallel in (False, True):
            config = wasmtime.Config()
            config.parallel_compilation = parallel
            engine = wasmtime.Engine(config)
            start = time.perf_counter()
            wasmtime.Module(engine, data).serialize()
            best[parallel] = min(best[parallel], time.perf_counter() - start)
    code = code_section_size(data)
    total_code += code
    total_one += best[False]
    print(f"| {p} | {code // 1024} | {best[False]:.3f} | {code / 1e6 / best[False]:.2f} "
          f"| {best[True]:.3f} | {best[False] / best[True]:.2f}x |")
print(f"\n1-thread throughput over all modules: {total_code / 1e6 / total_one:.2f} MB/s")
PY
