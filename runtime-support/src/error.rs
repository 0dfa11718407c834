//! The errors of the embedding API: loading a module ([`LoadError`]),
//! instantiating it ([`InstantiationError`]) and creating or changing
//! memories, tables and globals ([`MemoryError`], [`TableError`],
//! [`GlobalError`]).
//!
//! Each variant names what it is about (the import, the limit, the
//! descriptor field) so embedders can match on it; `Display` gives the
//! message the CLI and the C API print. A wrapped error's text is part of
//! that message, so `source()` does not return it again (an error chain
//! printed with `{:#}` would repeat it).

use crate::trap::Trap;
use crate::types::{FuncType, ValType, val_type_name};
use crate::values::Val;
use std::fmt;

/// Why a module could not be loaded: its descriptor is not one this
/// runtime can read, or (in-process loading) the object cannot be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// The descriptor pointer is null or not aligned as descriptors are.
    MisalignedDescriptor,
    /// The descriptor does not start with smelt's magic number.
    BadMagic,
    /// The module was compiled for another runtime ABI version.
    AbiVersion { module: u32, runtime: u32 },
    /// The descriptor's size is smaller than its header.
    Truncated,
    /// The array descriptor field `field` ends past the end of the
    /// address space.
    FieldOverflow { field: &'static str },
    /// The array descriptor field `field` is not inside the descriptor,
    /// or misaligned.
    FieldOutOfBounds { field: &'static str },
    /// An index range (`range`, e.g. "type params") reaches past the
    /// array it indexes.
    RangeOutOfBounds { range: &'static str },
    /// Records of the descriptor contradict each other; the message says
    /// which (e.g. "descriptor tag counts disagree").
    Inconsistent(&'static str),
    /// An interpreted module does not have one IR record per defined
    /// function.
    InterpFuncCount { records: u32, defined: u32 },
    /// The IR record of function `func` (module index space) is
    /// unusable; `reason` says why (e.g. "its frame has more than 65535
    /// slots").
    BadInterpFunc { func: u32, reason: &'static str },
    /// The bytes are not an object file; the reason is the object
    /// parser's.
    NotAnObject(String),
    /// In-process loading is not implemented for this host architecture.
    UnsupportedHost,
    /// The object is for another architecture or format than this
    /// process (each field is the object crate's name for it).
    WrongTarget {
        arch: String,
        format: String,
        host: String,
    },
    /// The object needs a symbol from outside it (the linker's job).
    UndefinedSymbol { name: String },
    /// The object has no `smelt_mod_*_descriptor` symbol.
    NoDescriptor,
    /// Mapping or protecting the image failed; `call` is the system call.
    Mapping { call: &'static str, message: String },
    /// A relocation could not be applied (unsupported type, out of range).
    Relocation(String),
    /// The object is malformed or uses something the loader does not
    /// handle; the message says what.
    Object(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::MisalignedDescriptor => f.write_str("module descriptor is misaligned"),
            LoadError::BadMagic => f.write_str("not a smelt module (bad descriptor magic)"),
            LoadError::AbiVersion { module, runtime } => write!(
                f,
                "module was compiled for runtime ABI version {module}, this runtime implements \
                 version {runtime}; recompile it"
            ),
            LoadError::Truncated => f.write_str("module descriptor is truncated"),
            LoadError::FieldOverflow { field } => write!(f, "descriptor field {field} overflows"),
            LoadError::FieldOutOfBounds { field } => {
                write!(f, "descriptor field {field} is out of bounds")
            }
            LoadError::RangeOutOfBounds { range } => {
                write!(f, "descriptor index range {range} is out of bounds")
            }
            LoadError::Inconsistent(message) => f.write_str(message),
            LoadError::InterpFuncCount { records, defined } => write!(
                f,
                "interpreted module has {records} IR records for {defined} defined functions"
            ),
            LoadError::BadInterpFunc { func, reason } => {
                write!(f, "interpreter IR of function {func} is invalid: {reason}")
            }
            LoadError::NotAnObject(reason) => write!(f, "not an object file: {reason}"),
            LoadError::UnsupportedHost => f.write_str(
                "in-process loading is only implemented on x86_64, aarch64, riscv64 and s390x hosts",
            ),
            LoadError::WrongTarget { arch, format, host } => {
                write!(f, "object is for {arch} ({format}); this process runs {host} ELF")
            }
            LoadError::UndefinedSymbol { name } => write!(
                f,
                "object refers to undefined symbol `{name}`; objects that need the linker \
                 (e.g. with `main`) cannot be loaded in-process"
            ),
            LoadError::NoDescriptor => f.write_str(
                "object has no smelt module descriptor (was it written by `smelt compile`?)",
            ),
            LoadError::Mapping { call, message } => write!(f, "{call}: {message}"),
            LoadError::Relocation(message) | LoadError::Object(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for LoadError {}

/// Why instantiation failed: the imports do not match the module (wasm's
/// "link error", see [`is_link`](Self::is_link)), a resource limit or
/// allocation failure, or a trap while initializing.
#[derive(Debug)]
#[non_exhaustive]
pub enum InstantiationError {
    // Link errors.
    /// No definition for the import `module`::`name` (from a `Linker`).
    MissingImport { module: String, name: String },
    /// The number of imports given is not the module's.
    ImportCount { expected: usize, provided: usize },
    /// The definition given for `module`::`name` has the wrong type.
    ImportType { module: String, name: String },
    /// A module compiled with `--bounds-checks guard` imports a memory
    /// without a guard region as `module`::`name`.
    UnguardedMemoryImport { module: String, name: String },
    /// A host function of type `ty` is imported, but no module in the
    /// store has an adapter for that type.
    NoHostAdapter { ty: FuncType },
    /// C API: the function import `module`::`name` needs the import thunks
    /// of `smelt compile --header`, which the module lacks.
    NoImportThunk { module: String, name: String },
    /// C API: the accessor of `module`::`name` returned NULL.
    NullImport { module: String, name: String },
    /// C API: `module`::`name` is a table or tag import.
    UnsupportedCImport { module: String, name: String },

    // Resource errors.
    /// The store's `max_instances` limit is reached.
    InstanceLimit { max: usize },
    /// The store has a timeout, but the module has no interruption checks.
    NotInterruptible,
    /// The store has fuel, but the module was compiled without metering.
    NotMetered,
    /// The module needs guard regions, which the store does not create.
    NeedsGuardRegions,
    /// The module's vmctx size is not what this runtime computes.
    VmctxLayout,
    /// The vmctx size is not a valid allocation size.
    VmctxSize(std::alloc::LayoutError),
    /// The vmctx could not be allocated.
    OutOfMemory,
    /// A defined memory could not be created.
    Memory(MemoryError),
    /// A defined table could not be created.
    Table(TableError),

    /// Segment initialization or the start function trapped.
    Trap(Trap),
}

impl InstantiationError {
    /// Whether the imports do not match the module: what the spec calls a
    /// link error (a `.wast` `assert_unlinkable`).
    pub fn is_link(&self) -> bool {
        use InstantiationError::*;
        matches!(
            self,
            MissingImport { .. }
                | ImportCount { .. }
                | ImportType { .. }
                | UnguardedMemoryImport { .. }
                | NoHostAdapter { .. }
                | NoImportThunk { .. }
                | NullImport { .. }
                | UnsupportedCImport { .. }
        )
    }
}

impl fmt::Display for InstantiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use InstantiationError::*;
        if self.is_link() {
            f.write_str("link error: ")?;
        } else if !matches!(self, Trap(_)) {
            f.write_str("cannot instantiate: ")?;
        }
        match self {
            MissingImport { module, name } => write!(f, "unknown import: {module}::{name}"),
            ImportCount { expected, provided } => {
                write!(
                    f,
                    "module has {expected} imports but {provided} were provided"
                )
            }
            ImportType { module, name } => write!(f, "incompatible import type: {module}::{name}"),
            UnguardedMemoryImport { module, name } => write!(
                f,
                "memory without a guard region imported by a module compiled with \
                 --bounds-checks guard: {module}::{name}"
            ),
            NoHostAdapter { ty } => no_host_adapter(f, ty),
            NoImportThunk { module, name } => write!(
                f,
                "import {module}::{name}: the module was compiled without the typed C API \
                 (smelt compile --header)"
            ),
            NullImport { module, name } => {
                write!(f, "import {module}::{name}: its accessor returned NULL")
            }
            UnsupportedCImport { module, name } => write!(
                f,
                "import {module}::{name}: tables and tags cannot be imported through the C API; \
                 use the Rust API"
            ),
            InstanceLimit { max } => {
                write!(f, "the store's limit of {max} instances is reached")
            }
            NotMetered => f.write_str(
                "the store has fuel but the module was compiled without fuel metering; \
                 recompile it with --fuel-metering (or run it with --fuel)",
            ),
            NotInterruptible => f.write_str(
                "the store has a timeout but the module was compiled without interruption \
                 checks; recompile it with --interruptible",
            ),
            NeedsGuardRegions => f.write_str(
                "module was compiled with --bounds-checks guard, which needs memories with guard \
                 regions, but this store creates memories without them; recompile with \
                 --bounds-checks explicit",
            ),
            VmctxLayout => f.write_str("module's vmctx layout disagrees with this runtime"),
            VmctxSize(e) => write!(f, "{e}"),
            OutOfMemory => f.write_str("out of memory"),
            Memory(e) => write!(f, "{e}"),
            Table(e) => write!(f, "{e}"),
            Trap(t) => write!(f, "trap during instantiation: {t}"),
        }
    }
}

impl std::error::Error for InstantiationError {}

/// Why a memory could not be created.
#[derive(Debug)]
#[non_exhaustive]
pub enum MemoryError {
    /// A [`SharedMemory`](crate::SharedMemory) needs a type that is
    /// `shared` and has a maximum.
    NotShared,
    /// The minimum (`pages`) is above the memory's limit: its type's
    /// maximum, the store's `max_memory_pages` or the runtime's.
    MinimumExceedsLimit { pages: u64 },
    /// The address space for the memory could not be reserved.
    Reserve(std::io::Error),
    /// The memory's initial pages could not be made accessible.
    Commit(std::io::Error),
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemoryError::NotShared => {
                f.write_str("a shared memory needs `shared` and a maximum size")
            }
            MemoryError::MinimumExceedsLimit { pages } => {
                write!(f, "memory minimum of {pages} pages exceeds the limit")
            }
            MemoryError::Reserve(e) => write!(f, "cannot reserve memory: {e}"),
            MemoryError::Commit(e) => write!(f, "cannot commit memory: {e}"),
        }
    }
}

impl std::error::Error for MemoryError {}

/// Why a table could not be created or changed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TableError {
    /// The minimum (`elements`) is above the table's limit: its type's
    /// maximum, the store's `max_table_elements` or the runtime's.
    MinimumExceedsLimit { elements: u64 },
    /// The value is not of the table's element type.
    TypeMismatch { expected: ValType, got: Val },
    /// The value is a host function of type `ty`, and no module in the
    /// store has an adapter for that type.
    NoHostAdapter { ty: FuncType },
    /// `index` is not below the table's size.
    OutOfBounds { index: u64 },
    /// Growing by `delta` would pass the table's limit.
    GrowRefused { delta: u64 },
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::MinimumExceedsLimit { elements } => {
                write!(f, "table minimum of {elements} elements exceeds the limit")
            }
            TableError::TypeMismatch { expected, got } => type_mismatch(f, *expected, got),
            TableError::NoHostAdapter { ty } => no_host_adapter(f, ty),
            TableError::OutOfBounds { .. } => f.write_str("out of bounds table access"),
            TableError::GrowRefused { .. } => f.write_str("table grow refused"),
        }
    }
}

impl std::error::Error for TableError {}

impl From<ValueError> for TableError {
    fn from(e: ValueError) -> Self {
        match e {
            ValueError::TypeMismatch { expected, got } => {
                TableError::TypeMismatch { expected, got }
            }
            ValueError::NoHostAdapter { ty } => TableError::NoHostAdapter { ty },
        }
    }
}

/// Why a global could not be created or set.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum GlobalError {
    /// The global is immutable.
    Immutable,
    /// The value is not of the global's type.
    TypeMismatch { expected: ValType, got: Val },
    /// The value is a host function of type `ty`, and no module in the
    /// store has an adapter for that type.
    NoHostAdapter { ty: FuncType },
}

