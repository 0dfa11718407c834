#!/usr/bin/env bash
# Interpreter micro-benchmarks against wasmi: each module of bench/interp/
# as a `smelt build --mode interp` executable and under `wasmi` (wasmi_cli
# 2.0.0, `WASMI=1 ../shared/bench/setup.sh`, or WASMI=/path/to/wasmi), CPU
# time, best of RUNS (default 3) alternating runs, and the ratio.
#
#   bench/interp.sh [NAME...]      default: every module in bench/interp/
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
smelt=${SMELT:-target/release/smelt}
wasmi=${WASMI:-${BENCH_CACHE:-/tmp/bench-cache}/wasmi/bin/wasmi}
[ -x "$smelt" ] || cargo build --release -p smelt
if [ ! -x "$wasmi" ]; then
    echo "error: no wasmi at $wasmi (WASMI=1 ../shared/bench/setup.sh, or set WASMI)" >&2
    exit 1
fi
command -v wat2wasm >/dev/null || { echo "error: wat2wasm (Debian wabt) is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd bench/interp && ls *.wat | sed 's/\.wat$//'))
cpu() { # command... -> user+sys seconds
    /usr/bin/time -o "$tmp/t" -f "%U %S" "$@" >/dev/null 2>&1
    awk '{print $1 + $2}' "$tmp/t"
}
printf '%-14s %10s %10s %8s\n' module smelt wasmi ratio
for n in "${names[@]}"; do
    wat2wasm "bench/interp/$n.wat" -o "$tmp/$n.wasm"
    "$smelt" build --mode interp "$tmp/$n.wasm" -o "$tmp/$n"
    a=999999 b=999999
    for _ in $(seq "$runs"); do
        a=$(awk -v x="$a" -v y="$(cpu "$tmp/$n")" 'BEGIN{print (y < x) ? y : x}')
        b=$(awk -v x="$b" -v y="$(cpu "$wasmi" "$tmp/$n.wasm")" 'BEGIN{print (y < x) ? y : x}')
    done
    awk -v n="$n" -v a="$a" -v b="$b" 'BEGIN{printf "%-14s %9.2fs %9.2fs %7.2fx\n", n, a, b, a / b}'
done
