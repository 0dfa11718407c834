//! Comparing results with the scripts' expectations (NaN patterns, v128
//! lane patterns, references).

use smelt_runtime::{Store, Val};
use wast::core::{HeapType, NanPattern, V128Pattern, WastRetCore};

/// The null reference of a heap type.
pub(crate) fn null_of(ht: &HeapType<'_>) -> Val {
    use wast::core::AbstractHeapType as A;
    match ht {
        HeapType::Abstract {
            ty: A::Extern | A::NoExtern,
            ..
        } => Val::ExternRef(None),
        HeapType::Abstract {
            ty: A::Exn | A::NoExn,
            ..
        } => Val::ExnRef(None),
        _ => Val::FuncRef(None),
    }
}

fn f32_matches(bits: u32, p: &NanPattern<wast::token::F32>) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(bits: u64, p: &NanPattern<wast::token::F64>) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_matches(v: u128, p: &V128Pattern) -> bool {
    let b = v.to_le_bytes();
    match p {
        V128Pattern::I8x16(l) => l.iter().enumerate().all(|(i, x)| b[i] as i8 == *x),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| i16::from_le_bytes([b[2 * i], b[2 * i + 1]]) == *x),
        V128Pattern::I32x4(l) => l.iter().enumerate().all(|(i, x)| {
            i32::from_le_bytes(b[4 * i..4 * i + 4].try_into().expect("4 bytes")) == *x
        }),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, x)| {
            i64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes")) == *x
        }),
        V128Pattern::F32x4(l) => l.iter().enumerate().all(|(i, p)| {
            f32_matches(
                u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().expect("4 bytes")),
                p,
            )
        }),
        V128Pattern::F64x2(l) => l.iter().enumerate().all(|(i, p)| {
            f64_matches(
                u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes")),
                p,
            )
        }),
    }
}

/// Whether `actual` satisfies `expected`.
pub(crate) fn matches(store: &mut Store, actual: &Val, expected: &WastRetCore<'_>) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(p), Val::F32(a)) => f32_matches(*a, p),
        (WastRetCore::F64(p), Val::F64(a)) => f64_matches(*a, p),
        (WastRetCore::V128(p), Val::V128(a)) => v128_matches(*a, p),
        (
            WastRetCore::RefNull(_),
            Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None),
        ) => true,
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(e))) => {
            e.payload(store) == u64::from(*n)
        }
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::Either(options), a) => options.iter().any(|o| matches(store, a, o)),
        _ => false,
    }
}

pub(crate) fn describe(v: &Val) -> String {
    match v {
        Val::F32(b) => format!("f32 {} ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64 {} ({b:#018x})", f64::from_bits(*b)),
        Val::V128(b) => format!("v128 {b:#034x}"),
        other => format!("{other:?}"),
    }
}

pub(crate) fn describe_ret(r: &WastRetCore<'_>) -> String {
    format!("{r:?}")
}