impl fmt::Display for GlobalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobalError::Immutable => f.write_str("cannot set an immutable global"),
            GlobalError::TypeMismatch { expected, got } => type_mismatch(f, *expected, got),
            GlobalError::NoHostAdapter { ty } => no_host_adapter(f, ty),
        }
    }
}

impl std::error::Error for GlobalError {}

impl From<ValueError> for GlobalError {
    fn from(e: ValueError) -> Self {
        match e {
            ValueError::TypeMismatch { expected, got } => {
                GlobalError::TypeMismatch { expected, got }
            }
            ValueError::NoHostAdapter { ty } => GlobalError::NoHostAdapter { ty },
        }
    }
}

/// Why a host value cannot be given to wasm (`func::val_to_raw`); the
/// public errors above take its variants. Calls report it as a host trap.
#[derive(Debug, Clone)]
pub(crate) enum ValueError {
    TypeMismatch { expected: ValType, got: Val },
    NoHostAdapter { ty: FuncType },
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::TypeMismatch { expected, got } => type_mismatch(f, *expected, got),
            ValueError::NoHostAdapter { ty } => no_host_adapter(f, ty),
        }
    }
}

impl From<ValueError> for Trap {
    fn from(e: ValueError) -> Trap {
        Trap::host(e.to_string())
    }
}

