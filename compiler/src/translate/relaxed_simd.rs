//! Relaxed SIMD, with one deterministic result per instruction.
//!
//! The proposal lets each relaxed instruction return any of a small set of
//! results, so hardware can use its fastest instruction. smelt picks one
//! member of each set and uses it on **every target and every CPU level**
//! (x86-64-v2, `--cpu x86-64-v3`, `native`, aarch64…): an object behaves
//! the same wherever it runs, and recompiling for another CPU never
//! changes a result. The price is that none of the choices exploits
//! target-specific shortcuts (`pshufb`'s index wrapping, `vfmadd`,
//! `blendv`, `pmaddubsw`, `pmulhrsw`, `cvttps2dq`). Each choice is the
//! result of the corresponding deterministic instruction where one exists:
//!
//! | instruction                              | smelt's result                                       |
//! |------------------------------------------|------------------------------------------------------|
//! | `i8x16.relaxed_swizzle`                  | `i8x16.swizzle`: an index ≥ 16 selects 0             |
//! | `i32x4.relaxed_trunc_f32x4_{s,u}`        | `i32x4.trunc_sat_f32x4_{s,u}`: NaN → 0, saturating   |
//! | `i32x4.relaxed_trunc_f64x2_{s,u}_zero`   | `i32x4.trunc_sat_f64x2_{s,u}_zero`                   |
//! | `f32x4.relaxed_madd`, `f64x2.relaxed_madd`   | **unfused** `a * b + c`: two roundings           |
//! | `f32x4.relaxed_nmadd`, `f64x2.relaxed_nmadd` | **unfused** `-(a * b) + c`: two roundings        |
//! | `{i8x16,i16x8,i32x4,i64x2}.relaxed_laneselect` | `v128.bitselect`: every mask bit selects       |
//! | `{f32x4,f64x2}.relaxed_{min,max}`        | `{f32x4,f64x2}.{min,max}`: NaN propagates, -0 < +0   |
//! | `i16x8.relaxed_q15mulr_s`                | `i16x8.q15mulr_sat_s`: -1.0 × -1.0 saturates to 0x7fff |
//! | `i16x8.relaxed_dot_i8x16_i7x16_s`        | both operands signed, i16 sums wrap                  |
//! | `i32x4.relaxed_dot_i8x16_i7x16_add_s`    | that i16x8 dot, adjacent lanes summed in i32, + `c`  |
//!
//! Why unfused multiply-add: x86-64-v2 (the default CPU level) has no FMA
//! unit, and Cranelift would lower a fused `fma` to four libm calls per
//! vector. Unfused is exactly wasm's `mul` then `add` everywhere, costs one
//! extra instruction on FMA hardware, and needs no runtime symbols.
//!
//! The dot products treat the second operand as signed i8 as well. When it
//! really is i7 (top bit clear, the case the proposal defines), every
//! allowed interpretation agrees. When its top bit is set, each i16 result
//! is the "signed × signed" member of the allowed set,
//! `a[2i]*b[2i] + a[2i+1]*b[2i+1]` with a wrapping i16 addition; the only
//! inputs that wrap (both pairs `-128 * -128`) give -32768, which is also
//! the saturated "signed × unsigned" answer.

