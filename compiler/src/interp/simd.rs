//! SIMD and relaxed SIMD operators (`0xfd` prefix) for the interpreter.

use super::Translator;
use wasmparser::Operator;

/// Translates `op` if it is a SIMD operator the interpreter implements.
pub(super) fn translate(t: &mut Translator<'_, '_>, op: &Operator<'_>, offset: u32) -> bool {
    let _ = (t, op, offset);
    false
}