/// A host function of this type has no `VMFuncRef` yet, and no module in
/// the store has a host adapter for its type (`Func::vm_funcref`).
#[derive(Debug, Clone)]
pub(crate) struct NoHostAdapter(pub(crate) FuncType);

impl From<NoHostAdapter> for ValueError {
    fn from(NoHostAdapter(ty): NoHostAdapter) -> Self {
        ValueError::NoHostAdapter { ty }
    }
}

impl From<NoHostAdapter> for InstantiationError {
    fn from(NoHostAdapter(ty): NoHostAdapter) -> Self {
        InstantiationError::NoHostAdapter { ty }
    }
}

impl From<NoHostAdapter> for Trap {
    fn from(e: NoHostAdapter) -> Trap {
        ValueError::from(e).into()
    }
}

fn type_mismatch(f: &mut fmt::Formatter<'_>, expected: ValType, got: &Val) -> fmt::Result {
    write!(
        f,
        "type mismatch: expected {}, got {got:?}",
        val_type_name(expected)
    )
}

fn no_host_adapter(f: &mut fmt::Formatter<'_>, ty: &FuncType) -> fmt::Result {
    write!(
        f,
        "no module in the store has a host adapter for type {ty:?}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // The messages are what the CLI and the C API print: keep them fixed.

    #[test]
    fn load_error_messages() {
        let cases = [
            (
                LoadError::MisalignedDescriptor,
                "module descriptor is misaligned",
            ),
            (
                LoadError::AbiVersion {
                    module: 3,
                    runtime: 4,
                },
                "module was compiled for runtime ABI version 3, this runtime implements version 4; recompile it",
            ),
            (
                LoadError::FieldOutOfBounds { field: "types" },
                "descriptor field types is out of bounds",
            ),
            (
                LoadError::RangeOutOfBounds {
                    range: "type params",
                },
                "descriptor index range type params is out of bounds",
            ),
            (
                LoadError::InterpFuncCount {
                    records: 1,
                    defined: 2,
                },
                "interpreted module has 1 IR records for 2 defined functions",
            ),
            (
                LoadError::BadInterpFunc {
                    func: 3,
                    reason: "its code range is out of bounds",
                },
                "interpreter IR of function 3 is invalid: its code range is out of bounds",
            ),
            (
                LoadError::WrongTarget {
                    arch: "Aarch64".into(),
                    format: "Elf".into(),
                    host: "X86_64".into(),
                },
                "object is for Aarch64 (Elf); this process runs X86_64 ELF",
            ),
            (
                LoadError::Mapping {
                    call: "mprotect",
                    message: "denied".into(),
                },
                "mprotect: denied",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn instantiation_error_messages() {
        let (module, name) = ("env".to_string(), "f".to_string());
        let cases = [
            (
                InstantiationError::MissingImport {
                    module: module.clone(),
                    name: name.clone(),
                },
                "link error: unknown import: env::f",
            ),
            (
                InstantiationError::ImportCount {
                    expected: 2,
                    provided: 1,
                },
                "link error: module has 2 imports but 1 were provided",
            ),
            (
                InstantiationError::ImportType {
                    module: module.clone(),
                    name: name.clone(),
                },
                "link error: incompatible import type: env::f",
            ),
            (
                InstantiationError::NoHostAdapter {
                    ty: FuncType::new([ValType::I32], []),
                },
                "link error: no module in the store has a host adapter for type (func (param i32) (result))",
            ),
            (
                InstantiationError::NullImport { module, name },
                "link error: import env::f: its accessor returned NULL",
            ),
            (
                InstantiationError::InstanceLimit { max: 2 },
                "cannot instantiate: the store's limit of 2 instances is reached",
            ),
            (
                InstantiationError::Table(TableError::MinimumExceedsLimit { elements: 7 }),
                "cannot instantiate: table minimum of 7 elements exceeds the limit",
            ),
            (
                InstantiationError::Trap(Trap::host("boom")),
                "trap during instantiation: boom",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn extern_error_messages() {
        assert_eq!(
            MemoryError::MinimumExceedsLimit { pages: 8 }.to_string(),
            "memory minimum of 8 pages exceeds the limit"
        );
        assert_eq!(
            MemoryError::NotShared.to_string(),
            "a shared memory needs `shared` and a maximum size"
        );
        assert_eq!(
            TableError::TypeMismatch {
                expected: ValType::FUNCREF,
                got: Val::I32(3)
            }
            .to_string(),
            "type mismatch: expected funcref, got I32(3)"
        );
        assert_eq!(
            TableError::OutOfBounds { index: 9 }.to_string(),
            "out of bounds table access"
        );
        assert_eq!(
            GlobalError::Immutable.to_string(),
            "cannot set an immutable global"
        );
    }
}
