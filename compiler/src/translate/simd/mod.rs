//! Fixed-width SIMD: every `v128` instruction of the SIMD proposal (part
//! of Wasm 2.0), lowered to Cranelift vector types.
//!
//! Wasm has one 128-bit type; CLIF distinguishes `I8X16`, `I16X8`,
//! `I32X4`, `I64X2`, `F32X4` and `F64X2`. smelt keeps every `v128` that
//! lives on the value stack, in a local or global, in a block parameter or
//! crosses a call in the canonical type `I8X16` (what
//! [`crate::types::clif_type`] returns for `v128`). An operator bitcasts its
//! operands to the lane type it works on and its result back to `I8X16`;
//! so no other part of the translator (control flow, locals, calls,
//! `select`) ever sees a non-canonical vector. The casts cost nothing:
//! Cranelift lowers a vector-to-vector `bitcast` to no instruction (the
//! value stays in its register), and the backend's patterns look through
//! one cast where it matters (`bitselect` of a cast `fcmp` mask).
//!
//! Several lowerings below keep the exact instruction shape Cranelift's
//! x64 backend pattern-matches (`iadd_pairwise` of the two halves of one
//! widened vector, `snarrow` of a saturating conversion with a zero
//! `vconst`, `bitselect` of a cast `fcmp` for `pmin`/`pmax`): some of those
//! instructions have no general lowering on x86-64-v2, only the matched
//! one. Keep the shapes when changing them.
//!
//! Memory accesses go through [`crate::bounds::prepare_addr`] like the scalar ones, with
//! the access size of the bytes actually touched (16 for a full vector,
//! 8 for `load8x8_s`, the lane size for lane and splat accesses).

mod arith;
mod lanes;
mod memory;

pub(crate) use arith::{q15mulr_sat, trunc_sat_f32x4, trunc_sat_f64x2_zero};
pub(crate) use lanes::bitselect;

use super::stack::Stacks;
use crate::func_env::FuncEnv;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value, types::I8X16};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

// ---- canonical form --------------------------------------------------------

/// Reinterprets vector `v` as `ty` (a no-op when it already has that type).
/// Lanes are numbered little-endian, as wasm numbers them, so the cast
/// means the same on every target.
pub(crate) fn cast(builder: &mut FunctionBuilder, v: Value, ty: Type) -> Value {
    if builder.func.dfg.value_type(v) == ty {
        v
    } else {
        let flags = MemFlagsData::new().with_endianness(Endianness::Little);
        builder.ins().bitcast(ty, flags, v)
    }
}

/// Pops a `v128` and views it as `ty`.
pub(crate) fn pop_as(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type) -> Value {
    let v = stacks.pop();
    cast(builder, v, ty)
}

/// Pushes a vector result in canonical (`I8X16`) form.
pub(crate) fn push(builder: &mut FunctionBuilder, stacks: &mut Stacks, v: Value) {
    let v = cast(builder, v, I8X16);
    stacks.push(v);
}

/// An all-zero vector of type `ty`.
fn zeros(builder: &mut FunctionBuilder, ty: Type) -> Value {
    let c = builder.func.dfg.constants.insert(vec![0u8; 16].into());
    builder.ins().vconst(ty, c)
}

/// One `v128` operand viewed as `ty`, one `v128` result.
pub(crate) fn unary(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    ty: Type,
    f: impl FnOnce(&mut FunctionBuilder, Value) -> Value,
) {
    let x = pop_as(builder, stacks, ty);
    let r = f(builder, x);
    push(builder, stacks, r);
}

/// Two `v128` operands viewed as `ty`, one `v128` result.
pub(crate) fn binary(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    ty: Type,
    f: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value,
) {
    let y = pop_as(builder, stacks, ty);
    let x = pop_as(builder, stacks, ty);
    let r = f(builder, x, y);
    push(builder, stacks, r);
}

/// Three `v128` operands viewed as `ty`, one `v128` result.
pub(crate) fn ternary(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    ty: Type,
    f: impl FnOnce(&mut FunctionBuilder, Value, Value, Value) -> Value,
) {
    let z = pop_as(builder, stacks, ty);
    let y = pop_as(builder, stacks, ty);
    let x = pop_as(builder, stacks, ty);
    let r = f(builder, x, y, z);
    push(builder, stacks, r);
}

// ---- dispatch ----------------------------------------------------------------

/// Translates `op` if it is a fixed-width SIMD operator; returns whether
/// it was.
pub(super) fn translate_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    op: &Operator<'_>,
) -> bool {
    memory::translate_operator(builder, stacks, env, op)
        || lanes::translate_operator(builder, stacks, op)
        || arith::translate_operator(builder, stacks, op)
}
