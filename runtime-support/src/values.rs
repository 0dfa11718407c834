//! Wasm values: the host-facing [`Val`] and the raw 16-byte slots
//! ([`ValRaw`]) that trampolines and host adapters exchange.

use crate::abi::ValType;
use crate::func::Func;
use std::fmt;

/// One slot of an array-call value buffer: a scalar at offset 0 in native
/// byte order, a `v128` in all 16 bytes, a reference as a pointer-sized
/// integer.
#[repr(C, align(16))]
#[derive(Copy, Clone, Default, PartialEq, Eq)]
pub struct ValRaw(pub [u8; 16]);

impl fmt::Debug for ValRaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValRaw({:#034x})", u128::from_ne_bytes(self.0))
    }
}

impl ValRaw {
    pub fn from_u32(v: u32) -> Self {
        let mut r = ValRaw::default();
        r.0[..4].copy_from_slice(&v.to_ne_bytes());
        r
    }
    pub fn from_u64(v: u64) -> Self {
        let mut r = ValRaw::default();
        r.0[..8].copy_from_slice(&v.to_ne_bytes());
        r
    }
    pub fn from_u128(v: u128) -> Self {
        ValRaw(v.to_ne_bytes())
    }
    pub fn u32(&self) -> u32 {
        u32::from_ne_bytes(self.0[..4].try_into().expect("4 bytes"))
    }
    pub fn u64(&self) -> u64 {
        u64::from_ne_bytes(self.0[..8].try_into().expect("8 bytes"))
    }
    pub fn u128(&self) -> u128 {
        u128::from_ne_bytes(self.0)
    }
}

/// An opaque host reference passed to wasm as an `externref`. The store
/// that created it keeps its payload.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef(pub(crate) usize);

/// A wasm value.
#[derive(Clone, Debug)]
pub enum Val {
    I32(i32),
    I64(i64),
    /// Bit pattern of an `f32` (NaN payloads are preserved).
    F32(u32),
    /// Bit pattern of an `f64`.
    F64(u64),
    V128(u128),
    FuncRef(Option<Func>),
    ExternRef(Option<ExternRef>),
    /// An exception reference (`exnref`).
    ExnRef(Option<crate::exceptions::ExnRef>),
}

impl Val {
    /// The zero (or null) value of a type.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            t if t.code() == 0x6f || t.code() == 0x72 => Val::ExternRef(None),
            t if crate::func::is_exn_type(t) => Val::ExnRef(None),
            _ => Val::FuncRef(None),
        }
    }

    pub fn unwrap_i32(&self) -> i32 {
        match self {
            Val::I32(v) => *v,
            other => panic!("expected i32, found {other:?}"),
        }
    }

    pub fn unwrap_i64(&self) -> i64 {
        match self {
            Val::I64(v) => *v,
            other => panic!("expected i64, found {other:?}"),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
