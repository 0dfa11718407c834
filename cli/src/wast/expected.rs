//! The one list of spec commands expected to fail, each with its reason.
//!
//! An entry is only for a command whose expectation a later version of the
//! spec changed (see the notes on the testsuite); never to hide a bug.

/// `(script path suffix, line, reason)`.
pub(crate) const EXPECTED_FAILURES: &[(&str, usize, &str)] = &[];

/// The reason `file:line` is expected to fail, if it is on the list.
pub(crate) fn expected_failure(file: &str, line: usize) -> Option<&'static str> {
    EXPECTED_FAILURES
        .iter()
        .find(|(suffix, l, _)| *l == line && file.ends_with(suffix))
        .map(|(_, _, reason)| *reason)
}
