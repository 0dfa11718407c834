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

/// A type reference inside a recursion group's key: to a member of the
/// same group (by position), or to a type already canonicalized.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum TypeRef {
    Internal(u32),
    External(u32),
}

/// A value or storage type inside a key: its encoding without the type
/// index, and the referenced type if it has one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ValKey {
    /// Nullability, mutability and the code (canonical references use
    /// `CODE_CANONICAL`).
    bits: u32,
    target: Option<TypeRef>,
}

/// One type of a recursion group, with references made group-relative.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct TypeKey {
    kind: u32,
    is_final: bool,
    supertype: Option<TypeRef>,
    params: Vec<ValKey>,
    results: Vec<ValKey>,
}

/// What the registry knows about a canonical type.
struct CanonType {
    supertype: Option<u32>,
    /// The signature of a function type, with canonical references.
    func: Option<FuncType>,
}

/// Canonical types for the whole process. Two types get the same id
/// exactly when their recursion groups are structurally identical and
/// they sit at the same position in them (Wasm 3.0 type equivalence).
#[derive(Default)]
struct Registry {
    groups: HashMap<Vec<TypeKey>, u32>,
    types: Vec<CanonType>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut guard = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(Registry::default))
}

/// Everything of a `ValType` but its type index.
const NON_INDEX_BITS: u32 = 0x1ff;
/// Mutability flag of struct fields (never in a plain value type).
const FIELD_MUTABLE: u32 = crate::abi::FIELD_MUTABLE;

impl Registry {
    /// Interns one recursion group; returns the id of its first member.
    fn intern_group(&mut self, key: Vec<TypeKey>) -> u32 {
        if let Some(first) = self.groups.get(&key) {
            return *first;
        }
        let first = self.types.len() as u32 + 1;
        let resolve = |r: &TypeRef| match r {
            TypeRef::Internal(i) => first + i,
            TypeRef::External(id) => *id,
        };
        let val = |k: &ValKey| match &k.target {
            Some(t) => ValType((resolve(t) << 9) | (k.bits & NON_INDEX_BITS)),
            None => ValType(k.bits),
        };
        for t in &key {
            self.types.push(CanonType {
                supertype: t.supertype.as_ref().map(resolve),
                func: (t.kind == crate::abi::TYPE_KIND_FUNC)
                    .then(|| FuncType::new(t.params.iter().map(val), t.results.iter().map(val))),
            });
        }
        self.groups.insert(key, first);
        first
    }

    fn is_subtype(&self, mut sub: u32, sup: u32) -> bool {
        loop {
            if sub == sup {
                return true;
            }
            match self.types.get(sub as usize - 1).and_then(|t| t.supertype) {
                Some(s) => sub = s,
                None => return false,
            }
        }
    }
}

/// The key of a value (or storage) type. `group` is the first index of
/// the recursion group being canonicalized and the canonical ids of the
/// module's earlier types; canonical references need neither.
fn val_key(v: u32, group: (u32, &[u32])) -> ValKey {
    let flags = v & FIELD_MUTABLE;
    let v = v & !FIELD_MUTABLE;
    let code = v & 0xff;
    let reference = |target| ValKey {
        bits: flags | (v & (NON_INDEX_BITS & !0xff)) | crate::abi::types::CODE_CANONICAL,
        target: Some(target),
    };
    if code == crate::abi::types::CODE_CANONICAL {
        reference(TypeRef::External(v >> 9))
    } else if code == crate::abi::types::CODE_CONCRETE {
        let (start, ids) = group;
        let index = v >> 9;
        if index >= start {
            reference(TypeRef::Internal(index - start))
        } else {
            reference(TypeRef::External(ids[index as usize]))
        }
    } else {
        ValKey {
            bits: flags | v,
            target: None,
        }
    }
}

/// A type definition as the descriptor gives it (indices module-relative).
pub(crate) struct TypeDefView<'a> {
    pub(crate) kind: u32,
    pub(crate) is_final: bool,
    pub(crate) supertype: Option<u32>,
    pub(crate) rec_group: (u32, u32),
    pub(crate) params: &'a [ValType],
    pub(crate) results: &'a [ValType],
}