use super::simd::{self, binary, pop_as, push, ternary};
use super::stack::Stacks;
use cranelift_codegen::ir::types;
use cranelift_codegen::ir::{
    InstBuilder, Type, Value,
    types::{I8X16, I16X8, I32X4},
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

/// `i8x16.relaxed_swizzle`: as `i8x16.swizzle`.
pub(crate) fn swizzle(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    binary(builder, stacks, I8X16, |b, x, y| b.ins().swizzle(x, y));
}

/// `i32x4.relaxed_trunc_f32x4_{s,u}`: as `i32x4.trunc_sat_f32x4_{s,u}`.
pub(crate) fn trunc_f32x4(builder: &mut FunctionBuilder, stacks: &mut Stacks, signed: bool) {
    simd::trunc_sat_f32x4(builder, stacks, signed);
}

/// `i32x4.relaxed_trunc_f64x2_{s,u}_zero`: as the `trunc_sat` form.
pub(crate) fn trunc_f64x2_zero(builder: &mut FunctionBuilder, stacks: &mut Stacks, signed: bool) {
    simd::trunc_sat_f64x2_zero(builder, stacks, signed);
}

/// `relaxed_madd` (`negate = false`) and `relaxed_nmadd` (`negate =
/// true`) on `ty` lanes: unfused, each step rounded.
pub(crate) fn madd(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type, negate: bool) {
    ternary(builder, stacks, ty, |b, x, y, z| {
        // Negating an operand is exact, so `(-x) * y` is `-(x * y)`.
        let x = if negate { b.ins().fneg(x) } else { x };
        let product = b.ins().fmul(x, y);
        b.ins().fadd(product, z)
    });
}

/// `relaxed_laneselect` (any shape): as `v128.bitselect`.
pub(crate) fn laneselect(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    simd::bitselect(builder, stacks);
}

/// `relaxed_min` on `ty` lanes: as `min`.
pub(crate) fn min(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type) {
    binary(builder, stacks, ty, |b, x, y| b.ins().fmin(x, y));
}

/// `relaxed_max` on `ty` lanes: as `max`.
pub(crate) fn max(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type) {
    binary(builder, stacks, ty, |b, x, y| b.ins().fmax(x, y));
}

/// `i16x8.relaxed_q15mulr_s`: as `i16x8.q15mulr_sat_s`.
pub(crate) fn q15mulr(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    simd::q15mulr_sat(builder, stacks);
}

/// Signed i8 × signed i8 pairwise dot product into i16 lanes (wrapping).
fn dot_i8x16(builder: &mut FunctionBuilder, x: Value, y: Value) -> Value {
    let xl = builder.ins().swiden_low(x);
    let yl = builder.ins().swiden_low(y);
    let low = builder.ins().imul(xl, yl);
    let xh = builder.ins().swiden_high(x);
    let yh = builder.ins().swiden_high(y);
    let high = builder.ins().imul(xh, yh);
    builder.ins().iadd_pairwise(low, high)
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`.
pub(crate) fn dot_i8x16_i7x16(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    binary(builder, stacks, I8X16, dot_i8x16);
}

/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the i16x8 dot product, adjacent
/// i16 lanes sign-extended and summed into i32 lanes, plus `c`.
pub(crate) fn dot_i8x16_i7x16_add(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let c = pop_as(builder, stacks, I32X4);
    let y = pop_as(builder, stacks, I8X16);
    let x = pop_as(builder, stacks, I8X16);
    let dot16 = dot_i8x16(builder, x, y);
    debug_assert_eq!(builder.func.dfg.value_type(dot16), I16X8);
    let low = builder.ins().swiden_low(dot16);
    let high = builder.ins().swiden_high(dot16);
    let dot32 = builder.ins().iadd_pairwise(low, high);
    let r = builder.ins().iadd(dot32, c);
    push(builder, stacks, r);
}

/// Translates `op` if it is a relaxed SIMD operator; returns whether it was.
pub(super) fn translate_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    op: &Operator<'_>,
) -> bool {
    match op {
        Operator::I8x16RelaxedSwizzle => swizzle(builder, stacks),
        Operator::I32x4RelaxedTruncF32x4S => trunc_f32x4(builder, stacks, true),
        Operator::I32x4RelaxedTruncF32x4U => trunc_f32x4(builder, stacks, false),
        Operator::I32x4RelaxedTruncF64x2SZero => trunc_f64x2_zero(builder, stacks, true),
        Operator::I32x4RelaxedTruncF64x2UZero => trunc_f64x2_zero(builder, stacks, false),
        Operator::F32x4RelaxedMadd => madd(builder, stacks, types::F32X4, false),
        Operator::F32x4RelaxedNmadd => madd(builder, stacks, types::F32X4, true),
        Operator::F64x2RelaxedMadd => madd(builder, stacks, types::F64X2, false),
        Operator::F64x2RelaxedNmadd => madd(builder, stacks, types::F64X2, true),
        Operator::I8x16RelaxedLaneselect
        | Operator::I16x8RelaxedLaneselect
        | Operator::I32x4RelaxedLaneselect
        | Operator::I64x2RelaxedLaneselect => laneselect(builder, stacks),
        Operator::F32x4RelaxedMin => min(builder, stacks, types::F32X4),
        Operator::F64x2RelaxedMin => min(builder, stacks, types::F64X2),
        Operator::F32x4RelaxedMax => max(builder, stacks, types::F32X4),
        Operator::F64x2RelaxedMax => max(builder, stacks, types::F64X2),
        Operator::I16x8RelaxedQ15mulrS => q15mulr(builder, stacks),
        Operator::I16x8RelaxedDotI8x16I7x16S => dot_i8x16_i7x16(builder, stacks),
        Operator::I32x4RelaxedDotI8x16I7x16AddS => dot_i8x16_i7x16_add(builder, stacks),
        _ => return false,
    }
    true
}
