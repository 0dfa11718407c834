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
//! Memory accesses go through [`prepare_addr`] like the scalar ones, with
//! the access size of the bytes actually touched (16 for a full vector,
//! 8 for `load8x8_s`, the lane size for lane and splat accesses).

use super::memory::memory_index;
use super::stack::Stacks;
use crate::bounds::prepare_addr;
use crate::func_env::{FuncEnv, heap};
use cranelift_codegen::ir::{
    ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value,
    condcodes::{FloatCC, IntCC},
    types::{F32X4, F64X2, I8, I8X16, I16, I16X8, I32, I32X4, I64X2},
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::MemArg;

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

// ---- memory ------------------------------------------------------------------

/// Address and offset for an access of `size` bytes at the popped index.
fn address(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    size: u32,
) -> (Value, i32) {
    let index = stacks.pop();
    prepare_addr(
        builder,
        env,
        memory_index(memarg),
        index,
        memarg.offset,
        size,
    )
}

/// `v128.load`.
pub(crate) fn load(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
) {
    let (addr, offset) = address(builder, stacks, env, memarg, 16);
    let v = builder.ins().load(I8X16, heap(), addr, offset);
    stacks.push(v);
}

/// `v128.load{8x8,16x4,32x2}_{s,u}`: 8 bytes, each `lane`-typed lane
/// widened to twice its width.
pub(crate) fn load_extend(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    lane: Type,
    signed: bool,
) {
    let (addr, offset) = address(builder, stacks, env, memarg, 8);
    let flags = heap();
    let ins = builder.ins();
    let v = match (lane, signed) {
        (I8, true) => ins.sload8x8(flags, addr, offset),
        (I8, false) => ins.uload8x8(flags, addr, offset),
        (I16, true) => ins.sload16x4(flags, addr, offset),
        (I16, false) => ins.uload16x4(flags, addr, offset),
        (I32, true) => ins.sload32x2(flags, addr, offset),
        (I32, false) => ins.uload32x2(flags, addr, offset),
        _ => unreachable!("no extending vector load from {lane} lanes"),
    };
    push(builder, stacks, v);
}

/// `v128.loadN_splat`: one lane of `ty` loaded and copied to every lane.
pub(crate) fn load_splat(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
) {
    let lane = ty.lane_type();
    let (addr, offset) = address(builder, stacks, env, memarg, lane.bytes());
    let x = builder.ins().load(lane, heap(), addr, offset);
    let v = builder.ins().splat(ty, x);
    push(builder, stacks, v);
}

/// `v128.load{32,64}_zero`: lane 0 of `ty` loaded, the other lanes zero.
pub(crate) fn load_zero(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
) {
    let lane = ty.lane_type();
    let (addr, offset) = address(builder, stacks, env, memarg, lane.bytes());
    let x = builder.ins().load(lane, heap(), addr, offset);
    let v = builder.ins().scalar_to_vector(ty, x);
    push(builder, stacks, v);
}

/// `v128.loadN_lane`: replaces lane `lane` of the popped vector.
pub(crate) fn load_lane(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
    lane: u8,
) {
    let vector = pop_as(builder, stacks, ty);
    let scalar = ty.lane_type();
    let (addr, offset) = address(builder, stacks, env, memarg, scalar.bytes());
    let x = builder.ins().load(scalar, heap(), addr, offset);
    let v = builder.ins().insertlane(vector, x, lane);
    push(builder, stacks, v);
}

/// `v128.store`.
pub(crate) fn store(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
) {
    let value = stacks.pop();
    let (addr, offset) = address(builder, stacks, env, memarg, 16);
    builder.ins().store(heap(), value, addr, offset);
}

/// `v128.storeN_lane`: stores lane `lane` of the popped vector.
pub(crate) fn store_lane(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
    lane: u8,
) {
    let vector = pop_as(builder, stacks, ty);
    let x = builder.ins().extractlane(vector, lane);
    let (addr, offset) = address(builder, stacks, env, memarg, ty.lane_type().bytes());
    builder.ins().store(heap(), x, addr, offset);
}

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