/// Canonical ids for a module's types, in type-index order. The caller
/// has validated that groups are contiguous and only refer backwards or
/// within themselves.
pub(crate) fn canonicalize(defs: &[TypeDefView<'_>]) -> Vec<u32> {
    with_registry(|reg| {
        let mut ids: Vec<u32> = Vec::with_capacity(defs.len());
        while ids.len() < defs.len() {
            let (start, len) = defs[ids.len()].rec_group;
            let group = (start, ids.as_slice());
            let tref = |i: u32| {
                if i >= start {
                    TypeRef::Internal(i - start)
                } else {
                    TypeRef::External(ids[i as usize])
                }
            };
            let key: Vec<TypeKey> = defs[start as usize..(start + len) as usize]
                .iter()
                .map(|d| TypeKey {
                    kind: d.kind,
                    is_final: d.is_final,
                    supertype: d.supertype.map(tref),
                    params: d.params.iter().map(|v| val_key(v.0, group)).collect(),
                    results: d.results.iter().map(|v| val_key(v.0, group)).collect(),
                })
                .collect();
            let first = reg.intern_group(key);
            ids.extend((0..len).map(|j| first + j));
        }
        ids
    })
}

/// The canonical id of a host-defined function type: a final type alone
/// in its recursion group, as a module's plain `(type (func ...))` is.
pub(crate) fn intern(ty: &FuncType) -> u32 {
    let group = (0, &[][..]);
    let key = vec![TypeKey {
        kind: crate::abi::TYPE_KIND_FUNC,
        is_final: true,
        supertype: None,
        params: ty.params().iter().map(|v| val_key(v.0, group)).collect(),
        results: ty.results().iter().map(|v| val_key(v.0, group)).collect(),
    }];
    with_registry(|reg| reg.intern_group(key))
}

/// The signature of the function type with canonical id `id`.
pub(crate) fn lookup(id: u32) -> FuncType {
    with_registry(|reg| {
        reg.types
            .get(id as usize - 1)
            .and_then(|t| t.func.clone())
            .expect("function type ids come from the registry")
    })
}

/// Whether canonical type `sub` is `sup` or declares it as an ancestor.
pub(crate) fn is_subtype(sub: u32, sup: u32) -> bool {
    with_registry(|reg| reg.is_subtype(sub, sup))
}

/// Whether a value of type `sub` may be used where `sup` is expected
/// (both in the runtime's canonical encoding).
pub(crate) fn val_type_matches(sub: ValType, sup: ValType) -> bool {
    if sub == sup {
        return true;
    }
    if !sub.is_ref() || !sup.is_ref() || (sub.is_nullable() && !sup.is_nullable()) {
        return false;
    }
    // Abstract heap type codes.
    const FUNC: u32 = 0x70;
    const NOFUNC: u32 = 0x73;
    const EXTERN: u32 = 0x6f;
    const NOEXTERN: u32 = 0x72;
    const EXN: u32 = 0x69;
    const NOEXN: u32 = 0x74;
    const ANY: u32 = 0x6e;
    const EQ: u32 = 0x6d;
    const I31: u32 = 0x6c;
    const STRUCT: u32 = 0x6b;
    const ARRAY: u32 = 0x6a;
    const NONE: u32 = 0x71;
    let kind_of =
        |id: u32| with_registry(|reg| reg.types.get(id as usize - 1).map(|t| t.func.is_some()));
    match (sub.canonical_id(), sup.canonical_id()) {
        (Some(a), Some(b)) => is_subtype(a, b),
        (Some(a), None) => match sup.code() {
            FUNC => kind_of(a) == Some(true),
            ANY | EQ => kind_of(a) == Some(false),
            STRUCT | ARRAY => kind_of(a) == Some(false),
            _ => false,
        },
        (None, Some(b)) => match sub.code() {
            NOFUNC => kind_of(b) == Some(true),
            NONE => kind_of(b) == Some(false),
            _ => false,
        },
        (None, None) => {
            sub.code() == sup.code()
                || matches!(
                    (sub.code(), sup.code()),
                    (NOFUNC, FUNC)
                        | (NOEXTERN, EXTERN)
                        | (NOEXN, EXN)
                        | (EQ | I31 | STRUCT | ARRAY | NONE, ANY)
                        | (I31 | STRUCT | ARRAY | NONE, EQ)
                        | (NONE, I31 | STRUCT | ARRAY)
                )
        }
    }
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

    fn def(kind: u32, group: (u32, u32), params: &[ValType]) -> TypeDefView<'_> {
        TypeDefView {
            kind,
            is_final: true,
            supertype: None,
            rec_group: group,
            params,
            results: &[],
        }
    }

    #[test]
    fn recursion_groups_are_structural() {
        use crate::abi::{TYPE_KIND_FUNC as F, TYPE_KIND_STRUCT as S};
        // (rec (type $f (func (param (ref $f)))) (type (struct)))
        let selfref = [ValType::concrete(0, false)];
        let m1 = [def(F, (0, 2), &selfref), def(S, (0, 2), &[])];
        // Same group at another index: equivalent.
        let selfref2 = [ValType::concrete(1, false)];
        let m2 = [
            def(S, (0, 1), &[]),
            def(F, (1, 2), &selfref2),
            def(S, (1, 2), &[]),
        ];
        let a = canonicalize(&m1);
        let b = canonicalize(&m2);
        assert_eq!(a[0], b[1]);
        assert_eq!(a[1], b[2]);
        // Members in another order: a different group.
        let other = [ValType::concrete(1, false)];
        let m3 = [def(S, (0, 2), &[]), def(F, (0, 2), &other)];
        let c = canonicalize(&m3);
        assert_ne!(c[1], a[0]);
        // A plain host type equals a module's singleton final func type.
        let m4 = [def(F, (0, 1), &[ValType::I32])];
        assert_eq!(
            canonicalize(&m4)[0],
            intern(&FuncType::new([ValType::I32], []))
        );
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
