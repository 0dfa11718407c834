//! `v128` constants, shuffles, lane access, comparisons, bitwise
//! operators and boolean reductions.

use super::{binary, pop_as, push, ternary, unary};
use crate::translate::stack::Stacks;
use cranelift_codegen::ir::{
    ConstantData, InstBuilder, Type,
    condcodes::{FloatCC, IntCC},
    types::{self, I8X16, I32},
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

// ---- constants, shuffles, lanes ------------------------------------------------

/// `v128.const`: `bytes` in wasm (little-endian) lane order.
pub(crate) fn constant(builder: &mut FunctionBuilder, stacks: &mut Stacks, bytes: &[u8; 16]) {
    let c = builder.func.dfg.constants.insert(bytes.to_vec().into());
    let v = builder.ins().vconst(I8X16, c);
    stacks.push(v);
}

/// `i8x16.shuffle`: lane indices 0..15 pick from the first operand,
/// 16..31 from the second (validation guarantees `< 32`).
pub(crate) fn shuffle(builder: &mut FunctionBuilder, stacks: &mut Stacks, lanes: &[u8; 16]) {
    let mask = builder
        .func
        .dfg
        .immediates
        .push(ConstantData::from(&lanes[..]));
    binary(builder, stacks, I8X16, |b, x, y| {
        b.ins().shuffle(x, y, mask)
    });
}

/// `splat`: the scalar operand (an i32 for the narrow integer shapes) in
/// every lane of `ty`.
pub(crate) fn splat(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type) {
    let x = stacks.pop();
    let lane = ty.lane_type();
    let x = if builder.func.dfg.value_type(x) == lane {
        x
    } else {
        builder.ins().ireduce(lane, x)
    };
    let v = builder.ins().splat(ty, x);
    push(builder, stacks, v);
}

/// `extract_lane` for the shapes whose lane is a wasm value type.
pub(crate) fn extract_lane(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type, lane: u8) {
    let vector = pop_as(builder, stacks, ty);
    let x = builder.ins().extractlane(vector, lane);
    stacks.push(x);
}

/// `extract_lane_{s,u}` for `i8x16` and `i16x8`: the lane widened to i32.
pub(crate) fn extract_lane_extend(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    ty: Type,
    lane: u8,
    signed: bool,
) {
    let vector = pop_as(builder, stacks, ty);
    let x = builder.ins().extractlane(vector, lane);
    let x = if signed {
        builder.ins().sextend(I32, x)
    } else {
        builder.ins().uextend(I32, x)
    };
    stacks.push(x);
}

/// `replace_lane`; narrow integer lanes take the low bits of an i32.
pub(crate) fn replace_lane(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type, lane: u8) {
    let x = stacks.pop();
    let vector = pop_as(builder, stacks, ty);
    let scalar = ty.lane_type();
    let x = if builder.func.dfg.value_type(x) == scalar {
        x
    } else {
        builder.ins().ireduce(scalar, x)
    };
    let v = builder.ins().insertlane(vector, x, lane);
    push(builder, stacks, v);
}

// ---- comparisons and boolean reductions ------------------------------------------

/// Lane-wise integer comparison: all-ones lanes where `cc` holds.
pub(crate) fn icmp(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type, cc: IntCC) {
    binary(builder, stacks, ty, |b, x, y| b.ins().icmp(cc, x, y));
}

/// Lane-wise float comparison: all-ones lanes where `cc` holds (never on
/// NaN, except `ne`).
pub(crate) fn fcmp(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type, cc: FloatCC) {
    binary(builder, stacks, ty, |b, x, y| b.ins().fcmp(cc, x, y));
}

/// `v128.bitselect(a, b, c)`: bits of `a` where `c` is 1, of `b` elsewhere.
pub(crate) fn bitselect(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    ternary(builder, stacks, I8X16, |b, x, y, c| {
        b.ins().bitselect(c, x, y)
    });
}

/// `v128.any_true`: 1 if any bit is set.
pub(crate) fn any_true(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let x = pop_as(builder, stacks, I8X16);
    let t = builder.ins().vany_true(x);
    let r = builder.ins().uextend(I32, t);
    stacks.push(r);
}

/// `all_true`: 1 if no lane of `ty` is zero.
pub(crate) fn all_true(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type) {
    let x = pop_as(builder, stacks, ty);
    let t = builder.ins().vall_true(x);
    let r = builder.ins().uextend(I32, t);
    stacks.push(r);
}

/// `bitmask`: the sign bit of each lane of `ty`, lane 0 in bit 0.
pub(crate) fn bitmask(builder: &mut FunctionBuilder, stacks: &mut Stacks, ty: Type) {
    let x = pop_as(builder, stacks, ty);
    let r = builder.ins().vhigh_bits(I32, x);
    stacks.push(r);
}

/// Translates `op` if it is a SIMD lane, comparison or bitwise operator; returns whether it was.
pub(super) fn translate_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    op: &Operator<'_>,
) -> bool {
    match op {
        Operator::V128Const { value } => constant(builder, stacks, value.bytes()),
        Operator::I8x16Shuffle { lanes } => shuffle(builder, stacks, lanes),
        Operator::I8x16Swizzle => binary(builder, stacks, types::I8X16, |b, x, y| {
            b.ins().swizzle(x, y)
        }),
        Operator::I8x16Splat => splat(builder, stacks, types::I8X16),
        Operator::I16x8Splat => splat(builder, stacks, types::I16X8),
        Operator::I32x4Splat => splat(builder, stacks, types::I32X4),
        Operator::I64x2Splat => splat(builder, stacks, types::I64X2),
        Operator::F32x4Splat => splat(builder, stacks, types::F32X4),
        Operator::F64x2Splat => splat(builder, stacks, types::F64X2),
        Operator::I8x16ExtractLaneS { lane } => {
            extract_lane_extend(builder, stacks, types::I8X16, *lane, true)
        }
        Operator::I8x16ExtractLaneU { lane } => {
            extract_lane_extend(builder, stacks, types::I8X16, *lane, false)
        }
        Operator::I16x8ExtractLaneS { lane } => {
            extract_lane_extend(builder, stacks, types::I16X8, *lane, true)
        }
        Operator::I16x8ExtractLaneU { lane } => {
            extract_lane_extend(builder, stacks, types::I16X8, *lane, false)
        }
        Operator::I32x4ExtractLane { lane } => extract_lane(builder, stacks, types::I32X4, *lane),
        Operator::I64x2ExtractLane { lane } => extract_lane(builder, stacks, types::I64X2, *lane),
        Operator::F32x4ExtractLane { lane } => extract_lane(builder, stacks, types::F32X4, *lane),
        Operator::F64x2ExtractLane { lane } => extract_lane(builder, stacks, types::F64X2, *lane),
        Operator::I8x16ReplaceLane { lane } => replace_lane(builder, stacks, types::I8X16, *lane),
        Operator::I16x8ReplaceLane { lane } => replace_lane(builder, stacks, types::I16X8, *lane),
        Operator::I32x4ReplaceLane { lane } => replace_lane(builder, stacks, types::I32X4, *lane),
        Operator::I64x2ReplaceLane { lane } => replace_lane(builder, stacks, types::I64X2, *lane),
        Operator::F32x4ReplaceLane { lane } => replace_lane(builder, stacks, types::F32X4, *lane),
        Operator::F64x2ReplaceLane { lane } => replace_lane(builder, stacks, types::F64X2, *lane),
        Operator::I8x16Eq => icmp(builder, stacks, types::I8X16, IntCC::Equal),
        Operator::I8x16Ne => icmp(builder, stacks, types::I8X16, IntCC::NotEqual),
        Operator::I8x16LtS => icmp(builder, stacks, types::I8X16, IntCC::SignedLessThan),
        Operator::I8x16LtU => icmp(builder, stacks, types::I8X16, IntCC::UnsignedLessThan),
        Operator::I8x16GtS => icmp(builder, stacks, types::I8X16, IntCC::SignedGreaterThan),
        Operator::I8x16GtU => icmp(builder, stacks, types::I8X16, IntCC::UnsignedGreaterThan),
        Operator::I8x16LeS => icmp(builder, stacks, types::I8X16, IntCC::SignedLessThanOrEqual),
        Operator::I8x16LeU => icmp(
            builder,
            stacks,
            types::I8X16,
            IntCC::UnsignedLessThanOrEqual,
        ),
        Operator::I8x16GeS => icmp(
            builder,
            stacks,
            types::I8X16,
            IntCC::SignedGreaterThanOrEqual,
        ),
        Operator::I8x16GeU => icmp(
            builder,
            stacks,
            types::I8X16,
            IntCC::UnsignedGreaterThanOrEqual,
        ),
        Operator::I16x8Eq => icmp(builder, stacks, types::I16X8, IntCC::Equal),
        Operator::I16x8Ne => icmp(builder, stacks, types::I16X8, IntCC::NotEqual),
        Operator::I16x8LtS => icmp(builder, stacks, types::I16X8, IntCC::SignedLessThan),
        Operator::I16x8LtU => icmp(builder, stacks, types::I16X8, IntCC::UnsignedLessThan),
        Operator::I16x8GtS => icmp(builder, stacks, types::I16X8, IntCC::SignedGreaterThan),
        Operator::I16x8GtU => icmp(builder, stacks, types::I16X8, IntCC::UnsignedGreaterThan),
        Operator::I16x8LeS => icmp(builder, stacks, types::I16X8, IntCC::SignedLessThanOrEqual),
        Operator::I16x8LeU => icmp(
            builder,
            stacks,
            types::I16X8,
            IntCC::UnsignedLessThanOrEqual,
        ),
        Operator::I16x8GeS => icmp(
            builder,
            stacks,
            types::I16X8,
            IntCC::SignedGreaterThanOrEqual,
        ),
        Operator::I16x8GeU => icmp(
            builder,
            stacks,
            types::I16X8,
            IntCC::UnsignedGreaterThanOrEqual,
        ),
        Operator::I32x4Eq => icmp(builder, stacks, types::I32X4, IntCC::Equal),
        Operator::I32x4Ne => icmp(builder, stacks, types::I32X4, IntCC::NotEqual),
        Operator::I32x4LtS => icmp(builder, stacks, types::I32X4, IntCC::SignedLessThan),
        Operator::I32x4LtU => icmp(builder, stacks, types::I32X4, IntCC::UnsignedLessThan),
        Operator::I32x4GtS => icmp(builder, stacks, types::I32X4, IntCC::SignedGreaterThan),
        Operator::I32x4GtU => icmp(builder, stacks, types::I32X4, IntCC::UnsignedGreaterThan),
        Operator::I32x4LeS => icmp(builder, stacks, types::I32X4, IntCC::SignedLessThanOrEqual),
        Operator::I32x4LeU => icmp(
            builder,
            stacks,
            types::I32X4,
            IntCC::UnsignedLessThanOrEqual,
        ),
        Operator::I32x4GeS => icmp(
            builder,
            stacks,
            types::I32X4,
            IntCC::SignedGreaterThanOrEqual,
        ),
        Operator::I32x4GeU => icmp(
            builder,
            stacks,
            types::I32X4,
            IntCC::UnsignedGreaterThanOrEqual,
        ),
        Operator::I64x2Eq => icmp(builder, stacks, types::I64X2, IntCC::Equal),
        Operator::I64x2Ne => icmp(builder, stacks, types::I64X2, IntCC::NotEqual),
        Operator::I64x2LtS => icmp(builder, stacks, types::I64X2, IntCC::SignedLessThan),
        Operator::I64x2GtS => icmp(builder, stacks, types::I64X2, IntCC::SignedGreaterThan),
        Operator::I64x2LeS => icmp(builder, stacks, types::I64X2, IntCC::SignedLessThanOrEqual),
        Operator::I64x2GeS => icmp(
            builder,
            stacks,
            types::I64X2,
            IntCC::SignedGreaterThanOrEqual,
        ),
        Operator::F32x4Eq => fcmp(builder, stacks, types::F32X4, FloatCC::Equal),
        Operator::F32x4Ne => fcmp(builder, stacks, types::F32X4, FloatCC::NotEqual),
        Operator::F32x4Lt => fcmp(builder, stacks, types::F32X4, FloatCC::LessThan),
        Operator::F32x4Gt => fcmp(builder, stacks, types::F32X4, FloatCC::GreaterThan),
        Operator::F32x4Le => fcmp(builder, stacks, types::F32X4, FloatCC::LessThanOrEqual),
        Operator::F32x4Ge => fcmp(builder, stacks, types::F32X4, FloatCC::GreaterThanOrEqual),
        Operator::F64x2Eq => fcmp(builder, stacks, types::F64X2, FloatCC::Equal),
        Operator::F64x2Ne => fcmp(builder, stacks, types::F64X2, FloatCC::NotEqual),
        Operator::F64x2Lt => fcmp(builder, stacks, types::F64X2, FloatCC::LessThan),
        Operator::F64x2Gt => fcmp(builder, stacks, types::F64X2, FloatCC::GreaterThan),
        Operator::F64x2Le => fcmp(builder, stacks, types::F64X2, FloatCC::LessThanOrEqual),
        Operator::F64x2Ge => fcmp(builder, stacks, types::F64X2, FloatCC::GreaterThanOrEqual),
        Operator::V128Not => unary(builder, stacks, types::I8X16, |b, x| b.ins().bnot(x)),
        Operator::V128And => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().band(x, y)),
        Operator::V128AndNot => binary(builder, stacks, types::I8X16, |b, x, y| {
            b.ins().band_not(x, y)
        }),
        Operator::V128Or => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().bor(x, y)),
        Operator::V128Xor => binary(builder, stacks, types::I8X16, |b, x, y| b.ins().bxor(x, y)),
        Operator::V128Bitselect => bitselect(builder, stacks),
        Operator::V128AnyTrue => any_true(builder, stacks),
        Operator::I8x16AllTrue => all_true(builder, stacks, types::I8X16),
        Operator::I16x8AllTrue => all_true(builder, stacks, types::I16X8),
        Operator::I32x4AllTrue => all_true(builder, stacks, types::I32X4),
        Operator::I64x2AllTrue => all_true(builder, stacks, types::I64X2),
        Operator::I8x16Bitmask => bitmask(builder, stacks, types::I8X16),
        Operator::I16x8Bitmask => bitmask(builder, stacks, types::I16X8),
        Operator::I32x4Bitmask => bitmask(builder, stacks, types::I32X4),
        Operator::I64x2Bitmask => bitmask(builder, stacks, types::I64X2),
        _ => return false,
    }
    true
}
