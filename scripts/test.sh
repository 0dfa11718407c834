#!/usr/bin/env bash
# Everything CI checks, in the order a developer wants to see failures:
# formatting, lints, the debt-marker rule, then all tests (spec suite,
# C linking, runtime API, CLI, examples) in release mode.
#
#   scripts/test.sh           everything (what .ci/run runs)
#   scripts/test.sh --quick   fmt, clippy, the source rules, every crate's
#                             unit tests and the wasm-v1 spec scripts: a
#                             minute or two on a warm build
#
# CONTRIBUTING.md "Test tiers" lists what each tier runs.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
case ${1:-} in
    "") ;;
    --quick) quick=1 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

cargo fmt --all --check
cargo clippy --workspace --all-targets --release -- -D warnings
# Debt markers are FIXME with a reason; TODO is banned (see CONTRIBUTING.md).
if git grep -n -I 'TODO' -- ':!scripts/test.sh' ':!CONTRIBUTING.md' ; then
    echo "error: TODO markers found; use FIXME with a reason" >&2
    exit 1
fi
# The translator reaches the vmctx and descriptor layout only through
# FuncEnv (func_env.rs), never through the runtime's ABI module directly.
if git grep -n 'smelt_runtime' -- compiler/src/translate/; then
    echo "error: compiler/src/translate/ names smelt_runtime; go through FuncEnv" >&2
    exit 1
fi

if [ $quick = 1 ]; then
    # Unit tests of every crate (no integration tests, no examples).
    cargo test --workspace --release --lib
    # The wasm-v1 spec scripts in every mode (guard, explicit bounds
    # checks, canonical NaNs): about 10 seconds once built.
    cargo test --release -p smelt-tests --test spec -- wasm-v1/
    exit 0
fi

cargo test --workspace --release
# The embedding tests again with every module interpreted: a host cannot
# tell the executors apart (tests/lib.rs `module_with`).
SMELT_TEST_MODE=interp cargo test --release -p smelt-tests --test runtime_api \
    --test exceptions --test trap_handlers --test typed_api --test wasi_api
# And interpreted with lazy translation (each function on first call).
SMELT_TEST_MODE=lazy cargo test --release -p smelt-tests --test runtime_api \
    --test exceptions --test trap_handlers --test typed_api --test wasi_api
# The runtime without demangling, as the --small runtime is built:
# backtraces keep the name section's names (docs/cross.md "Small
# executables").
cargo test -p smelt-runtime --lib --no-default-features --features runtime
# Every fuzz target for a short fixed budget with fixed seeds (~2 minutes).
scripts/fuzz-smoke.sh
# aarch64 under QEMU: smelt cross-built for aarch64 runs the spec suites
# wasm-v1 and wasm-v2, and the WASI C programs run as aarch64 executables,
# compiled and interpreted
# (~15 minutes, most of it the cross build). Needs the Debian packages
# .ci/run installs (docs/cross.md "Testing under QEMU"); SMELT_SKIP_CROSS=1
# skips.
if [ "${SMELT_SKIP_CROSS:-0}" = 1 ]; then
    echo "note: aarch64 QEMU tests skipped (SMELT_SKIP_CROSS=1)"
elif scripts/cross-test.sh --check aarch64; then
    scripts/cross-test.sh aarch64
else
    echo "note: aarch64 QEMU tests skipped: the cross toolchain above is not installed (docs/cross.md \"Testing under QEMU\")"
fi
