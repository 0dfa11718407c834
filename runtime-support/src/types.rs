//! Host-facing types and the process-wide function type registry.
//!
//! `call_indirect` compares one `u32` per call: the canonical id of the
//! callee's type (stored in its `VMFuncRef`) against the id of the expected
//! type (stored in the caller's vmctx). Ids are interned here for the whole
//! process, so functions of different modules and stores compare directly.

pub use crate::abi::ValType;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

/// A function type.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FuncType {
    params: Box<[ValType]>,
    results: Box<[ValType]>,
}

impl FuncType {
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        FuncType {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }
    pub fn params(&self) -> &[ValType] {
        &self.params
    }
    pub fn results(&self) -> &[ValType] {
        &self.results
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(func (param")?;
        for p in self.params.iter() {
            write!(f, " {}", val_type_name(*p))?;
        }
        write!(f, ") (result")?;
        for r in self.results.iter() {
            write!(f, " {}", val_type_name(*r))?;
        }
        write!(f, "))")
    }
}

/// The text-format name of a value type.
pub fn val_type_name(t: ValType) -> String {
    match t.code() {
        0x7f => "i32".into(),
        0x7e => "i64".into(),
        0x7d => "f32".into(),
        0x7c => "f64".into(),
        0x7b => "v128".into(),
        0x70 if t.is_nullable() => "funcref".into(),
        0x6f if t.is_nullable() => "externref".into(),
        0x69 if t.is_nullable() => "exnref".into(),
        _ => format!("ref({:#x})", t.0),
    }
}

/// Limits of a memory or table: `min` and optional `max`, in pages or
/// elements.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub min: u64,
    pub max: Option<u64>,
}

impl Limits {
    /// Import matching: `self` (what is provided, with its current size as
    /// `min`) fits where `expected` is required.
    pub fn matches(&self, expected: &Limits) -> bool {
        self.min >= expected.min
            && match expected.max {
                None => true,
                Some(emax) => self.max.is_some_and(|m| m <= emax),
            }
    }
}

/// A memory type.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MemoryType {
    pub limits: Limits,
    pub shared: bool,
    pub memory64: bool,
    pub page_size_log2: u32,
}

impl MemoryType {
    /// A 32-bit memory with 64 KiB pages.
    pub fn new(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            limits: Limits { min, max },
            shared: false,
            memory64: false,
            page_size_log2: 16,
        }
    }
}

/// A table type.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TableType {
    pub element: ValType,
    pub limits: Limits,
    pub table64: bool,
}

/// A global type.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
}

/// The type of an import or export.
#[derive(Clone, Debug)]
pub enum ExternType {
    Func(FuncType),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    Tag(FuncType),
}

#[derive(Default)]
struct Registry {
    ids: HashMap<FuncType, u32>,
    types: Vec<FuncType>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

/// The canonical id of `ty` (ids start at 1; 0 never names a type).
pub(crate) fn intern(ty: &FuncType) -> u32 {
    let mut guard = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let reg = guard.get_or_insert_with(Registry::default);
    if let Some(id) = reg.ids.get(ty) {
        return *id;
    }
    reg.types.push(ty.clone());
    let id = reg.types.len() as u32;
    reg.ids.insert(ty.clone(), id);
    id
}

/// The type with canonical id `id`.
pub(crate) fn lookup(id: u32) -> FuncType {
    let guard = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    guard
        .as_ref()
        .and_then(|r| r.types.get(id as usize - 1))
        .cloned()
        .expect("type ids come from intern")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_canonical() {
        let a = FuncType::new([ValType::I32], [ValType::I64]);
        let b = FuncType::new([ValType::I32], [ValType::I64]);
        let c = FuncType::new([ValType::I64], [ValType::I64]);
        assert_eq!(intern(&a), intern(&b));
        assert_ne!(intern(&a), intern(&c));
        assert_eq!(lookup(intern(&c)), c);
        assert_ne!(intern(&a), 0);
    }

    #[test]
    fn limits_matching() {
        let l = |min, max| Limits { min, max };
        assert!(l(2, Some(3)).matches(&l(1, Some(4))));
        assert!(!l(2, None).matches(&l(1, Some(4))));
        assert!(!l(0, Some(3)).matches(&l(1, None)));
        assert!(l(1, None).matches(&l(1, None)));
    }
}
