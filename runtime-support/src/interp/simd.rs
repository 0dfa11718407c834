//! SIMD and relaxed SIMD instructions (`abi::interp::SIMD + n`, `n` the
//! `0xfd` sub-opcode; formats in `abi::interp`, "SIMD formats").
//!
//! A `v128` is handled as a `u128` whose byte `i` (bits `8i..8i+8`) is
//! the vector's byte `i` in wasm (little-endian) order, so lane `k` of
//! width `w` is bits `wk..wk+w` on every host. The lane-wise operators are
//! pure functions of such values ([`lanes`], [`shift`], [`reduce`],
//! [`ternary`]), the memory and lane instructions are in [`exec`].
//!
//! Relaxed SIMD gives the results compiled smelt gives on every target
//! (`compiler/src/translate/relaxed_simd.rs`): each relaxed instruction
//! is its deterministic counterpart (`swizzle`, `trunc_sat`, `bitselect`,
//! `min`/`max`, `q15mulr_sat`), `madd`/`nmadd` are unfused (two
//! roundings), and the dot products take both operands as signed i8 with
//! wrapping i16 sums.

use super::exec::ModRefs;
use super::exec::{fmax32, fmax64, fmin32, fmin64, r32, r64, w32, w64};
use super::other::Stop;
use crate::abi::interp as ir;
use crate::abi::{TrapKind, VMMemoryDefinition, VMOffsets};
use crate::trap::Trap;
use crate::values::ValRaw;

type V = u128;

// ---- lanes ----

#[inline(always)]
fn l8(v: V, i: usize) -> u8 {
    (v >> (8 * i)) as u8
}
#[inline(always)]
fn l16(v: V, i: usize) -> u16 {
    (v >> (16 * i)) as u16
}
#[inline(always)]
fn l32(v: V, i: usize) -> u32 {
    (v >> (32 * i)) as u32
}
#[inline(always)]
fn l64(v: V, i: usize) -> u64 {
    (v >> (64 * i)) as u64
}
#[inline(always)]
fn s8(v: V, i: usize) -> i32 {
    l8(v, i) as i8 as i32
}
#[inline(always)]
fn s16(v: V, i: usize) -> i32 {
    l16(v, i) as i16 as i32
}
#[inline(always)]
fn s32(v: V, i: usize) -> i64 {
    l32(v, i) as i32 as i64
}
#[inline(always)]
fn i32l(v: V, i: usize) -> i32 {
    l32(v, i) as i32
}
#[inline(always)]
fn s64(v: V, i: usize) -> i64 {
    l64(v, i) as i64
}
#[inline(always)]
fn f32l(v: V, i: usize) -> f32 {
    f32::from_bits(l32(v, i))
}
#[inline(always)]
fn f64l(v: V, i: usize) -> f64 {
    f64::from_bits(l64(v, i))
}

/// The vector whose 8-bit lane `i` is `f(i)`.
#[inline(always)]
fn from8(f: impl Fn(usize) -> u8) -> V {
    (0..16).fold(0, |r, i| r | (f(i) as V) << (8 * i))
}
#[inline(always)]
fn from16(f: impl Fn(usize) -> u16) -> V {
    (0..8).fold(0, |r, i| r | (f(i) as V) << (16 * i))
}
#[inline(always)]
fn from32(f: impl Fn(usize) -> u32) -> V {
    (0..4).fold(0, |r, i| r | (f(i) as V) << (32 * i))
}
#[inline(always)]
fn from64(f: impl Fn(usize) -> u64) -> V {
    (0..2).fold(0, |r, i| r | (f(i) as V) << (64 * i))
}
#[inline(always)]
fn fromf32(f: impl Fn(usize) -> f32) -> V {
    from32(|i| f(i).to_bits())
}
#[inline(always)]
fn fromf64(f: impl Fn(usize) -> f64) -> V {
    from64(|i| f(i).to_bits())
}

/// All ones for true (truncated to the lane width by the caller).
#[inline(always)]
fn m(b: bool) -> u64 {
    if b { u64::MAX } else { 0 }
}

/// Sign bit of an f32/f64 lane, for the bitwise `abs`/`neg`.
const SIGN32: u32 = 1 << 31;
const SIGN64: u64 = 1 << 63;

#[inline(always)]
fn sat_s8(x: i32) -> u8 {
    x.clamp(i8::MIN as i32, i8::MAX as i32) as i8 as u8
}
#[inline(always)]
fn sat_u8(x: i32) -> u8 {
    x.clamp(0, u8::MAX as i32) as u8
}
#[inline(always)]
fn sat_s16(x: i32) -> u16 {
    x.clamp(i16::MIN as i32, i16::MAX as i32) as i16 as u16
}
#[inline(always)]
fn sat_u16(x: i32) -> u16 {
    x.clamp(0, u16::MAX as i32) as u16
}

/// `x` with a NaN made quiet (the rounding functions pass a signalling
/// NaN through; wasm wants an arithmetic NaN).
#[inline(always)]
fn q32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        x
    }
}
#[inline(always)]
fn q64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        x
    }
}

/// `i16x8.q15mulr_sat_s` of one lane (also `relaxed_q15mulr_s`).
#[inline(always)]
fn q15mulr(x: i32, y: i32) -> u16 {
    sat_s16((x * y + 0x4000) >> 15)
}

