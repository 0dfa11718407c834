//! The plain numeric operators (wasm opcodes `0x45..=0xc4`), by opcode
//! byte: unary `dst = op(s1)`, binary `dst = op(s1, s2)`.

use super::exec::{fmax32, fmax64, fmin32, fmin64, trunc_check};
use super::exec::{r32, r64, rf32, rf64, w32, w64, wf32, wf64};
use crate::abi::TrapKind;
use crate::values::ValRaw;

/// `x` with a NaN made quiet (rounding functions pass a signalling NaN
/// through; wasm wants an arithmetic NaN).
fn q32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        x
    }
}

fn q64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        x
    }
}

/// Executes numeric operator `byte`.
///
/// # Safety
///
/// `d`, `s1`, `s2` must be slots of the frame at `fp` holding operands of
/// the operator's types.
#[inline(always)]
#[allow(clippy::too_many_lines, reason = "one arm per operator")]
pub(crate) unsafe fn exec(
    byte: u16,
    fp: *mut ValRaw,
    d: u32,
    s1: u32,
    s2: u32,
) -> Result<(), TrapKind> {
    // SAFETY: per the contract.
    unsafe {
        macro_rules! i32u {
            ($e:expr) => {
                w32(fp, d, $e)
            };
        }
        let a32 = || r32(fp, s1);
        let b32 = || r32(fp, s2);
        let a64 = || r64(fp, s1);
        let b64 = || r64(fp, s2);
        let af = || rf32(fp, s1);
        let bf = || rf32(fp, s2);
        let ad = || rf64(fp, s1);
        let bd = || rf64(fp, s2);
        match byte {
            0x45 => i32u!((a32() == 0) as u32),
            0x46 => i32u!((a32() == b32()) as u32),
            0x47 => i32u!((a32() != b32()) as u32),
            0x48 => i32u!(((a32() as i32) < (b32() as i32)) as u32),
            0x49 => i32u!((a32() < b32()) as u32),
            0x4a => i32u!(((a32() as i32) > (b32() as i32)) as u32),
            0x4b => i32u!((a32() > b32()) as u32),
            0x4c => i32u!(((a32() as i32) <= (b32() as i32)) as u32),
            0x4d => i32u!((a32() <= b32()) as u32),
            0x4e => i32u!(((a32() as i32) >= (b32() as i32)) as u32),
            0x4f => i32u!((a32() >= b32()) as u32),
            0x50 => i32u!((a64() == 0) as u32),
            0x51 => i32u!((a64() == b64()) as u32),
            0x52 => i32u!((a64() != b64()) as u32),
            0x53 => i32u!(((a64() as i64) < (b64() as i64)) as u32),
            0x54 => i32u!((a64() < b64()) as u32),
            0x55 => i32u!(((a64() as i64) > (b64() as i64)) as u32),
            0x56 => i32u!((a64() > b64()) as u32),
            0x57 => i32u!(((a64() as i64) <= (b64() as i64)) as u32),
            0x58 => i32u!((a64() <= b64()) as u32),
            0x59 => i32u!(((a64() as i64) >= (b64() as i64)) as u32),
            0x5a => i32u!((a64() >= b64()) as u32),
            0x5b => i32u!((af() == bf()) as u32),
            0x5c => i32u!((af() != bf()) as u32),
            0x5d => i32u!((af() < bf()) as u32),
            0x5e => i32u!((af() > bf()) as u32),
            0x5f => i32u!((af() <= bf()) as u32),
            0x60 => i32u!((af() >= bf()) as u32),
            0x61 => i32u!((ad() == bd()) as u32),
            0x62 => i32u!((ad() != bd()) as u32),
            0x63 => i32u!((ad() < bd()) as u32),
            0x64 => i32u!((ad() > bd()) as u32),
            0x65 => i32u!((ad() <= bd()) as u32),
            0x66 => i32u!((ad() >= bd()) as u32),
            0x67 => i32u!(a32().leading_zeros()),
            0x68 => i32u!(a32().trailing_zeros()),
            0x69 => i32u!(a32().count_ones()),
            0x6a => i32u!(a32().wrapping_add(b32())),
            0x6b => i32u!(a32().wrapping_sub(b32())),
            0x6c => i32u!(a32().wrapping_mul(b32())),
            0x6d => {
                let (x, y) = (a32() as i32, b32() as i32);
                if y == 0 {
                    return Err(TrapKind::IntegerDivideByZero);
                }
                if x == i32::MIN && y == -1 {
                    return Err(TrapKind::IntegerOverflow);
                }
                i32u!((x / y) as u32)
            }
            0x6e => {
                let y = b32();
                if y == 0 {
                    return Err(TrapKind::IntegerDivideByZero);
                }
                i32u!(a32() / y)
            }
            0x6f => {
                let (x, y) = (a32() as i32, b32() as i32);
                if y == 0 {
                    return Err(TrapKind::IntegerDivideByZero);
                }
                i32u!(x.wrapping_rem(y) as u32)
            }
            0x70 => {
                let y = b32();
                if y == 0 {
                    return Err(TrapKind::IntegerDivideByZero);
                }
                i32u!(a32() % y)
            }
            0x71 => i32u!(a32() & b32()),
            0x72 => i32u!(a32() | b32()),
            0x73 => i32u!(a32() ^ b32()),
            0x74 => i32u!(a32().wrapping_shl(b32())),
            0x75 => i32u!((a32() as i32).wrapping_shr(b32()) as u32),
            0x76 => i32u!(a32().wrapping_shr(b32())),
            0x77 => i32u!(a32().rotate_left(b32() & 31)),
            0x78 => i32u!(a32().rotate_right(b32() & 31)),
            0x79 => w64(fp, d, a64().leading_zeros() as u64),
            0x7a => w64(fp, d, a64().trailing_zeros() as u64),
            0x7b => w64(fp, d, a64().count_ones() as u64),
            0x7c => w64(fp, d, a64().wrapping_add(b64())),
            0x7d => w64(fp, d, a64().wrapping_sub(b64())),
            0x7e => w64(fp, d, a64().wrapping_mul(b64())),
            0x7f => {
                let (x, y) = (a64() as i64, b64() as i64);
                if y == 0 {
                    return Err(TrapKind::IntegerDivideByZero);
                }
                if x == i64::MIN && y == -1 {
                    return Err(TrapKind::IntegerOverflow);
                }
                w64(fp, d, (x / y) as u64)
            }
            0x80 => {
                let y = b64();
                if y == 0 {
                    return Err(TrapKind::IntegerDivideByZero);
                }
                w64(fp, d, a64() / y)
            }
            0x81 => {
                let (x, y) = (a64() as i64, b64() as i64);
                if y == 0 {
                    return Err(TrapKind::IntegerDivideByZero);
                }
                w64(fp, d, x.wrapping_rem(y) as u64)
            }
            0x82 => {
                let y = b64();
                if y == 0 {
                    return Err(TrapKind::IntegerDivideByZero);
                }
                w64(fp, d, a64() % y)
            }
            0x83 => w64(fp, d, a64() & b64()),
            0x84 => w64(fp, d, a64() | b64()),
            0x85 => w64(fp, d, a64() ^ b64()),
            0x86 => w64(fp, d, a64().wrapping_shl(b64() as u32)),
            0x87 => w64(fp, d, (a64() as i64).wrapping_shr(b64() as u32) as u64),
            0x88 => w64(fp, d, a64().wrapping_shr(b64() as u32)),
            0x89 => w64(fp, d, a64().rotate_left((b64() & 63) as u32)),
            0x8a => w64(fp, d, a64().rotate_right((b64() & 63) as u32)),
            0x8b => w32(fp, d, a32() & 0x7fff_ffff),
            0x8c => w32(fp, d, a32() ^ 0x8000_0000),
            0x8d => wf32(fp, d, q32(af().ceil())),
            0x8e => wf32(fp, d, q32(af().floor())),
            0x8f => wf32(fp, d, q32(af().trunc())),
            0x90 => wf32(fp, d, q32(af().round_ties_even())),
            0x91 => wf32(fp, d, af().sqrt()),
            0x92 => wf32(fp, d, af() + bf()),
            0x93 => wf32(fp, d, af() - bf()),
            0x94 => wf32(fp, d, af() * bf()),
            0x95 => wf32(fp, d, af() / bf()),
            0x96 => wf32(fp, d, fmin32(af(), bf())),
            0x97 => wf32(fp, d, fmax32(af(), bf())),
            0x98 => w32(fp, d, (a32() & 0x7fff_ffff) | (b32() & 0x8000_0000)),
            0x99 => w64(fp, d, a64() & 0x7fff_ffff_ffff_ffff),
            0x9a => w64(fp, d, a64() ^ 0x8000_0000_0000_0000),
            0x9b => wf64(fp, d, q64(ad().ceil())),
            0x9c => wf64(fp, d, q64(ad().floor())),
            0x9d => wf64(fp, d, q64(ad().trunc())),
            0x9e => wf64(fp, d, q64(ad().round_ties_even())),
            0x9f => wf64(fp, d, ad().sqrt()),
            0xa0 => wf64(fp, d, ad() + bd()),
            0xa1 => wf64(fp, d, ad() - bd()),
            0xa2 => wf64(fp, d, ad() * bd()),
            0xa3 => wf64(fp, d, ad() / bd()),
            0xa4 => wf64(fp, d, fmin64(ad(), bd())),
            0xa5 => wf64(fp, d, fmax64(ad(), bd())),
            0xa6 => w64(
                fp,
                d,
                (a64() & 0x7fff_ffff_ffff_ffff) | (b64() & 0x8000_0000_0000_0000),
            ),
            0xa7 => w32(fp, d, a64() as u32),
            0xa8 => {
                let x = af() as f64;
                trunc_check(x, -2147483904.0, 2147483648.0)?;
                w32(fp, d, x as i32 as u32)
            }
            0xa9 => {
                let x = af() as f64;
                trunc_check(x, -1.0, 4294967296.0)?;
                w32(fp, d, x as u32)
            }
            0xaa => {
                let x = ad();
                trunc_check(x, -2147483649.0, 2147483648.0)?;
                w32(fp, d, x as i32 as u32)
            }
            0xab => {
                let x = ad();
                trunc_check(x, -1.0, 4294967296.0)?;
                w32(fp, d, x as u32)
            }
            0xac => w64(fp, d, a32() as i32 as i64 as u64),
            0xad => w64(fp, d, a32() as u64),
            0xae => {
                let x = af() as f64;
                trunc_check(x, -9223373136366403584.0, 9223372036854775808.0)?;
                w64(fp, d, x as i64 as u64)
            }
            0xaf => {
                let x = af() as f64;
                trunc_check(x, -1.0, 18446744073709551616.0)?;
                w64(fp, d, x as u64)
            }
            0xb0 => {
                let x = ad();
                trunc_check(x, -9223372036854777856.0, 9223372036854775808.0)?;
                w64(fp, d, x as i64 as u64)
            }
            0xb1 => {
                let x = ad();
                trunc_check(x, -1.0, 18446744073709551616.0)?;
                w64(fp, d, x as u64)
            }
            0xb2 => wf32(fp, d, a32() as i32 as f32),
            0xb3 => wf32(fp, d, a32() as f32),
            0xb4 => wf32(fp, d, a64() as i64 as f32),
            0xb5 => wf32(fp, d, a64() as f32),
            0xb6 => wf32(fp, d, ad() as f32),
            0xb7 => wf64(fp, d, a32() as i32 as f64),
            0xb8 => wf64(fp, d, a32() as f64),
            0xb9 => wf64(fp, d, a64() as i64 as f64),
            0xba => wf64(fp, d, a64() as f64),
            0xbb => wf64(fp, d, af() as f64),
            0xbc => w32(fp, d, a32()),
            0xbd => w64(fp, d, a64()),
            0xbe => w32(fp, d, a32()),
            0xbf => w64(fp, d, a64()),
            0xc0 => w32(fp, d, a32() as i8 as i32 as u32),
            0xc1 => w32(fp, d, a32() as i16 as i32 as u32),
            0xc2 => w64(fp, d, a64() as i8 as i64 as u64),
            0xc3 => w64(fp, d, a64() as i16 as i64 as u64),
            0xc4 => w64(fp, d, a64() as i32 as i64 as u64),
            _ => {}
        }
    }
    Ok(())
}
