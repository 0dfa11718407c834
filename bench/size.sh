#!/usr/bin/env bash
# Size of a stripped `smelt build` executable whose module is an empty
# `_start`: what the runtime and the C library cost on their own.
#
#   bench/size.sh [SMELT [LABEL=RUNTIME_DIR ...]]   (default: target/release/smelt)
#
# Four builds: the default runtime (embedded in smelt, with demangling)
# and the --small runtime (scripts/build-runtime.sh <host triple> --small:
# std built from source without its panic printer and DWARF symbolizer,
# no demangling), each linked statically (the default) and with
# --dynamic. The --small rows need that runtime built first; they are
# skipped (with a note) when it is missing. Each LABEL=RUNTIME_DIR adds two
# rows for another libsmelt_runtime.a (`smelt build --runtime-lib`), e.g.
# one built with other features (docs/cross.md "Small executables").
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/.."
SMELT="${1:-$ROOT/target/release/smelt}"
shift || true
host=$(rustc -vV | sed -n 's/^host: //p')
small="$ROOT/target/smelt-runtime/small/$host"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

printf '(module (func (export "_start")))\n' > "$work/empty.wat"

row() { # label, then smelt build flags
    local label=$1
    shift
    "$SMELT" build "$@" "$work/empty.wat" -o "$work/exe"
    "$work/exe" # must run and exit 0
    strip -o "$work/exe.stripped" "$work/exe"
    printf '%-28s %9d bytes stripped (%d unstripped)\n' "$label" \
        "$(stat -c %s "$work/exe.stripped")" "$(stat -c %s "$work/exe")"
}

row "default runtime, static"
row "default runtime, --dynamic" --dynamic
if [ -f "$small/libsmelt_runtime.a" ]; then
    row "--small runtime, static" --runtime-lib "$small"
    row "--small runtime, --dynamic" --runtime-lib "$small" --dynamic
else
    echo "(no $small: scripts/build-runtime.sh $host --small for the --small rows)"
fi
for extra in "$@"; do
    row "${extra%%=*}, static" --runtime-lib "${extra#*=}"
    row "${extra%%=*}, --dynamic" --runtime-lib "${extra#*=}" --dynamic
done