/// `f32x4.pmin`: `b < a ? b : a` (no NaN or -0 rules).
#[inline(always)]
fn pmin32(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}
#[inline(always)]
fn pmax32(a: f32, b: f32) -> f32 {
    if a < b { b } else { a }
}
#[inline(always)]
fn pmin64(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}
#[inline(always)]
fn pmax64(a: f64, b: f64) -> f64 {
    if a < b { b } else { a }
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`: signed × signed, wrapping i16 sums.
#[inline(always)]
fn dot_i8(a: V, b: V) -> V {
    from16(|i| {
        let lo = (s8(a, 2 * i) * s8(b, 2 * i)) as i16;
        let hi = (s8(a, 2 * i + 1) * s8(b, 2 * i + 1)) as i16;
        lo.wrapping_add(hi) as u16
    })
}

/// The `v128 → v128` and `v128 × v128 → v128` operators (`b` is ignored
/// by the unary ones), or `None` if `n` is not one.
#[allow(clippy::too_many_lines, reason = "one arm per operator")]
pub(crate) fn lanes(n: u16, a: V, b: V) -> Option<V> {
    Some(match n {
        0x0e | 0x100 => {
            // i8x16.swizzle, i8x16.relaxed_swizzle
            from8(|i| {
                let k = l8(b, i) as usize;
                if k < 16 { l8(a, k) } else { 0 }
            })
        }
        // ---- comparisons ----
        0x23 => from8(|i| m(l8(a, i) == l8(b, i)) as u8),
        0x24 => from8(|i| m(l8(a, i) != l8(b, i)) as u8),
        0x25 => from8(|i| m(s8(a, i) < s8(b, i)) as u8),
        0x26 => from8(|i| m(l8(a, i) < l8(b, i)) as u8),
        0x27 => from8(|i| m(s8(a, i) > s8(b, i)) as u8),
        0x28 => from8(|i| m(l8(a, i) > l8(b, i)) as u8),
        0x29 => from8(|i| m(s8(a, i) <= s8(b, i)) as u8),
        0x2a => from8(|i| m(l8(a, i) <= l8(b, i)) as u8),
        0x2b => from8(|i| m(s8(a, i) >= s8(b, i)) as u8),
        0x2c => from8(|i| m(l8(a, i) >= l8(b, i)) as u8),
        0x2d => from16(|i| m(l16(a, i) == l16(b, i)) as u16),
        0x2e => from16(|i| m(l16(a, i) != l16(b, i)) as u16),
        0x2f => from16(|i| m(s16(a, i) < s16(b, i)) as u16),
        0x30 => from16(|i| m(l16(a, i) < l16(b, i)) as u16),
        0x31 => from16(|i| m(s16(a, i) > s16(b, i)) as u16),
        0x32 => from16(|i| m(l16(a, i) > l16(b, i)) as u16),
        0x33 => from16(|i| m(s16(a, i) <= s16(b, i)) as u16),
        0x34 => from16(|i| m(l16(a, i) <= l16(b, i)) as u16),
        0x35 => from16(|i| m(s16(a, i) >= s16(b, i)) as u16),
        0x36 => from16(|i| m(l16(a, i) >= l16(b, i)) as u16),
        0x37 => from32(|i| m(l32(a, i) == l32(b, i)) as u32),
        0x38 => from32(|i| m(l32(a, i) != l32(b, i)) as u32),
        0x39 => from32(|i| m(s32(a, i) < s32(b, i)) as u32),
        0x3a => from32(|i| m(l32(a, i) < l32(b, i)) as u32),
        0x3b => from32(|i| m(s32(a, i) > s32(b, i)) as u32),
        0x3c => from32(|i| m(l32(a, i) > l32(b, i)) as u32),
        0x3d => from32(|i| m(s32(a, i) <= s32(b, i)) as u32),
        0x3e => from32(|i| m(l32(a, i) <= l32(b, i)) as u32),
        0x3f => from32(|i| m(s32(a, i) >= s32(b, i)) as u32),
        0x40 => from32(|i| m(l32(a, i) >= l32(b, i)) as u32),
        0x41 => from32(|i| m(f32l(a, i) == f32l(b, i)) as u32),
        0x42 => from32(|i| m(f32l(a, i) != f32l(b, i)) as u32),
        0x43 => from32(|i| m(f32l(a, i) < f32l(b, i)) as u32),
        0x44 => from32(|i| m(f32l(a, i) > f32l(b, i)) as u32),
        0x45 => from32(|i| m(f32l(a, i) <= f32l(b, i)) as u32),
        0x46 => from32(|i| m(f32l(a, i) >= f32l(b, i)) as u32),
        0x47 => from64(|i| m(f64l(a, i) == f64l(b, i))),
        0x48 => from64(|i| m(f64l(a, i) != f64l(b, i))),
        0x49 => from64(|i| m(f64l(a, i) < f64l(b, i))),
        0x4a => from64(|i| m(f64l(a, i) > f64l(b, i))),
        0x4b => from64(|i| m(f64l(a, i) <= f64l(b, i))),
        0x4c => from64(|i| m(f64l(a, i) >= f64l(b, i))),
        0xd6 => from64(|i| m(l64(a, i) == l64(b, i))),
        0xd7 => from64(|i| m(l64(a, i) != l64(b, i))),
        0xd8 => from64(|i| m(s64(a, i) < s64(b, i))),
        0xd9 => from64(|i| m(s64(a, i) > s64(b, i))),
        0xda => from64(|i| m(s64(a, i) <= s64(b, i))),
        0xdb => from64(|i| m(s64(a, i) >= s64(b, i))),
        // ---- bitwise ----
        0x4d => !a,
        0x4e => a & b,
        0x4f => a & !b,
        0x50 => a | b,
        0x51 => a ^ b,
        // ---- conversions between shapes ----
        0x5e => from32(|i| {
            if i < 2 {
                (f64l(a, i) as f32).to_bits()
            } else {
                0
            }
        }),
        0x5f => fromf64(|i| f32l(a, i) as f64),
        0x65 => from8(|i| sat_s8(if i < 8 { s16(a, i) } else { s16(b, i - 8) })),
        0x66 => from8(|i| sat_u8(if i < 8 { s16(a, i) } else { s16(b, i - 8) })),
        0x85 => from16(|i| sat_s16(if i < 4 { i32l(a, i) } else { i32l(b, i - 4) })),
        0x86 => from16(|i| sat_u16(if i < 4 { i32l(a, i) } else { i32l(b, i - 4) })),
        0x87 => from16(|i| s8(a, i) as u16),
        0x88 => from16(|i| s8(a, i + 8) as u16),
        0x89 => from16(|i| l8(a, i) as u16),
        0x8a => from16(|i| l8(a, i + 8) as u16),
        0xa7 => from32(|i| s16(a, i) as u32),
        0xa8 => from32(|i| s16(a, i + 4) as u32),
        0xa9 => from32(|i| l16(a, i) as u32),
        0xaa => from32(|i| l16(a, i + 4) as u32),
        0xc7 => from64(|i| s32(a, i) as u64),
        0xc8 => from64(|i| s32(a, i + 2) as u64),
        0xc9 => from64(|i| l32(a, i) as u64),
        0xca => from64(|i| l32(a, i + 2) as u64),
        0x7c => from16(|i| (s8(a, 2 * i) + s8(a, 2 * i + 1)) as u16),
        0x7d => from16(|i| l8(a, 2 * i) as u16 + l8(a, 2 * i + 1) as u16),
        0x7e => from32(|i| (s16(a, 2 * i) + s16(a, 2 * i + 1)) as u32),
        0x7f => from32(|i| l16(a, 2 * i) as u32 + l16(a, 2 * i + 1) as u32),
        0xf8 | 0x101 => from32(|i| f32l(a, i) as i32 as u32),
        0xf9 | 0x102 => from32(|i| f32l(a, i) as u32),
        0xfa => fromf32(|i| l32(a, i) as i32 as f32),
        0xfb => fromf32(|i| l32(a, i) as f32),
        0xfc | 0x103 => from32(|i| if i < 2 { f64l(a, i) as i32 as u32 } else { 0 }),
        0xfd | 0x104 => from32(|i| if i < 2 { f64l(a, i) as u32 } else { 0 }),
        0xfe => fromf64(|i| l32(a, i) as i32 as f64),
        0xff => fromf64(|i| l32(a, i) as f64),
        // ---- i8x16 ----
        0x60 => from8(|i| (l8(a, i) as i8).wrapping_abs() as u8),
        0x61 => from8(|i| l8(a, i).wrapping_neg()),
        0x62 => from8(|i| l8(a, i).count_ones() as u8),
        0x6e => from8(|i| l8(a, i).wrapping_add(l8(b, i))),
        0x6f => from8(|i| (l8(a, i) as i8).saturating_add(l8(b, i) as i8) as u8),
        0x70 => from8(|i| l8(a, i).saturating_add(l8(b, i))),
        0x71 => from8(|i| l8(a, i).wrapping_sub(l8(b, i))),
        0x72 => from8(|i| (l8(a, i) as i8).saturating_sub(l8(b, i) as i8) as u8),
        0x73 => from8(|i| l8(a, i).saturating_sub(l8(b, i))),
        0x76 => from8(|i| s8(a, i).min(s8(b, i)) as u8),
        0x77 => from8(|i| l8(a, i).min(l8(b, i))),
        0x78 => from8(|i| s8(a, i).max(s8(b, i)) as u8),
        0x79 => from8(|i| l8(a, i).max(l8(b, i))),
        0x7b => from8(|i| ((l8(a, i) as u16 + l8(b, i) as u16 + 1) >> 1) as u8),
        // ---- i16x8 ----
        0x80 => from16(|i| (l16(a, i) as i16).wrapping_abs() as u16),
        0x81 => from16(|i| l16(a, i).wrapping_neg()),
        0x82 | 0x111 => from16(|i| q15mulr(s16(a, i), s16(b, i))),
        0x8e => from16(|i| l16(a, i).wrapping_add(l16(b, i))),
        0x8f => from16(|i| (l16(a, i) as i16).saturating_add(l16(b, i) as i16) as u16),
        0x90 => from16(|i| l16(a, i).saturating_add(l16(b, i))),
        0x91 => from16(|i| l16(a, i).wrapping_sub(l16(b, i))),
        0x92 => from16(|i| (l16(a, i) as i16).saturating_sub(l16(b, i) as i16) as u16),
        0x93 => from16(|i| l16(a, i).saturating_sub(l16(b, i))),
        0x95 => from16(|i| l16(a, i).wrapping_mul(l16(b, i))),
        0x96 => from16(|i| s16(a, i).min(s16(b, i)) as u16),
        0x97 => from16(|i| l16(a, i).min(l16(b, i))),
        0x98 => from16(|i| s16(a, i).max(s16(b, i)) as u16),
        0x99 => from16(|i| l16(a, i).max(l16(b, i))),
        0x9b => from16(|i| ((l16(a, i) as u32 + l16(b, i) as u32 + 1) >> 1) as u16),
        0x9c => from16(|i| (s8(a, i) * s8(b, i)) as u16),
        0x9d => from16(|i| (s8(a, i + 8) * s8(b, i + 8)) as u16),
        0x9e => from16(|i| l8(a, i) as u16 * l8(b, i) as u16),
        0x9f => from16(|i| l8(a, i + 8) as u16 * l8(b, i + 8) as u16),
        0x112 => dot_i8(a, b),
        // ---- i32x4 ----
        0xa0 => from32(|i| (l32(a, i) as i32).wrapping_abs() as u32),
        0xa1 => from32(|i| l32(a, i).wrapping_neg()),
        0xae => from32(|i| l32(a, i).wrapping_add(l32(b, i))),
        0xb1 => from32(|i| l32(a, i).wrapping_sub(l32(b, i))),
        0xb5 => from32(|i| l32(a, i).wrapping_mul(l32(b, i))),
        0xb6 => from32(|i| s32(a, i).min(s32(b, i)) as u32),
        0xb7 => from32(|i| l32(a, i).min(l32(b, i))),
        0xb8 => from32(|i| s32(a, i).max(s32(b, i)) as u32),
        0xb9 => from32(|i| l32(a, i).max(l32(b, i))),
        0xba => from32(|i| {
            let lo = s16(a, 2 * i) * s16(b, 2 * i);
            let hi = s16(a, 2 * i + 1) * s16(b, 2 * i + 1);
            lo.wrapping_add(hi) as u32
        }),
        0xbc => from32(|i| (s16(a, i) * s16(b, i)) as u32),
        0xbd => from32(|i| (s16(a, i + 4) * s16(b, i + 4)) as u32),
        0xbe => from32(|i| l16(a, i) as u32 * l16(b, i) as u32),
        0xbf => from32(|i| l16(a, i + 4) as u32 * l16(b, i + 4) as u32),
        // ---- i64x2 ----
        0xc0 => from64(|i| (l64(a, i) as i64).wrapping_abs() as u64),
        0xc1 => from64(|i| l64(a, i).wrapping_neg()),
        0xce => from64(|i| l64(a, i).wrapping_add(l64(b, i))),
        0xd1 => from64(|i| l64(a, i).wrapping_sub(l64(b, i))),
        0xd5 => from64(|i| l64(a, i).wrapping_mul(l64(b, i))),
        0xdc => from64(|i| (s32(a, i) * s32(b, i)) as u64),
        0xdd => from64(|i| (s32(a, i + 2) * s32(b, i + 2)) as u64),
        0xde => from64(|i| l32(a, i) as u64 * l32(b, i) as u64),
        0xdf => from64(|i| l32(a, i + 2) as u64 * l32(b, i + 2) as u64),
        // ---- f32x4 ----
        0x67 => fromf32(|i| q32(f32l(a, i).ceil())),
        0x68 => fromf32(|i| q32(f32l(a, i).floor())),
        0x69 => fromf32(|i| q32(f32l(a, i).trunc())),
        0x6a => fromf32(|i| q32(f32l(a, i).round_ties_even())),
        0xe0 => from32(|i| l32(a, i) & !SIGN32),
        0xe1 => from32(|i| l32(a, i) ^ SIGN32),
        0xe3 => fromf32(|i| f32l(a, i).sqrt()),
        0xe4 => fromf32(|i| f32l(a, i) + f32l(b, i)),
        0xe5 => fromf32(|i| f32l(a, i) - f32l(b, i)),
        0xe6 => fromf32(|i| f32l(a, i) * f32l(b, i)),
        0xe7 => fromf32(|i| f32l(a, i) / f32l(b, i)),
        0xe8 | 0x10d => fromf32(|i| fmin32(f32l(a, i), f32l(b, i))),
        0xe9 | 0x10e => fromf32(|i| fmax32(f32l(a, i), f32l(b, i))),
        0xea => fromf32(|i| pmin32(f32l(a, i), f32l(b, i))),
        0xeb => fromf32(|i| pmax32(f32l(a, i), f32l(b, i))),
        // ---- f64x2 ----
        0x74 => fromf64(|i| q64(f64l(a, i).ceil())),
        0x75 => fromf64(|i| q64(f64l(a, i).floor())),
        0x7a => fromf64(|i| q64(f64l(a, i).trunc())),
        0x94 => fromf64(|i| q64(f64l(a, i).round_ties_even())),
        0xec => from64(|i| l64(a, i) & !SIGN64),
        0xed => from64(|i| l64(a, i) ^ SIGN64),
        0xef => fromf64(|i| f64l(a, i).sqrt()),
        0xf0 => fromf64(|i| f64l(a, i) + f64l(b, i)),
        0xf1 => fromf64(|i| f64l(a, i) - f64l(b, i)),
        0xf2 => fromf64(|i| f64l(a, i) * f64l(b, i)),
        0xf3 => fromf64(|i| f64l(a, i) / f64l(b, i)),
        0xf4 | 0x10f => fromf64(|i| fmin64(f64l(a, i), f64l(b, i))),
        0xf5 | 0x110 => fromf64(|i| fmax64(f64l(a, i), f64l(b, i))),
        0xf6 => fromf64(|i| pmin64(f64l(a, i), f64l(b, i))),
        0xf7 => fromf64(|i| pmax64(f64l(a, i), f64l(b, i))),
        _ => return None,
    })
}

/// The shifts (`v128 × i32 → v128`; the count is taken modulo the lane
/// width), or `None` if `n` is not one.
pub(crate) fn shift(n: u16, a: V, s: u32) -> Option<V> {
    let (k8, k16, k32, k64) = (s & 7, s & 15, s & 31, s & 63);
    Some(match n {
        0x6b => from8(|i| l8(a, i) << k8),
        0x6c => from8(|i| ((l8(a, i) as i8) >> k8) as u8),
        0x6d => from8(|i| l8(a, i) >> k8),
        0x8b => from16(|i| l16(a, i) << k16),
        0x8c => from16(|i| ((l16(a, i) as i16) >> k16) as u16),
        0x8d => from16(|i| l16(a, i) >> k16),
        0xab => from32(|i| l32(a, i) << k32),
        0xac => from32(|i| ((l32(a, i) as i32) >> k32) as u32),
        0xad => from32(|i| l32(a, i) >> k32),
        0xcb => from64(|i| l64(a, i) << k64),
        0xcc => from64(|i| ((l64(a, i) as i64) >> k64) as u64),
        0xcd => from64(|i| l64(a, i) >> k64),
        _ => return None,
    })
}

/// The `v128 → i32` operators (`any_true`, `all_true`, `bitmask`), or
/// `None` if `n` is not one.
pub(crate) fn reduce(n: u16, a: V) -> Option<u32> {
    let bits = |lanes: usize, width: usize| {
        (0..lanes).fold(0u32, |r, i| {
            r | (((a >> (width * i + width - 1)) & 1) as u32) << i
        })
    };
    Some(match n {
        0x53 => (a != 0) as u32,
        0x63 => (0..16).all(|i| l8(a, i) != 0) as u32,
        0x83 => (0..8).all(|i| l16(a, i) != 0) as u32,
        0xa3 => (0..4).all(|i| l32(a, i) != 0) as u32,
        0xc3 => (0..2).all(|i| l64(a, i) != 0) as u32,
        0x64 => bits(16, 8),
        0x84 => bits(8, 16),
        0xa4 => bits(4, 32),
        0xc4 => bits(2, 64),
        _ => return None,
    })
}

/// The three-operand operators, or `None` if `n` is not one.
pub(crate) fn ternary(n: u16, a: V, b: V, c: V) -> Option<V> {
    Some(match n {
        // v128.bitselect and relaxed_laneselect (every mask bit selects).
        0x52 | 0x109..=0x10c => (a & c) | (b & !c),
        // Relaxed (n)madd, unfused: `(±a) * b` rounded, then `+ c`.
        0x105 => fromf32(|i| f32l(a, i) * f32l(b, i) + f32l(c, i)),
        0x106 => fromf32(|i| -f32l(a, i) * f32l(b, i) + f32l(c, i)),
        0x107 => fromf64(|i| f64l(a, i) * f64l(b, i) + f64l(c, i)),
        0x108 => fromf64(|i| -f64l(a, i) * f64l(b, i) + f64l(c, i)),
        0x113 => {
            let d = dot_i8(a, b);
            from32(|i| {
                let sum = l16(d, 2 * i) as i16 as i32 + l16(d, 2 * i + 1) as i16 as i32;
                sum.wrapping_add(l32(c, i) as i32) as u32
            })
        }
        _ => return None,
    })
}

/// Shuffle: lane `i` of the result is byte `lanes[i] & 31` of `a ++ b`.
pub(crate) fn shuffle(a: V, b: V, lanes: [u32; 4]) -> V {
    from8(|i| {
        let k = ((lanes[i / 4] >> (8 * (i % 4))) & 31) as usize;
        if k < 16 { l8(a, k) } else { l8(b, k - 16) }
    })
}

/// Splats (`n` = 0x0f..=0x14) of a scalar's bits.
fn splat(n: u16, x: u64) -> V {
    match n {
        0x0f => from8(|_| x as u8),
        0x10 => from16(|_| x as u16),
        0x11 | 0x13 => from32(|_| x as u32),
        _ => from64(|_| x),
    }
}

/// Lane width in bytes of the lane instructions (extract, replace, memory
/// lane ops) and the splat loads.
fn lane_bytes(n: u16) -> usize {
    match n {
        0x07 | 0x15..=0x17 | 0x54 | 0x58 => 1,
        0x08 | 0x18..=0x1a | 0x55 | 0x59 => 2,
        0x09 | 0x1b | 0x1c | 0x1f | 0x20 | 0x56 | 0x5a | 0x5c => 4,
        _ => 8,
    }
}

/// `v` with lane `lane` (of `size` bytes) replaced by the low bytes of `x`.
fn replace(v: V, size: usize, lane: u32, x: u64) -> V {
    let bits = 8 * size;
    let lmask = if size == 8 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let sh = bits * (lane as usize % (16 / size));
    (v & !((lmask as V) << sh)) | ((x & lmask) as V) << sh
}

/// A v128 load of `n` (0x00..=0x0a, 0x5c, 0x5d) from the `size` bytes
/// read as `x` (little-endian, zero above `size`).
fn load(n: u16, x: V) -> V {
    match n {
        0x01 => from16(|i| s8(x, i) as u16),
        0x02 => from16(|i| l8(x, i) as u16),
        0x03 => from32(|i| s16(x, i) as u32),
        0x04 => from32(|i| l16(x, i) as u32),
        0x05 => from64(|i| s32(x, i) as u64),
        0x06 => from64(|i| l32(x, i) as u64),
        0x07..=0x0a => splat(0x0f + (n - 0x07), x as u64),
        // v128.load, load32_zero, load64_zero: `x` is zero above `size`.
        _ => x,
    }
}

/// Bytes a memory instruction accesses.
fn access_bytes(n: u16) -> usize {
    match n {
        0x00 | 0x0b => 16,
        0x01..=0x06 => 8,
        _ => lane_bytes(n),
    }
}

/// The host address of the access at `[-|-] [addr|mem] offset [offset_hi]`
/// (`w1` is the second word, `imm` points to the offset) of `size` bytes,
/// and the number of offset words.
///
/// # Safety
///
/// As for [`exec`].
unsafe fn address(
    vmctx: *mut u8,
    off: &VMOffsets,
    fp: *mut ValRaw,
    w1: u32,
    imm: *const u32,
    size: usize,
) -> Result<(*mut u8, usize), Stop> {
    let (s, mw) = (w1 & 0xffff, w1 >> 16);
    let is64 = mw & ir::IDX64_HALF != 0;
    // SAFETY: per the contract: `s` is a slot, the offset words follow,
    // the memories area holds one pointer per memory.
    unsafe {
        let (addr, offset, words) = if is64 {
            (r64(fp, s), *imm as u64 | (*imm.add(1) as u64) << 32, 2)
        } else {
            (r32(fp, s) as u64, *imm as u64, 1)
        };
        let def = *(vmctx.add(off.memory(mw & !ir::IDX64_HALF) as usize)
            as *const *const VMMemoryDefinition);
        let start = addr.checked_add(offset);
        let end = start.and_then(|x| x.checked_add(size as u64));
        match (start, end) {
            (Some(start), Some(end)) if end <= (*def).length as u64 => {
                Ok(((*def).base.add(start as usize), words))
            }
            _ => Err(TrapKind::MemoryOutOfBounds.into()),
        }
    }
}

#[inline(always)]
unsafe fn rv(fp: *mut ValRaw, s: u32) -> V {
    // SAFETY: the caller passes a slot of the current frame.
    unsafe { (*fp.add(s as usize)).u128() }
}
#[inline(always)]
unsafe fn wv(fp: *mut ValRaw, s: u32, v: V) {
    // SAFETY: as for rv.
    unsafe { *fp.add(s as usize) = ValRaw::from_u128(v) }
}

/// Executes SIMD instruction `n` at `ip`; returns its length in words.
///
/// # Safety
///
/// The instruction belongs to a function of the instance `vmctx` running
/// in the frame at `fp`.
pub(crate) unsafe fn exec(
    n: u16,
    r: &ModRefs<'_>,
    vmctx: *mut u8,
    off: &VMOffsets,
    fp: *mut ValRaw,
    ip: *const u32,
) -> Result<usize, Stop> {
    let _ = r;
    // SAFETY: per the contract, the instruction's words and slot operands
    // are those the translator wrote for operator `n` (formats in
    // `abi::interp`); memory accesses are bounds-checked by `address`.
    unsafe {
        let w = *ip;
        let d = w >> 16;
        let w1 = *ip.add(1);
        let (b, c) = (w1 & 0xffff, w1 >> 16);
        Ok(match n {
            // Loads `[op|dst] [addr|mem] offset [offset_hi]`.
            0x00..=0x0a | 0x5c | 0x5d => {
                let size = access_bytes(n);
                let (p, words) = address(vmctx, off, fp, w1, ip.add(2), size)?;
                let mut buf = [0u8; 16];
                std::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), size);
                wv(fp, d, load(n, V::from_le_bytes(buf)));
                2 + words
            }
            // Store `[op|value] [addr|mem] offset [offset_hi]`.
            0x0b => {
                let (p, words) = address(vmctx, off, fp, w1, ip.add(2), 16)?;
                let bytes = rv(fp, d).to_le_bytes();
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, 16);
                2 + words
            }
            // Lane loads `[op|dst] [addr|mem] [vec|lane] offset [offset_hi]`.
            0x54..=0x57 => {
                let size = access_bytes(n);
                let w2 = *ip.add(2);
                let (p, words) = address(vmctx, off, fp, w1, ip.add(3), size)?;
                let mut buf = [0u8; 8];
                std::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), size);
                let x = u64::from_le_bytes(buf);
                wv(fp, d, replace(rv(fp, w2 & 0xffff), size, w2 >> 16, x));
                3 + words
            }
            // Lane stores `[op|-] [addr|mem] [vec|lane] offset [offset_hi]`.
            0x58..=0x5b => {
                let size = access_bytes(n);
                let w2 = *ip.add(2);
                let (p, words) = address(vmctx, off, fp, w1, ip.add(3), size)?;
                let lane = (w2 >> 16) as usize % (16 / size);
                let bytes = (rv(fp, w2 & 0xffff) >> (8 * size * lane)).to_le_bytes();
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, size);
                3 + words
            }
            // `[op|dst] [a|b] lanes0 lanes1 lanes2 lanes3`.
            0x0d => {
                let lanes = [*ip.add(2), *ip.add(3), *ip.add(4), *ip.add(5)];
                wv(fp, d, shuffle(rv(fp, b), rv(fp, c), lanes));
                6
            }
            // Splats `[op|dst] [src|-]`.
            0x0f..=0x14 => {
                let x = if matches!(n, 0x12 | 0x14) {
                    r64(fp, b)
                } else {
                    r32(fp, b) as u64
                };
                wv(fp, d, splat(n, x));
                2
            }
            // Extracts `[op|dst] [src|lane]`.
            0x15 | 0x16 | 0x18 | 0x19 | 0x1b | 0x1d | 0x1f | 0x21 => {
                let size = lane_bytes(n);
                let v = rv(fp, b) >> (8 * size * (c as usize % (16 / size)));
                match n {
                    0x15 => w32(fp, d, v as i8 as u32),
                    0x16 => w32(fp, d, v as u8 as u32),
                    0x18 => w32(fp, d, v as i16 as u32),
                    0x19 => w32(fp, d, v as u16 as u32),
                    0x1b | 0x1f => w32(fp, d, v as u32),
                    _ => w64(fp, d, v as u64),
                }
                2
            }
            // Replaces `[op|dst] [vec|scalar] lane`.
            0x17 | 0x1a | 0x1c | 0x1e | 0x20 | 0x22 => {
                let size = lane_bytes(n);
                let x = if size == 8 {
                    r64(fp, c)
                } else {
                    r32(fp, c) as u64
                };
                wv(fp, d, replace(rv(fp, b), size, *ip.add(2), x));
                3
            }
            // Shifts `[op|dst] [vec|count]`.
            0x6b..=0x6d | 0x8b..=0x8d | 0xab..=0xad | 0xcb..=0xcd => {
                let v = shift(n, rv(fp, b), r32(fp, c)).expect("a shift");
                wv(fp, d, v);
                2
            }
            // `[op|dst] [src|-]` with an i32 result.
            0x53 | 0x63 | 0x64 | 0x83 | 0x84 | 0xa3 | 0xa4 | 0xc3 | 0xc4 => {
                let x = reduce(n, rv(fp, b)).expect("a reduction");
                w32(fp, d, x);
                2
            }
            // Ternary `[op|dst] [a|b] [c|-]`.
            0x52 | 0x105..=0x10c | 0x113 => {
                let s3 = *ip.add(2) & 0xffff;
                let v = ternary(n, rv(fp, b), rv(fp, c), rv(fp, s3)).expect("a ternary op");
                wv(fp, d, v);
                3
            }
            // Unary `[op|dst] [src|-]` and binary `[op|dst] [lhs|rhs]`.
            _ => {
                let Some(v) = lanes(n, rv(fp, b), rv(fp, c)) else {
                    return Err(Stop::Trap(Trap::host(format!(
                        "invalid SIMD instruction {n:#x}"
                    ))));
                };
                wv(fp, d, v);
                2
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v8(l: [i32; 16]) -> V {
        from8(|i| l[i] as u8)
    }
    fn v16(l: [i32; 8]) -> V {
        from16(|i| l[i] as u16)
    }
    fn v32(l: [u32; 4]) -> V {
        from32(|i| l[i])
    }
    fn f4(l: [f32; 4]) -> V {
        fromf32(|i| l[i])
    }
    fn f2(l: [f64; 2]) -> V {
        fromf64(|i| l[i])
    }
    fn bits4(v: V) -> [u32; 4] {
        [l32(v, 0), l32(v, 1), l32(v, 2), l32(v, 3)]
    }
    fn op(n: u16, a: V, b: V) -> V {
        lanes(n, a, b).expect("a lane op")
    }

    /// Every `0xfd` sub-opcode but `v128.const` (which the translator
    /// turns into a `Const128`).
    fn defined() -> impl Iterator<Item = u16> {
        (0x00..=0x113u16).filter(|&n| {
            n != 0x0c
                && !matches!(
                    n,
                    0x9a | 0xa2 | 0xa5 | 0xa6 | 0xaf | 0xb0 | 0xb2..=0xb4 | 0xbb | 0xc2
                        | 0xc5 | 0xc6 | 0xcf | 0xd0 | 0xd2..=0xd4 | 0xe2 | 0xee
                )
        })
    }

    #[test]
    fn each_operator_has_one_kind() {
        let memory = |n| matches!(n, 0x00..=0x0b | 0x54..=0x5d);
        let lane = |n| matches!(n, 0x0d | 0x0f..=0x22);
        for n in defined() {
            let kinds = [
                memory(n),
                lane(n),
                shift(n, 0, 0).is_some(),
                reduce(n, 0).is_some(),
                ternary(n, 0, 0, 0).is_some(),
                lanes(n, 0, 0).is_some(),
            ];
            assert_eq!(kinds.iter().filter(|&&k| k).count(), 1, "{n:#x}");
        }
        assert_eq!(lanes(0x9a, 0, 0), None);
        assert_eq!(lanes(0x114, 0, 0), None);
    }

    #[test]
    fn lane_layout_is_little_endian() {
        let v = V::from_le_bytes(std::array::from_fn(|i| i as u8));
        assert_eq!(l8(v, 3), 3);
        assert_eq!(l16(v, 1), 0x0302);
        assert_eq!(l32(v, 3), 0x0f0e0d0c);
        assert_eq!(l64(v, 1), 0x0f0e0d0c0b0a0908);
        assert_eq!(replace(v, 2, 7, 0xabcd) >> 112, 0xabcd);
        assert_eq!(replace(v, 1, 0, 0x1ff) & 0xffff, 0x01ff);
        assert_eq!(replace(v, 8, 1, 7), (v & u64::MAX as V) | 7 << 64);
    }

    #[test]
    fn loads_extend_and_splat() {
        let x: V = 0x8081_7f01_ff00_1234;
        assert_eq!(load(0x01, x), v16([0x34, 0x12, 0, -1, 1, 0x7f, -127, -128]));
        assert_eq!(
            load(0x02, x),
            v16([0x34, 0x12, 0, 0xff, 1, 0x7f, 0x81, 0x80])
        );
        assert_eq!(
            load(0x03, x),
            v32([0x1234, 0xffff_ff00, 0x7f01, 0xffff_8081])
        );
        assert_eq!(load(0x04, x), v32([0x1234, 0xff00, 0x7f01, 0x8081]));
        assert_eq!(
            load(0x05, x),
            from64(|i| [0xffff_ffff_ff00_1234, 0xffff_ffff_8081_7f01][i])
        );
        assert_eq!(load(0x06, x), from64(|i| [0xff00_1234, 0x8081_7f01][i]));
        assert_eq!(load(0x07, 0x85), from8(|_| 0x85));
        assert_eq!(load(0x08, 0x8586), from16(|_| 0x8586));
        assert_eq!(load(0x0a, x), from64(|_| x as u64));
        assert_eq!(load(0x5c, 0xdead), 0xdead);
    }

    #[test]
    fn swizzle_and_shuffle() {
        let a = V::from_le_bytes(std::array::from_fn(|i| i as u8 + 100));
        let idx = v8([0, 15, 16, 255, 128, 3, 17, 1, 2, 2, 2, 2, 31, 32, 14, 0]);
        let want = v8([
            100, 115, 0, 0, 0, 103, 0, 101, 102, 102, 102, 102, 0, 0, 114, 100,
        ]);
        assert_eq!(op(0x0e, a, idx), want);
        assert_eq!(op(0x100, a, idx), want);
        let b = V::from_le_bytes(std::array::from_fn(|i| i as u8 + 200));
        let lanes = [0x1f10_0f00, 0x0302_0100, 0x1716_1514, 0x0101_0101];
        let want = v8([
            100, 115, 200, 215, 100, 101, 102, 103, 204, 205, 206, 207, 101, 101, 101, 101,
        ]);
        assert_eq!(shuffle(a, b, lanes), want);
    }

    #[test]
    fn saturating_and_wrapping_integers() {
        let a = v8([127, -128, 100, -100, 0, 1, -1, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = v8([1, -1, 100, -100, 0, 0xff, 1, 0x81, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(l8(op(0x6f, a, b), 0), 127);
        assert_eq!(l8(op(0x6f, a, b), 1), 0x80);
        assert_eq!(l8(op(0x6f, a, b), 2), 127);
        assert_eq!(l8(op(0x6f, a, b), 3), 0x80);
        assert_eq!(l8(op(0x70, a, b), 5), 0xff);
        assert_eq!(l8(op(0x70, a, b), 6), 0xff);
        assert_eq!(l8(op(0x73, a, b), 4), 0);
        assert_eq!(l8(op(0x73, a, b), 5), 0);
        assert_eq!(l8(op(0x72, a, b), 1), 0x81);
        assert_eq!(op(0x72, v8([-128; 16]), v8([1; 16])), v8([-128; 16]));
        assert_eq!(op(0x72, v8([127; 16]), v8([-1; 16])), v8([127; 16]));
        assert_eq!(l8(op(0x72, a, b), 0), 126);
        assert_eq!(l8(op(0x6e, a, b), 0), 0x80);
        assert_eq!(l8(op(0x71, a, b), 1), 0x81);
        // abs/neg of the most negative lane wrap.
        assert_eq!(l8(op(0x60, a, 0), 1), 0x80);
        assert_eq!(l8(op(0x61, a, 0), 1), 0x80);
        assert_eq!(l8(op(0x60, a, 0), 3), 100);
        assert_eq!(l16(op(0x80, v16([-32768, -5, 0, 0, 0, 0, 0, 0]), 0), 1), 5);
        assert_eq!(
            l32(op(0xa0, v32([0x8000_0000, 0, 0, 0]), 0), 0),
            0x8000_0000
        );
        // min/max signedness.
        assert_eq!(l8(op(0x76, a, b), 7), 0x81);
        assert_eq!(l8(op(0x77, a, b), 7), 0x7f);
        assert_eq!(l8(op(0x78, a, b), 7), 0x7f);
        assert_eq!(l8(op(0x79, a, b), 7), 0x81);
        // avgr_u rounds up without overflowing.
        assert_eq!(l8(op(0x7b, v8([-1; 16]), v8([-1; 16])), 0), 0xff);
        assert_eq!(l8(op(0x7b, 0, v8([1; 16])), 0), 1);
        assert_eq!(l16(op(0x9b, v16([-1; 8]), v16([-2; 8])), 0), 0xffff);
        assert_eq!(
            op(
                0x62,
                v8([-1, 0, 0x55, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                0
            ) & 0xffff_ffff,
            0x0104_0008
        );
        // i16x8 saturating.
        let x = v16([32767, -32768, 1, -1, 0, 0, 0, 0]);
        let y = v16([1, -1, -1, 1, 0, 0, 0, 0]);
        assert_eq!(op(0x8f, x, y) & 0xffff_ffff, 0x8000_7fff);
        assert_eq!(l16(op(0x90, x, y), 2), 0xffff);
        assert_eq!(l16(op(0x93, x, y), 2), 0);
        assert_eq!(l16(op(0x93, y, x), 2), 0xfffe);
        assert_eq!(l16(op(0x92, x, y), 1), 0x8001);
        assert_eq!(op(0x92, v16([-32768; 8]), v16([1; 8])), v16([-32768; 8]));
        assert_eq!(op(0x92, v16([32767; 8]), v16([-1; 8])), v16([32767; 8]));
        assert_eq!(l16(op(0x95, x, x), 1), 0);
        assert_eq!(l16(op(0x95, x, x), 0), 1);
        // i64x2.
        let p = from64(|i| [u64::MAX, 5][i]);
        let q = from64(|i| [1, 3][i]);
        assert_eq!(op(0xd8, p, q), u64::MAX as V);
        assert_eq!(op(0xd9, p, q), (u64::MAX as V) << 64);
        assert_eq!(op(0xda, p, p), V::MAX);
        assert_eq!(op(0xdb, q, p), u64::MAX as V);
        assert_eq!(op(0xd5, p, q), from64(|i| [u64::MAX, 15][i]));
        assert_eq!(l64(op(0xc0, from64(|_| 1 << 63), 0), 0), 1 << 63);
    }

    #[test]
    fn comparisons() {
        let a = v8([-1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = v8([1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(op(0x25, a, b) & 0xffff, 0x00ff);
        assert_eq!(op(0x26, a, b) & 0xffff, 0xff00);
        assert_eq!(op(0x23, a, b), V::MAX << 16);
        assert_eq!(op(0x24, a, b), 0xffff);
        let nan = f32::NAN;
        let f = f4([nan, 1.0, -0.0, 2.0]);
        let g = f4([nan, 2.0, 0.0, 1.0]);
        assert_eq!(bits4(op(0x41, f, g)), [0, 0, !0, 0]);
        assert_eq!(bits4(op(0x42, f, g)), [!0, !0, 0, !0]);
        assert_eq!(bits4(op(0x43, f, g)), [0, !0, 0, 0]);
        assert_eq!(bits4(op(0x44, f, g)), [0, 0, 0, !0]);
        assert_eq!(bits4(op(0x45, f, g)), [0, !0, !0, 0]);
        assert_eq!(bits4(op(0x46, f, g)), [0, 0, !0, !0]);
        let d = f2([f64::NAN, -1.0]);
        assert_eq!(op(0x48, d, d), u64::MAX as V);
        assert_eq!(op(0x4b, d, d), (u64::MAX as V) << 64);
    }

    #[test]
    fn narrow_extend_and_pairwise() {
        let a = v16([300, -300, 127, -128, 255, 256, -1, 0]);
        let b = v16([1, 2, 3, 4, 5, 6, 7, -32768]);
        assert_eq!(
            op(0x65, a, b),
            v8([
                127, -128, 127, -128, 127, 127, -1, 0, 1, 2, 3, 4, 5, 6, 7, -128
            ])
        );
        assert_eq!(
            op(0x66, a, b),
            v8([255, 0, 127, 0, 255, 255, 0, 0, 1, 2, 3, 4, 5, 6, 7, 0])
        );
        let w = v32([70000, 0xffff_0000, 0x7fff, 0x8000_0000]);
        assert_eq!(
            op(0x85, w, 0),
            v16([32767, -32768, 32767, -32768, 0, 0, 0, 0])
        );
        assert_eq!(op(0x86, w, 0), v16([65535, 0, 32767, 0, 0, 0, 0, 0]));
        let x = V::from_le_bytes(std::array::from_fn(|i| (i as u8).wrapping_mul(37)));
        for i in 0..8 {
            assert_eq!(l16(op(0x87, x, 0), i), s8(x, i) as u16);
            assert_eq!(l16(op(0x88, x, 0), i), s8(x, i + 8) as u16);
            assert_eq!(l16(op(0x89, x, 0), i), l8(x, i) as u16);
            assert_eq!(l16(op(0x8a, x, 0), i), l8(x, i + 8) as u16);
            assert_eq!(
                l16(op(0x7c, x, 0), i),
                (s8(x, 2 * i) + s8(x, 2 * i + 1)) as u16
            );
            assert_eq!(
                l16(op(0x7d, x, 0), i),
                l8(x, 2 * i) as u16 + l8(x, 2 * i + 1) as u16
            );
        }
        assert_eq!(
            op(0xc8, v32([0, 0, 0x8000_0000, 1]), 0),
            from64(|i| [0xffff_ffff_8000_0000, 1][i])
        );
        assert_eq!(
            op(0xca, v32([0, 0, 0x8000_0000, 1]), 0),
            from64(|i| [0x8000_0000, 1][i])
        );
        assert_eq!(
            op(0x7e, v16([-32768, -32768, 1, 2, 0, 0, 0, 0]), 0),
            v32([(-65536i32) as u32, 3, 0, 0])
        );
        assert_eq!(
            op(0x7f, v16([-1, -1, 1, 2, 0, 0, 0, 0]), 0),
            v32([0x1fffe, 3, 0, 0])
        );
    }

    #[test]
    fn multiplies_and_dots() {
        let a = v16([-32768, -32768, 16384, 16384, 1, -1, 0x7fff, 0x7fff]);
        assert_eq!(l16(op(0x82, a, a), 0), 0x7fff);
        assert_eq!(l16(op(0x111, a, a), 0), 0x7fff);
        assert_eq!(l16(op(0x82, a, a), 2), 0x2000);
        assert_eq!(l16(op(0x82, a, a), 4), 0);
        assert_eq!(l16(op(0x82, a, a), 6), 0x7ffe);
        // (-32768)² · 2 wraps to i32::MIN.
        assert_eq!(bits4(op(0xba, a, a))[0], 0x8000_0000);
        assert_eq!(bits4(op(0xba, a, a))[1], 0x2000_0000);
        assert_eq!(bits4(op(0xbc, a, a))[0], 0x4000_0000);
        assert_eq!(bits4(op(0xbd, a, a))[0], 1);
        assert_eq!(bits4(op(0xbe, a, a))[0], 0x4000_0000);
        assert_eq!(bits4(op(0xbf, a, a))[1], 0xffff_u32 * 0xffff);
        let b = v8([-128, -128, -128, 127, 2, -3, 0, 0, -1, -1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(l16(op(0x9c, b, b), 0), 16384);
        assert_eq!(l16(op(0x9e, b, b), 0), 16384);
        assert_eq!(l16(op(0x9d, b, b), 0), 1);
        assert_eq!(l16(op(0x9f, b, b), 0), 65025);
        // Relaxed dot: signed × signed, wrapping i16 sums.
        let d = op(0x112, b, b);
        assert_eq!(l16(d, 0), 0x8000);
        assert_eq!(l16(d, 1), (16384 + 16129) as u16);
        assert_eq!(l16(d, 2), 13);
        assert_eq!(l16(d, 4), 2);
        let c = v32([1, 2, 3, 0xffff_ffff]);
        let s = ternary(0x113, b, b, c).expect("dot add");
        assert_eq!(
            bits4(s),
            [(-32768i32 + 32513 + 1) as u32, 15, 5, 0xffff_ffff]
        );
        let e = from64(|i| [0xffff_ffff, 0x8000_0000_ffff_ffff][i]);
        assert_eq!(l64(op(0xdc, e, e), 0), 1);
        assert_eq!(l64(op(0xde, e, e), 0), 0xffff_fffe_0000_0001);
        assert_eq!(l64(op(0xdd, e, e), 0), 1);
        assert_eq!(l64(op(0xdd, e, e), 1), 0x4000_0000_0000_0000);
        assert_eq!(l64(op(0xdf, e, e), 1), 0x4000_0000_0000_0000);
    }

    #[test]
    fn shifts_mask_the_count() {
        let a = v8([0x81; 16]);
        assert_eq!(shift(0x6b, a, 9), Some(v8([2; 16])));
        assert_eq!(shift(0x6c, a, 8), Some(a));
        assert_eq!(shift(0x6c, a, 1), Some(v8([0xc0; 16])));
        assert_eq!(shift(0x6d, a, 7), Some(v8([1; 16])));
        let b = v16([-2; 8]);
        assert_eq!(shift(0x8c, b, 17), Some(v16([-1; 8])));
        assert_eq!(shift(0x8d, b, 15), Some(v16([1; 8])));
        assert_eq!(shift(0xac, v32([0x8000_0000; 4]), 31), Some(V::MAX));
        assert_eq!(shift(0xab, v32([1; 4]), 32), Some(v32([1; 4])));
        assert_eq!(shift(0xcc, from64(|_| 1 << 63), 127), Some(V::MAX));
        assert_eq!(shift(0xcd, from64(|_| 1 << 63), 63), Some(from64(|_| 1)));
        assert_eq!(shift(0xcb, from64(|_| 1), 64), Some(from64(|_| 1)));
    }

    #[test]
    fn reductions() {
        assert_eq!(reduce(0x53, 0), Some(0));
        assert_eq!(reduce(0x53, 1 << 127), Some(1));
        assert_eq!(reduce(0x63, v8([1; 16])), Some(1));
        assert_eq!(reduce(0x63, v8([1; 16]) & !(0xff << 120)), Some(0));
        assert_eq!(reduce(0x83, v8([1; 16]) & !(0xff << 120)), Some(1));
        assert_eq!(reduce(0xa3, v32([1, 1, 0, 1])), Some(0));
        assert_eq!(reduce(0xc3, from64(|i| i as u64)), Some(0));
        assert_eq!(
            reduce(
                0x64,
                v8([-1, 0, 0x80, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1])
            ),
            Some(0x8005)
        );
        assert_eq!(
            reduce(0x84, v16([-1, 0, 0, 0, 0, 0, 0, -32768])),
            Some(0x81)
        );
        assert_eq!(
            reduce(0xa4, v32([0, 0x8000_0000, 0x7fff_ffff, !0])),
            Some(0b1010)
        );
        assert_eq!(reduce(0xc4, from64(|i| [1 << 63, 1][i])), Some(1));
    }

    #[test]
    fn float_min_max_and_pseudo() {
        let nan = f32::from_bits(0x7fc0_0001);
        let a = f4([-0.0, 0.0, nan, 1.0]);
        let b = f4([0.0, -0.0, 1.0, nan]);
        let min = bits4(op(0xe8, a, b));
        assert_eq!(&min[..2], &[0x8000_0000, 0x8000_0000]);
        assert!(f32::from_bits(min[2]).is_nan() && f32::from_bits(min[3]).is_nan());
        let max = bits4(op(0xe9, a, b));
        assert_eq!(&max[..2], &[0, 0]);
        assert!(f32::from_bits(max[2]).is_nan() && f32::from_bits(max[3]).is_nan());
        assert_eq!(op(0x10d, a, b), op(0xe8, a, b));
        assert_eq!(op(0x10e, a, b), op(0xe9, a, b));
        // pmin/pmax: `b < a ? b : a`, `a < b ? b : a`, operands kept bitwise.
        assert_eq!(
            bits4(op(0xea, a, b)),
            [0x8000_0000, 0, nan.to_bits(), 1f32.to_bits()]
        );
        assert_eq!(
            bits4(op(0xeb, a, b)),
            [0x8000_0000, 0, nan.to_bits(), 1f32.to_bits()]
        );
        assert_eq!(
            bits4(op(0xea, f4([2.0; 4]), f4([1.0; 4])))[0],
            1f32.to_bits()
        );
        assert_eq!(
            bits4(op(0xeb, f4([1.0; 4]), f4([2.0; 4])))[0],
            2f32.to_bits()
        );
        let d = f2([-0.0, f64::NAN]);
        let e = f2([0.0, 1.0]);
        assert_eq!(l64(op(0xf4, d, e), 0), 1 << 63);
        assert_eq!(l64(op(0xf5, e, d), 0), 0);
        assert!(f64::from_bits(l64(op(0xf4, e, d), 1)).is_nan());
        assert_eq!(op(0xf6, d, e), d);
        assert_eq!(op(0xf7, d, e), d);
        assert_eq!(op(0xf6, e, d), f2([0.0, 1.0]));
        assert_eq!(op(0x10f, d, e), op(0xf4, d, e));
        assert_eq!(op(0x110, d, e), op(0xf5, d, e));
    }

    #[test]
    fn float_unary_and_rounding() {
        let nan = 0x7fa0_0001; // a signalling NaN: abs/neg keep it bitwise
        let a = from32(|i| [nan, 0x8000_0000, (-2.5f32).to_bits(), 0.5f32.to_bits()][i]);
        assert_eq!(
            bits4(op(0xe0, a, 0)),
            [nan, 0, 2.5f32.to_bits(), 0.5f32.to_bits()]
        );
        assert_eq!(
            bits4(op(0xe1, a, 0)),
            [nan | 1 << 31, 0, 2.5f32.to_bits(), (-0.5f32).to_bits()]
        );
        // Rounding a signalling NaN gives a quiet one.
        for n in [0x67, 0x68, 0x69, 0x6a] {
            assert_eq!(bits4(op(n, a, 0))[0], nan | 0x0040_0000, "{n:#x}");
        }
        let snan = from64(|_| 0xfff4_0000_0000_0000);
        for n in [0x74, 0x75, 0x7a, 0x94] {
            assert_eq!(op(n, snan, 0), from64(|_| 0xfffc_0000_0000_0000), "{n:#x}");
        }
        let r = f4([2.5, -0.5, 1.5, -3.7]);
        assert_eq!(op(0x6a, r, 0), f4([2.0, -0.0, 2.0, -4.0]));
        assert_eq!(bits4(op(0x6a, r, 0))[1], 0x8000_0000);
        assert_eq!(op(0x67, r, 0), f4([3.0, -0.0, 2.0, -3.0]));
        assert_eq!(op(0x68, r, 0), f4([2.0, -1.0, 1.0, -4.0]));
        assert_eq!(op(0x69, r, 0), f4([2.0, -0.0, 1.0, -3.0]));
        assert_eq!(
            op(0xe3, f4([4.0, 0.25, -0.0, 9.0]), 0),
            f4([2.0, 0.5, -0.0, 3.0])
        );
        assert!(f32::from_bits(bits4(op(0xe3, f4([-1.0; 4]), 0))[0]).is_nan());
        let d = f2([-2.5, 0.5]);
        assert_eq!(op(0x94, d, 0), f2([-2.0, 0.0]));
        assert_eq!(op(0x74, d, 0), f2([-2.0, 1.0]));
        assert_eq!(op(0x75, d, 0), f2([-3.0, 0.0]));
        assert_eq!(op(0x7a, d, 0), f2([-2.0, 0.0]));
        assert_eq!(op(0xed, d, 0), f2([2.5, -0.5]));
        assert_eq!(op(0xec, d, 0), f2([2.5, 0.5]));
        assert_eq!(
            op(0xf3, f2([1.0, -1.0]), f2([0.0, 0.0])),
            f2([f64::INFINITY, f64::NEG_INFINITY])
        );
        assert_eq!(op(0xe7, f4([6.0; 4]), f4([3.0; 4])), f4([2.0; 4]));
    }

    #[test]
    fn conversions() {
        let f = f4([f32::NAN, 3e9, -3e9, -1.9]);
        assert_eq!(
            bits4(op(0xf8, f, 0)),
            [0, i32::MAX as u32, i32::MIN as u32, -1i32 as u32]
        );
        assert_eq!(bits4(op(0xf9, f, 0)), [0, 3_000_000_000, 0, 0]);
        assert_eq!(op(0x101, f, 0), op(0xf8, f, 0));
        assert_eq!(op(0x102, f, 0), op(0xf9, f, 0));
        let f = f4([4294967040.0, 4294967296.0, 1.9, -0.9]);
        assert_eq!(bits4(op(0xf9, f, 0)), [4294967040, u32::MAX, 1, 0]);
        let d = f2([f64::NAN, -5e9]);
        assert_eq!(bits4(op(0xfc, d, 0)), [0, i32::MIN as u32, 0, 0]);
        assert_eq!(bits4(op(0xfd, f2([5e9, 7.9]), 0)), [u32::MAX, 7, 0, 0]);
        assert_eq!(op(0x103, d, 0), op(0xfc, d, 0));
        assert_eq!(op(0x104, d, 0), op(0xfd, d, 0));
        let i = v32([0xffff_ffff, 16777217, 0x8000_0000, 3]);
        assert_eq!(op(0xfa, i, 0), f4([-1.0, 16777216.0, -2147483648.0, 3.0]));
        assert_eq!(
            op(0xfb, i, 0),
            f4([4294967296.0, 16777216.0, 2147483648.0, 3.0])
        );
        assert_eq!(op(0xfe, i, 0), f2([-1.0, 16777217.0]));
        assert_eq!(op(0xff, i, 0), f2([4294967295.0, 16777217.0]));
        let d = f2([1e300, 0.1]);
        assert_eq!(op(0x5e, d, 0), f4([f32::INFINITY, 0.1, 0.0, 0.0]));
        assert_eq!(
            op(0x5f, f4([0.1, -0.0, 5.0, 6.0]), 0),
            f2([0.1f32 as f64, -0.0])
        );
        assert_eq!(l64(op(0x5f, f4([-0.0; 4]), 0), 0), 1 << 63);
    }

    #[test]
    fn relaxed_choices() {
        // Unfused: a·b rounds to 1 + 2⁻¹¹ (the 2⁻²⁴ tie goes to even),
        // so a·b - (1 + 2⁻¹¹) is 0; a fused multiply-add would give 2⁻²⁴.
        let x = f32::from_bits(0x3f80_0800);
        let c = -f32::from_bits(0x3f80_1000);
        let r = ternary(0x105, f4([x; 4]), f4([x; 4]), f4([c; 4])).expect("madd");
        assert_eq!(r, f4([0.0; 4]));
        let r = ternary(0x106, f4([x; 4]), f4([x; 4]), f4([-c; 4])).expect("nmadd");
        assert_eq!(r, f4([0.0; 4]));
        let y = f64::from_bits(0x3ff0_0000_0200_0000); // 1 + 2⁻²⁷
        let c = -f64::from_bits(0x3ff0_0000_0400_0000);
        let r = ternary(0x107, f2([y; 2]), f2([y; 2]), f2([c; 2])).expect("madd");
        assert_eq!(r, f2([0.0; 2]));
        let r = ternary(0x108, f2([y; 2]), f2([y; 2]), f2([-c; 2])).expect("nmadd");
        assert_eq!(r, f2([0.0; 2]));
        assert_eq!(
            ternary(0x105, f4([2.0; 4]), f4([3.0; 4]), f4([1.0; 4])),
            Some(f4([7.0; 4]))
        );
        assert_eq!(
            ternary(0x106, f4([2.0; 4]), f4([3.0; 4]), f4([1.0; 4])),
            Some(f4([-5.0; 4]))
        );
        // Laneselect is bitselect, whatever the mask lanes look like.
        let (a, b, m) = (
            0x1234_5678_9abc_def0 << 64 | 0xffff,
            !0u128 >> 1,
            0x0f0f << 60 | 0x00ff,
        );
        let want = (a & m) | (b & !m);
        for n in [0x52, 0x109, 0x10a, 0x10b, 0x10c] {
            assert_eq!(ternary(n, a, b, m), Some(want), "{n:#x}");
        }
    }

    #[test]
    fn splats() {
        assert_eq!(splat(0x0f, 0x1ff), v8([-1; 16]));
        assert_eq!(splat(0x10, 0x1_8001), v16([-32767; 8]));
        assert_eq!(splat(0x13, 1f32.to_bits() as u64), f4([1.0; 4]));
        assert_eq!(splat(0x14, (-2f64).to_bits()), f2([-2.0; 2]));
    }
}
