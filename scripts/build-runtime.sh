#!/usr/bin/env bash
# Builds smelt's runtime staticlib (runtime-support, profile `runtime-lib`,
# features `runtime,demangle`, as embedded in smelt) for a Linux target,
# so that `smelt build --target <triple>` can link executables for it.
#
#   scripts/build-runtime.sh <triple> [--install] [--out DIR] [--small] [--features F]
#
# Output: target/smelt-runtime/<triple>/{libsmelt_runtime.a,include/smelt.h}
# (or DIR/<triple>/ with --out), which an in-tree smelt
# (target/{release,debug}/smelt) finds by itself. --install also copies it
# to ${XDG_CACHE_HOME:-~/.cache}/smelt/runtime/<triple>/, which any smelt
# finds; `$SMELT_RUNTIME_DIR/<triple>/` and `smelt build --runtime-lib DIR`
# are the other ways (see `smelt targets`).
#
# The compiler is Debian's rustc (`RUSTC`, default /usr/bin/rustc from the
# `rustc-web` package), because rustup cannot download other targets' std
# here. Two ways to get the target's standard library:
#
#   - Debian ships it: `libstd-rust-web-dev:<arch>` (arm64 on bookworm;
#     must be the same version as rustc-web). Used when present.
#   - Otherwise it is built from source with `-Zbuild-std` (std sources
#     from the `rust-web-src` package, std's dependencies from crates.io;
#     RUSTC_BOOTSTRAP=1 unlocks the unstable flag on the stable compiler).
#     Bookworm has no riscv64 packages and only an older s390x std than
#     rustc-web, so riscv64 and s390x take this path. The first build takes
#     about 10 minutes.
#
# --small builds a runtime for the smallest executables, for any target
# including the host: std is always built from source, with
# `-Cpanic=immediate-abort`, so std's panic printing and its DWARF
# backtrace symbolizer (gimli, addr2line, miniz, demangling: ~200 KB of
# code) are left out. Traps and their wasm backtraces work the same (the
# runtime symbolizes them from the module descriptor, not from DWARF); a
# bug in the runtime that panics aborts without a message. It also leaves
# out demangling (feature `demangle`: Rust and C++ names in trap
# backtraces, about 240 KB, nearly all of it the C++ demangler), so
# backtraces show the name section's names raw; `--features
# demangle-rust` puts the Rust half back (about 30 KB), `--features
# demangle` both (docs/cross.md "Small executables" has the numbers).
# Output goes to target/smelt-runtime/small/<triple>/ (DIR/small/<triple>/
# with --out); use it with `smelt build --runtime-lib <that dir>`. See
# bench/size.sh.
#
# --features F adds smelt-runtime features (comma-separated) to the build.
#
# Debian packages (as root):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install rustc-web cargo-web rust-web-src libstd-rust-web-dev:arm64 \
#       gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu gcc-s390x-linux-gnu qemu-user
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    echo "usage: $0 <triple> [--install | --small] [--out DIR] [--features F]" >&2
    echo "  e.g. $0 aarch64-unknown-linux-gnu" >&2
    exit 2
}
[ $# -ge 1 ] || usage
triple=$1
shift
install=0
small=0
extra_features=
out_root=target/smelt-runtime
while [ $# -gt 0 ]; do
    case $1 in
        --install) install=1 ;;
        --out) out_root=${2:?}; shift ;;
        --small) small=1 ;;
        --features) extra_features=${2:?}; shift ;;
        *) usage ;;
    esac
    shift
done

export RUSTC=${RUSTC:-/usr/bin/rustc}
if ! [ -x "$RUSTC" ]; then
    echo "error: $RUSTC not found: apt-get install rustc-web (or set RUSTC)" >&2
    exit 1
fi
if ! "$RUSTC" --print target-list | grep -qx "$triple"; then
    echo "error: $RUSTC does not know the target $triple" >&2
    exit 1
fi

# The cross linker is not needed for a staticlib, but keep cargo's view of
# the target consistent with `smelt build`'s.
arch=${triple%%-*}
case $arch in
    riscv64*) gcc_prefix=riscv64-linux-gnu ;;
    *) gcc_prefix=$arch-linux-gnu ;;
esac
upper=$(echo "$triple" | tr 'a-z-' 'A-Z_')
if command -v "$gcc_prefix-gcc" >/dev/null; then
    export "CARGO_TARGET_${upper}_LINKER=$gcc_prefix-gcc"
fi

libdir=$("$RUSTC" --print target-libdir --target "$triple")
# --small is opt-in per build (--runtime-lib), never the installed default.
[ $install = 1 ] && [ $small = 1 ] && usage
build_dir=target/smelt-runtime/build
features=runtime,demangle
if [ $small = 1 ]; then
    # Its own target dir: the flags differ for every crate, std included.
    build_dir=target/smelt-runtime/build-small
    export RUSTFLAGS="${RUSTFLAGS:-} -Zunstable-options -Cpanic=immediate-abort"
    features=runtime
fi
[ -n "$extra_features" ] && features=$features,$extra_features
args=(build -p smelt-runtime --lib --target "$triple" --profile runtime-lib
      --no-default-features --features "$features" --target-dir "$build_dir")
if [ $small = 0 ] && ls "$libdir"/libstd-*.rlib >/dev/null 2>&1; then
    echo "building the runtime for $triple with $RUSTC and the packaged std" >&2
    cargo=${CARGO:-cargo}
else
    src="$("$RUSTC" --print sysroot)/lib/rustlib/src/rust/library"
    if ! [ -d "$src/std" ]; then
        echo "error: no standard library for $triple in $libdir, and no std sources to build one" >&2
        echo "       apt-get install rust-web-src (or libstd-rust-web-dev:<arch> where Debian has it)" >&2
        exit 1
    fi
    echo "building the runtime for $triple with $RUSTC and std built from $src" >&2
    export RUSTC_BOOTSTRAP=1
    args+=(-Zbuild-std=std,panic_abort)
    # Debian's cargo matches Debian's rustc and its std sources' lockfile.
    cargo=${CARGO:-$( [ -x /usr/bin/cargo ] && echo /usr/bin/cargo || echo cargo )}
fi
"$cargo" "${args[@]}"

dest=$out_root/$triple
if [ $small = 1 ]; then
    dest=$out_root/small/$triple
fi
mkdir -p "$dest/include"
# Without debug info and std's embedded LLVM bitcode (as cli/build.rs does
# for the host's runtime): a quarter of the size, faster links, same code.
objcopy=$gcc_prefix-objcopy
[ "$arch" = "$(uname -m)" ] && ! command -v "$objcopy" >/dev/null && objcopy=objcopy
if ! "$objcopy" --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd \
        "$build_dir/$triple/runtime-lib/libsmelt_runtime.a" "$dest/libsmelt_runtime.a" 2>/dev/null; then
    echo "note: $objcopy could not strip the library; copying it as built" >&2
    cp "$build_dir/$triple/runtime-lib/libsmelt_runtime.a" "$dest/"
fi
cp runtime-support/include/smelt.h "$dest/include/"
echo "$dest/libsmelt_runtime.a"
if [ $install = 1 ]; then
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/smelt/runtime/$triple
    mkdir -p "$cache/include"
    cp "$dest/libsmelt_runtime.a" "$cache/"
    cp "$dest/include/smelt.h" "$cache/include/"
    echo "$cache/libsmelt_runtime.a"
fi
