//! Constants, integer and float arithmetic, comparisons.
//!
//! Cranelift's semantics match wasm for everything here: shifts and
//! rotates take the amount modulo the width, `sdiv` traps on zero and on
//! `INT_MIN / -1`, `srem` of `INT_MIN % -1` is 0, `fmin`/`fmax` propagate
//! NaN and order -0 below +0, `nearest` rounds half to even.

use super::stack::Stacks;
use cranelift_codegen::ir::{
    InstBuilder, Value,
    condcodes::{FloatCC, IntCC},
    immediates::{Ieee32, Ieee64},
    types,
};
use cranelift_frontend::FunctionBuilder;

pub(crate) fn i32_const(builder: &mut FunctionBuilder, stacks: &mut Stacks, v: i32) {
    let c = builder.ins().iconst(types::I32, i64::from(v));
    stacks.push(c);
}

pub(crate) fn i64_const(builder: &mut FunctionBuilder, stacks: &mut Stacks, v: i64) {
    let c = builder.ins().iconst(types::I64, v);
    stacks.push(c);
}

/// Bit-exact, so NaN payloads survive.
pub(crate) fn f32_const(builder: &mut FunctionBuilder, stacks: &mut Stacks, bits: u32) {
    let c = builder.ins().f32const(Ieee32::with_bits(bits));
    stacks.push(c);
}

pub(crate) fn f64_const(builder: &mut FunctionBuilder, stacks: &mut Stacks, bits: u64) {
    let c = builder.ins().f64const(Ieee64::with_bits(bits));
    stacks.push(c);
}

/// Applies a one-operand instruction to the top of the stack.
pub(crate) fn unary(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    f: impl FnOnce(&mut FunctionBuilder, Value) -> Value,
) {
    let x = stacks.pop();
    let r = f(builder, x);
    stacks.push(r);
}

/// Applies a two-operand instruction to the top two values.
pub(crate) fn binary(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    f: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value,
) {
    let (x, y) = stacks.pop2();
    let r = f(builder, x, y);
    stacks.push(r);
}

/// `i64.add128` / `i64.sub128`: 128-bit arithmetic on (lo, hi) pairs.
pub(crate) fn wide_add_sub(builder: &mut FunctionBuilder, stacks: &mut Stacks, sub: bool) {
    let (a_hi, b_lo, b_hi) = stacks.pop3();
    let a_lo = stacks.pop();
    let a = builder.ins().iconcat(a_lo, a_hi);
    let b = builder.ins().iconcat(b_lo, b_hi);
    let r = if sub {
        builder.ins().isub(a, b)
    } else {
        builder.ins().iadd(a, b)
    };
    let (lo, hi) = builder.ins().isplit(r);
    stacks.push(lo);
    stacks.push(hi);
}

/// `i64.mul_wide_s` / `i64.mul_wide_u`: the full 128-bit product as (lo, hi).
pub(crate) fn mul_wide(builder: &mut FunctionBuilder, stacks: &mut Stacks, signed: bool) {
    let (a, b) = stacks.pop2();
    let lo = builder.ins().imul(a, b);
    let hi = if signed {
        builder.ins().smulhi(a, b)
    } else {
        builder.ins().umulhi(a, b)
    };
    stacks.push(lo);
    stacks.push(hi);
}

/// Integer comparison producing a wasm i32 boolean.
pub(crate) fn icmp(builder: &mut FunctionBuilder, stacks: &mut Stacks, cc: IntCC) {
    let (x, y) = stacks.pop2();
    let b = builder.ins().icmp(cc, x, y);
    let r = builder.ins().uextend(types::I32, b);
    stacks.push(r);
}

/// `eqz`.
pub(crate) fn eqz(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let x = stacks.pop();
    let b = builder.ins().icmp_imm_s(IntCC::Equal, x, 0);
    let r = builder.ins().uextend(types::I32, b);
    stacks.push(r);
}

/// Float comparison producing a wasm i32 boolean (false on NaN except `ne`).
pub(crate) fn fcmp(builder: &mut FunctionBuilder, stacks: &mut Stacks, cc: FloatCC) {
    let (x, y) = stacks.pop2();
    let b = builder.ins().fcmp(cc, x, y);
    let r = builder.ins().uextend(types::I32, b);
    stacks.push(r);
}
