//! Conversions: wrap, extend (including the sign-extension operators),
//! truncation (trapping and saturating), int-to-float, demote/promote,
//! reinterpret.
//!
//! `fcvt_to_sint`/`fcvt_to_uint` trap exactly as wasm's `trunc` does
//! (NaN: invalid conversion; out of range: integer overflow); the `_sat`
//! forms saturate and map NaN to 0, as `trunc_sat` does.

use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::FunctionBuilder;

/// `extendN_s` within one width: sign-extends the low `from` bits of `x`.
pub(crate) fn sign_extend_low(builder: &mut FunctionBuilder, x: Value, from: Type) -> Value {
    let ty = builder.func.dfg.value_type(x);
    let narrow = builder.ins().ireduce(from, x);
    builder.ins().sextend(ty, narrow)
}

pub(crate) fn wrap(builder: &mut FunctionBuilder, x: Value) -> Value {
    builder.ins().ireduce(types::I32, x)
}

/// `reinterpret`: bit-exact move between int and float registers.
pub(crate) fn reinterpret(builder: &mut FunctionBuilder, x: Value, to: Type) -> Value {
    builder.ins().bitcast(to, MemFlagsData::new(), x)
}
