//! The one list of spec commands expected to fail, each with its reason.
//!
//! An entry is only for a command whose expectation a later version of the
//! spec changed (see the notes on the testsuite); never to hide a bug.

const MVP_INSTANTIATION: &str = "asserts Wasm 1.0 all-or-nothing instantiation; since Wasm 2.0 \
     segments are written in order and the first that does not fit traps, leaving earlier ones \
     written (the wasm-v1 scripts of this testsuite expect the 2.0 behaviour)";
const BR_TABLE_RULE: &str = "tests a br_table typing rule that a later version of the spec \
     dropped (wasm-v2 removed this test)";
const GC_TYPES: &str = "uses GC array types (Wasm 3.0 GC proposal), which smelt does not implement";

/// `(script path suffix, line, reason)`.
pub(crate) const EXPECTED_FAILURES: &[(&str, usize, &str)] = &[
    (
        "proposals/mutable-global/linking.wast",
        236,
        MVP_INSTANTIATION,
    ),
    (
        "proposals/mutable-global/linking.wast",
        248,
        MVP_INSTANTIATION,
    ),
    (
        "proposals/mutable-global/linking.wast",
        342,
        MVP_INSTANTIATION,
    ),
    (
        "proposals/mutable-global/linking.wast",
        354,
        MVP_INSTANTIATION,
    ),
    (
        "proposals/reference-types/unreached-invalid.wast",
        539,
        BR_TABLE_RULE,
    ),
    ("proposals/bulk-memory/table_init.wast", 2272, GC_TYPES),
    ("proposals/bulk-memory/table_init.wast", 2286, GC_TYPES),
];

/// The reason `file:line` is expected to fail, if it is on the list.
pub(crate) fn expected_failure(file: &str, line: usize) -> Option<&'static str> {
    EXPECTED_FAILURES
        .iter()
        .find(|(suffix, l, _)| *l == line && file.ends_with(suffix))
        .map(|(_, _, reason)| *reason)
}
