//! Mapping wasm types to descriptor encodings and to Cranelift types.

use cranelift_codegen::ir::{self, types};
use smelt_runtime::abi;
use wasmparser::{AbstractHeapType, HeapType, RefType, ValType};

/// The descriptor encoding of a value type.
pub(crate) fn val_type(ty: ValType) -> abi::ValType {
    match ty {
        ValType::I32 => abi::ValType::I32,
        ValType::I64 => abi::ValType::I64,
        ValType::F32 => abi::ValType::F32,
        ValType::F64 => abi::ValType::F64,
        ValType::V128 => abi::ValType::V128,
        ValType::Ref(r) => ref_type(r),
    }
}

/// The descriptor encoding of a reference type.
pub(crate) fn ref_type(r: RefType) -> abi::ValType {
    let nullable = if r.is_nullable() {
        abi::types::NULLABLE
    } else {
        0
    };
    match r.heap_type() {
        HeapType::Concrete(idx) | HeapType::Exact(idx) => {
            let index = idx.as_module_index().unwrap_or(0);
            abi::ValType::concrete(index, r.is_nullable())
        }
        HeapType::Abstract { ty, .. } => {
            let code = match ty {
                AbstractHeapType::Func => 0x70,
                AbstractHeapType::Extern => 0x6f,
                AbstractHeapType::Any => 0x6e,
                AbstractHeapType::Eq => 0x6d,
                AbstractHeapType::I31 => 0x6c,
                AbstractHeapType::Struct => 0x6b,
                AbstractHeapType::Array => 0x6a,
                AbstractHeapType::Exn => 0x69,
                AbstractHeapType::NoExn => 0x74,
                AbstractHeapType::NoFunc => 0x73,
                AbstractHeapType::NoExtern => 0x72,
                AbstractHeapType::None => 0x71,
                AbstractHeapType::Cont => 0x68,
                AbstractHeapType::NoCont => 0x75,
            };
            abi::ValType(code | nullable)
        }
    }
}

/// The descriptor encoding of a struct field or array element.
pub(crate) fn field_type(f: wasmparser::FieldType) -> u32 {
    let code = match f.element_type {
        wasmparser::StorageType::I8 => abi::STORAGE_I8,
        wasmparser::StorageType::I16 => abi::STORAGE_I16,
        wasmparser::StorageType::Val(v) => val_type(v).0,
    };
    if f.mutable {
        code | abi::FIELD_MUTABLE
    } else {
        code
    }
}

/// The Cranelift type that carries a wasm value. References are
/// pointer-sized integers (null = 0).
pub(crate) fn clif_type(ty: ValType) -> ir::Type {
    match ty {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::Ref(_) => types::I64,
    }
}
