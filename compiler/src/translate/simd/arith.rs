//! `v128` lane arithmetic (integer and float) and conversions.

use super::{binary, cast, pop_as, push, unary, zeros};
use crate::translate::stack::Stacks;
use cranelift_codegen::ir::{
    InstBuilder, Type, Value,
    condcodes::FloatCC,
    types::{self, F32X4, F64X2, I16X8, I32X4, I64X2},
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

// ---- integer lane arithmetic ---------------------------------------------------------

/// Shift of every lane of `ty` by an i32 amount. CLIF takes vector shift
/// amounts modulo the lane width, exactly as wasm does.
pub(crate) fn shift(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    ty: Type,
    f: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value,
) {
    let amount = stacks.pop();
    let x = pop_as(builder, stacks, ty);
    let r = f(builder, x, amount);
    push(builder, stacks, r);
}

/// `narrow_{s,u}`: both operands' `ty` lanes saturated to half width
/// (the unsigned form saturates signed inputs to `0..=MAX`).
pub(crate) fn narrow(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type, signed: bool) {
    binary(builder, stacks, ty, |b, x, y| {
        if signed {
            b.ins().snarrow(x, y)
        } else {
            b.ins().unarrow(x, y)
        }
    });
}

/// Which half of the input lanes a widening operator reads.
#[derive(Copy, Clone)]
pub(crate) enum Half {
    Low,
    High,
}

fn widen(builder: &mut FunctionBuilder, x: Value, half: Half, signed: bool) -> Value {
    let ins = builder.ins();
    match (half, signed) {
        (Half::Low, true) => ins.swiden_low(x),
        (Half::High, true) => ins.swiden_high(x),
        (Half::Low, false) => ins.uwiden_low(x),
        (Half::High, false) => ins.uwiden_high(x),
    }
}

/// `extend_{low,high}_{s,u}`: half of the `from` lanes at twice the width.
pub(crate) fn extend(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    from: Type,
    half: Half,
    signed: bool,
) {
    unary(builder, stacks, from, |b, x| widen(b, x, half, signed));
}

/// `extadd_pairwise_{s,u}`: adjacent `from` lanes widened and summed.
pub(crate) fn extadd_pairwise(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    from: Type,
    signed: bool,
) {
    unary(builder, stacks, from, |b, x| {
        let low = widen(b, x, Half::Low, signed);
        let high = widen(b, x, Half::High, signed);
        b.ins().iadd_pairwise(low, high)
    });
}

/// `extmul_{low,high}_{s,u}`: products of half of the `from` lanes at
/// twice the width (exact, no overflow possible).
pub(crate) fn extmul(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    from: Type,
    half: Half,
    signed: bool,
) {
    binary(builder, stacks, from, |b, x, y| {
        let x = widen(b, x, half, signed);
        let y = widen(b, y, half, signed);
        b.ins().imul(x, y)
    });
}

/// Pairwise dot product of signed 16-bit lanes into 32-bit lanes, the
/// shape Cranelift lowers to `pmaddwd`.
fn dot_i16x8(builder: &mut FunctionBuilder, x: Value, y: Value) -> Value {
    let xl = builder.ins().swiden_low(x);
    let yl = builder.ins().swiden_low(y);
    let low = builder.ins().imul(xl, yl);
    let xh = builder.ins().swiden_high(x);
    let yh = builder.ins().swiden_high(y);
    let high = builder.ins().imul(xh, yh);
    builder.ins().iadd_pairwise(low, high)
}

/// `i32x4.dot_i16x8_s`.
pub(crate) fn dot(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    binary(builder, stacks, I16X8, dot_i16x8);
}

/// `i16x8.q15mulr_sat_s`: `(x * y + 0x4000) >> 15`, saturated.
pub(crate) fn q15mulr_sat(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    binary(builder, stacks, I16X8, |b, x, y| {
        b.ins().sqmul_round_sat(x, y)
    });
}

// ---- float lane arithmetic -------------------------------------------------------------

/// `pmin`: `y < x ? y : x`, lane-wise (pseudo-minimum: no NaN or
/// signed-zero special cases, the first operand wins ties).
pub(crate) fn pmin(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type) {
    binary(builder, stacks, ty, |b, x, y| {
        let lt = b.ins().fcmp(FloatCC::LessThan, y, x);
        let mask = cast(b, lt, ty);
        b.ins().bitselect(mask, y, x)
    });
}

/// `pmax`: `x < y ? y : x`, lane-wise.
pub(crate) fn pmax(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type) {
    binary(builder, stacks, ty, |b, x, y| {
        let lt = b.ins().fcmp(FloatCC::LessThan, x, y);
        let mask = cast(b, lt, ty);
        b.ins().bitselect(mask, y, x)
    });
}

// ---- conversions -----------------------------------------------------------------------

/// `i32x4.trunc_sat_f32x4_{s,u}`: NaN to 0, out of range saturates.
pub(crate) fn trunc_sat_f32x4(builder: &mut FunctionBuilder, stacks: &mut Stacks, signed: bool) {
    unary(builder, stacks, F32X4, |b, x| {
        if signed {
            b.ins().fcvt_to_sint_sat(I32X4, x)
        } else {
            b.ins().fcvt_to_uint_sat(I32X4, x)
        }
    });
}

/// `i32x4.trunc_sat_f64x2_{s,u}_zero`: two saturated results in lanes
/// 0 and 1, zeros above.
pub(crate) fn trunc_sat_f64x2_zero(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    signed: bool,
) {
    unary(builder, stacks, F64X2, |b, x| {
        let zero = zeros(b, I64X2);
        if signed {
            let wide = b.ins().fcvt_to_sint_sat(I64X2, x);
            b.ins().snarrow(wide, zero)
        } else {
            let wide = b.ins().fcvt_to_uint_sat(I64X2, x);
            b.ins().uunarrow(wide, zero)
        }
    });
}

/// `f32x4.convert_i32x4_{s,u}`.
pub(crate) fn convert_i32x4(builder: &mut FunctionBuilder, stacks: &mut Stacks, signed: bool) {
    unary(builder, stacks, I32X4, |b, x| {
        if signed {
            b.ins().fcvt_from_sint(F32X4, x)
        } else {
            b.ins().fcvt_from_uint(F32X4, x)
        }
    });
}

/// `f64x2.convert_low_i32x4_{s,u}`: lanes 0 and 1, exactly.
pub(crate) fn convert_low_i32x4(builder: &mut FunctionBuilder, stacks: &mut Stacks, signed: bool) {
    unary(builder, stacks, I32X4, |b, x| {
        let wide = widen(b, x, Half::Low, signed);
        if signed {
            b.ins().fcvt_from_sint(F64X2, wide)
        } else {
            b.ins().fcvt_from_uint(F64X2, wide)
        }
    });
}

/// `f32x4.demote_f64x2_zero`: two rounded lanes, zeros above.
pub(crate) fn demote(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    unary(builder, stacks, F64X2, |b, x| b.ins().fvdemote(x));
}

/// `f64x2.promote_low_f32x4`.
pub(crate) fn promote_low(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    unary(builder, stacks, F32X4, |b, x| b.ins().fvpromote_low(x));
}

/// Translates `op` if it is a SIMD arithmetic or conversion operator; returns whether it was.
pub(super) fn translate_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    op: &Operator<'_>,
) -> bool {
    match op {
        Operator::I8x16Abs => unary(builder, stacks, types::I8X16, |b, x| b.ins().iabs(x)),
        Operator::I16x8Abs => unary(builder, stacks, types::I16X8, |b, x| b.ins().iabs(x)),
        Operator::I32x4Abs => unary(builder, stacks, types::I32X4, |b, x| b.ins().iabs(x)),
        Operator::I64x2Abs => unary(builder, stacks, types::I64X2, |b, x| b.ins().iabs(x)),
        Operator::I8x16Neg => unary(builder, stacks, types::I8X16, |b, x| b.ins().ineg(x)),
        Operator::I16x8Neg => unary(builder, stacks, types::I16X8, |b, x| b.ins().ineg(x)),
        Operator::I32x4Neg => unary(builder, stacks, types::I32X4, |b, x| b.ins().ineg(x)),
        Operator::I64x2Neg => unary(builder, stacks, types::I64X2, |b, x| b.ins().ineg(x)),
        Operator::I8x16Popcnt => unary(builder, stacks, types::I8X16, |b, x| b.ins().popcnt(x)),
        Operator::I8x16Shl => shift(builder, stacks, types::I8X16, |b, x, n| b.ins().ishl(x, n)),
        Operator::I16x8Shl => shift(builder, stacks, types::I16X8, |b, x, n| b.ins().ishl(x, n)),
        Operator::I32x4Shl => shift(builder, stacks, types::I32X4, |b, x, n| b.ins().ishl(x, n)),
        Operator::I64x2Shl => shift(builder, stacks, types::I64X2, |b, x, n| b.ins().ishl(x, n)),
        Operator::I8x16ShrS => shift(builder, stacks, types::I8X16, |b, x, n| b.ins().sshr(x, n)),
        Operator::I16x8ShrS => shift(builder, stacks, types::I16X8, |b, x, n| b.ins().sshr(x, n)),
        Operator::I32x4ShrS => shift(builder, stacks, types::I32X4, |b, x, n| b.ins().sshr(x, n)),
        Operator::I64x2ShrS => shift(builder, stacks, types::I64X2, |b, x, n| b.ins().sshr(x, n)),
        Operator::I8x16ShrU => shift(builder, stacks, types::I8X16, |b, x, n| b.ins().ushr(x, n)),
        Operator::I16x8ShrU => shift(builder, stacks, types::I16X8, |b, x, n| b.ins().ushr(x, n)),
        Operator::I32x4ShrU => shift(builder, stacks, types::I32X4, |b, x, n| b.ins().ushr(x, n)),
        Operator::I64x2ShrU => shift(builder, stacks, types::I64X2, |b, x, n| b.ins().ushr(x, n)),
        Operator::I8x16Add => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().iadd(x, y)),
        Operator::I16x8Add => binary(builder, stacks, types::I16X8, |b, x, y| b.ins().iadd(x, y)),
        Operator::I32x4Add => binary(builder, stacks, types::I32X4, |b, x, y| b.ins().iadd(x, y)),
        Operator::I64x2Add => binary(builder, stacks, types::I64X2, |b, x, y| b.ins().iadd(x, y)),
        Operator::I8x16Sub => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().isub(x, y)),
        Operator::I16x8Sub => binary(builder, stacks, types::I16X8, |b, x, y| b.ins().isub(x, y)),
        Operator::I32x4Sub => binary(builder, stacks, types::I32X4, |b, x, y| b.ins().isub(x, y)),
        Operator::I64x2Sub => binary(builder, stacks, types::I64X2, |b, x, y| b.ins().isub(x, y)),
        Operator::I16x8Mul => binary(builder, stacks, types::I16X8, |b, x, y| b.ins().imul(x, y)),
        Operator::I32x4Mul => binary(builder, stacks, types::I32X4, |b, x, y| b.ins().imul(x, y)),
        Operator::I64x2Mul => binary(builder, stacks, types::I64X2, |b, x, y| b.ins().imul(x, y)),
        Operator::I8x16AddSatS => binary(builder, stacks, types::I8X16, |b, x, y| {
            b.ins().sadd_sat(x, y)
        }),
        Operator::I16x8AddSatS => binary(builder, stacks, types::I16X8, |b, x, y| {
            b.ins().sadd_sat(x, y)
        }),
        Operator::I8x16AddSatU => binary(builder, stacks, types::I8X16, |b, x, y| {
            b.ins().uadd_sat(x, y)
        }),
        Operator::I16x8AddSatU => binary(builder, stacks, types::I16X8, |b, x, y| {
            b.ins().uadd_sat(x, y)
        }),
        Operator::I8x16SubSatS => binary(builder, stacks, types::I8X16, |b, x, y| {
            b.ins().ssub_sat(x, y)
        }),
        Operator::I16x8SubSatS => binary(builder, stacks, types::I16X8, |b, x, y| {
            b.ins().ssub_sat(x, y)
        }),
        Operator::I8x16SubSatU => binary(builder, stacks, types::I8X16, |b, x, y| {
            b.ins().usub_sat(x, y)
        }),
        Operator::I16x8SubSatU => binary(builder, stacks, types::I16X8, |b, x, y| {
            b.ins().usub_sat(x, y)
        }),
        Operator::I8x16MinS => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().smin(x, y)),
        Operator::I16x8MinS => binary(builder, stacks, types::I16X8, |b, x, y| b.ins().smin(x, y)),
        Operator::I32x4MinS => binary(builder, stacks, types::I32X4, |b, x, y| b.ins().smin(x, y)),
        Operator::I8x16MinU => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().umin(x, y)),
        Operator::I16x8MinU => binary(builder, stacks, types::I16X8, |b, x, y| b.ins().umin(x, y)),
        Operator::I32x4MinU => binary(builder, stacks, types::I32X4, |b, x, y| b.ins().umin(x, y)),
        Operator::I8x16MaxS => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().smax(x, y)),
        Operator::I16x8MaxS => binary(builder, stacks, types::I16X8, |b, x, y| b.ins().smax(x, y)),
        Operator::I32x4MaxS => binary(builder, stacks, types::I32X4, |b, x, y| b.ins().smax(x, y)),
        Operator::I8x16MaxU => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().umax(x, y)),
        Operator::I16x8MaxU => binary(builder, stacks, types::I16X8, |b, x, y| b.ins().umax(x, y)),
        Operator::I32x4MaxU => binary(builder, stacks, types::I32X4, |b, x, y| b.ins().umax(x, y)),
        Operator::I8x16AvgrU => binary(builder, stacks, types::I8X16, |b, x, y| {
            b.ins().avg_round(x, y)
        }),
        Operator::I16x8AvgrU => binary(builder, stacks, types::I16X8, |b, x, y| {
            b.ins().avg_round(x, y)
        }),
        Operator::I8x16NarrowI16x8S => narrow(builder, stacks, types::I16X8, true),
        Operator::I8x16NarrowI16x8U => narrow(builder, stacks, types::I16X8, false),
        Operator::I16x8NarrowI32x4S => narrow(builder, stacks, types::I32X4, true),
        Operator::I16x8NarrowI32x4U => narrow(builder, stacks, types::I32X4, false),
        Operator::I16x8ExtendLowI8x16S => extend(builder, stacks, types::I8X16, Half::Low, true),
        Operator::I16x8ExtendHighI8x16S => extend(builder, stacks, types::I8X16, Half::High, true),
        Operator::I16x8ExtendLowI8x16U => extend(builder, stacks, types::I8X16, Half::Low, false),
        Operator::I16x8ExtendHighI8x16U => extend(builder, stacks, types::I8X16, Half::High, false),
        Operator::I32x4ExtendLowI16x8S => extend(builder, stacks, types::I16X8, Half::Low, true),
        Operator::I32x4ExtendHighI16x8S => extend(builder, stacks, types::I16X8, Half::High, true),
        Operator::I32x4ExtendLowI16x8U => extend(builder, stacks, types::I16X8, Half::Low, false),
        Operator::I32x4ExtendHighI16x8U => extend(builder, stacks, types::I16X8, Half::High, false),
        Operator::I64x2ExtendLowI32x4S => extend(builder, stacks, types::I32X4, Half::Low, true),
        Operator::I64x2ExtendHighI32x4S => extend(builder, stacks, types::I32X4, Half::High, true),
        Operator::I64x2ExtendLowI32x4U => extend(builder, stacks, types::I32X4, Half::Low, false),
        Operator::I64x2ExtendHighI32x4U => extend(builder, stacks, types::I32X4, Half::High, false),
        Operator::I16x8ExtAddPairwiseI8x16S => extadd_pairwise(builder, stacks, types::I8X16, true),
        Operator::I16x8ExtAddPairwiseI8x16U => {
            extadd_pairwise(builder, stacks, types::I8X16, false)
        }
        Operator::I32x4ExtAddPairwiseI16x8S => extadd_pairwise(builder, stacks, types::I16X8, true),
        Operator::I32x4ExtAddPairwiseI16x8U => {
            extadd_pairwise(builder, stacks, types::I16X8, false)
        }
        Operator::I16x8ExtMulLowI8x16S => extmul(builder, stacks, types::I8X16, Half::Low, true),
        Operator::I16x8ExtMulHighI8x16S => extmul(builder, stacks, types::I8X16, Half::High, true),
        Operator::I16x8ExtMulLowI8x16U => extmul(builder, stacks, types::I8X16, Half::Low, false),
        Operator::I16x8ExtMulHighI8x16U => extmul(builder, stacks, types::I8X16, Half::High, false),
        Operator::I32x4ExtMulLowI16x8S => extmul(builder, stacks, types::I16X8, Half::Low, true),
        Operator::I32x4ExtMulHighI16x8S => extmul(builder, stacks, types::I16X8, Half::High, true),
        Operator::I32x4ExtMulLowI16x8U => extmul(builder, stacks, types::I16X8, Half::Low, false),
        Operator::I32x4ExtMulHighI16x8U => extmul(builder, stacks, types::I16X8, Half::High, false),
        Operator::I64x2ExtMulLowI32x4S => extmul(builder, stacks, types::I32X4, Half::Low, true),
        Operator::I64x2ExtMulHighI32x4S => extmul(builder, stacks, types::I32X4, Half::High, true),
        Operator::I64x2ExtMulLowI32x4U => extmul(builder, stacks, types::I32X4, Half::Low, false),
        Operator::I64x2ExtMulHighI32x4U => extmul(builder, stacks, types::I32X4, Half::High, false),
        Operator::I16x8Q15MulrSatS => q15mulr_sat(builder, stacks),
        Operator::I32x4DotI16x8S => dot(builder, stacks),
        Operator::F32x4Ceil => unary(builder, stacks, types::F32X4, |b, x| b.ins().ceil(x)),
        Operator::F64x2Ceil => unary(builder, stacks, types::F64X2, |b, x| b.ins().ceil(x)),
        Operator::F32x4Floor => unary(builder, stacks, types::F32X4, |b, x| b.ins().floor(x)),
        Operator::F64x2Floor => unary(builder, stacks, types::F64X2, |b, x| b.ins().floor(x)),
        Operator::F32x4Trunc => unary(builder, stacks, types::F32X4, |b, x| b.ins().trunc(x)),
        Operator::F64x2Trunc => unary(builder, stacks, types::F64X2, |b, x| b.ins().trunc(x)),
        Operator::F32x4Nearest => unary(builder, stacks, types::F32X4, |b, x| b.ins().nearest(x)),
        Operator::F64x2Nearest => unary(builder, stacks, types::F64X2, |b, x| b.ins().nearest(x)),
        Operator::F32x4Abs => unary(builder, stacks, types::F32X4, |b, x| b.ins().fabs(x)),
        Operator::F64x2Abs => unary(builder, stacks, types::F64X2, |b, x| b.ins().fabs(x)),
        Operator::F32x4Neg => unary(builder, stacks, types::F32X4, |b, x| b.ins().fneg(x)),
        Operator::F64x2Neg => unary(builder, stacks, types::F64X2, |b, x| b.ins().fneg(x)),
        Operator::F32x4Sqrt => unary(builder, stacks, types::F32X4, |b, x| b.ins().sqrt(x)),
        Operator::F64x2Sqrt => unary(builder, stacks, types::F64X2, |b, x| b.ins().sqrt(x)),
        Operator::F32x4Add => binary(builder, stacks, types::F32X4, |b, x, y| b.ins().fadd(x, y)),
        Operator::F64x2Add => binary(builder, stacks, types::F64X2, |b, x, y| b.ins().fadd(x, y)),
        Operator::F32x4Sub => binary(builder, stacks, types::F32X4, |b, x, y| b.ins().fsub(x, y)),
        Operator::F64x2Sub => binary(builder, stacks, types::F64X2, |b, x, y| b.ins().fsub(x, y)),
        Operator::F32x4Mul => binary(builder, stacks, types::F32X4, |b, x, y| b.ins().fmul(x, y)),
        Operator::F64x2Mul => binary(builder, stacks, types::F64X2, |b, x, y| b.ins().fmul(x, y)),
        Operator::F32x4Div => binary(builder, stacks, types::F32X4, |b, x, y| b.ins().fdiv(x, y)),
        Operator::F64x2Div => binary(builder, stacks, types::F64X2, |b, x, y| b.ins().fdiv(x, y)),
        Operator::F32x4Min => binary(builder, stacks, types::F32X4, |b, x, y| b.ins().fmin(x, y)),
        Operator::F64x2Min => binary(builder, stacks, types::F64X2, |b, x, y| b.ins().fmin(x, y)),
        Operator::F32x4Max => binary(builder, stacks, types::F32X4, |b, x, y| b.ins().fmax(x, y)),
        Operator::F64x2Max => binary(builder, stacks, types::F64X2, |b, x, y| b.ins().fmax(x, y)),
        Operator::F32x4PMin => pmin(builder, stacks, types::F32X4),
        Operator::F64x2PMin => pmin(builder, stacks, types::F64X2),
        Operator::F32x4PMax => pmax(builder, stacks, types::F32X4),
        Operator::F64x2PMax => pmax(builder, stacks, types::F64X2),
        Operator::I32x4TruncSatF32x4S => trunc_sat_f32x4(builder, stacks, true),
        Operator::I32x4TruncSatF32x4U => trunc_sat_f32x4(builder, stacks, false),
        Operator::I32x4TruncSatF64x2SZero => trunc_sat_f64x2_zero(builder, stacks, true),
        Operator::I32x4TruncSatF64x2UZero => trunc_sat_f64x2_zero(builder, stacks, false),
        Operator::F32x4ConvertI32x4S => convert_i32x4(builder, stacks, true),
        Operator::F32x4ConvertI32x4U => convert_i32x4(builder, stacks, false),
        Operator::F64x2ConvertLowI32x4S => convert_low_i32x4(builder, stacks, true),
        Operator::F64x2ConvertLowI32x4U => convert_low_i32x4(builder, stacks, false),
        Operator::F32x4DemoteF64x2Zero => demote(builder, stacks),
        Operator::F64x2PromoteLowF32x4 => promote_low(builder, stacks),
        _ => return false,
    }
    true
}
