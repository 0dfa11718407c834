//! smelt's runtime support library.
//!
//! Only [`abi`] is always present: it is the contract with the compiler.
//! With the default `runtime` feature this crate is also the runtime that
//! every compiled module needs — instances, linear memories, tables,
//! globals, trap handling — and the Rust embedding API:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use smelt_runtime::{Linker, Module, Store, Val};
//! let object = std::fs::read("add.o")?; // from `smelt compile add.wat -o add.o`
//! let module = Module::from_object(&object)?;
//! let mut store = Store::new();
//! let instance = Linker::new().instantiate(&mut store, &module)?;
//! let add = instance.get_func(&mut store, "add").unwrap();
//! let sum = add.call(&mut store, &[Val::I32(1), Val::I32(2)])?;
//! assert_eq!(sum[0].unwrap_i32(), 3);
//! # Ok(()) }
//! ```
//!
//! Typed calls check the types once ([`Instance::get_typed_func`]), host
//! functions come from closures ([`Func::wrap`]), modules linked into the
//! program are read in place ([`Module::from_descriptor`], what
//! `smelt_compiler::Build` sets up), and [`Memory::alloc`] hands out
//! buffers in linear memory. The C API (`include/smelt.h` and the headers
//! of `smelt compile --header`) is implemented in [`c_api`], [`c_linked`]
//! and [`c_memory`].

pub mod abi;

#[cfg(feature = "runtime")]
mod allocator;
#[cfg(feature = "runtime")]
pub mod c_api;
#[cfg(feature = "runtime")]
pub use c_api::linked as c_linked;
#[cfg(feature = "runtime")]
pub use c_api::memory as c_memory;
#[cfg(feature = "runtime")]
mod demangle;
#[cfg(feature = "runtime")]
mod entry;
#[cfg(feature = "runtime")]
mod error;
#[cfg(feature = "runtime")]
mod exceptions;
#[cfg(feature = "runtime")]
pub mod exe;
#[cfg(feature = "runtime")]
mod externals;
#[cfg(feature = "runtime")]
mod func;
#[cfg(feature = "runtime")]
mod instance;
#[cfg(feature = "runtime")]
mod interp;
#[cfg(feature = "runtime")]
mod libcalls;
#[cfg(feature = "runtime")]
mod linker;
#[cfg(feature = "loader")]
mod loader;
#[cfg(feature = "runtime")]
mod memory;
#[cfg(feature = "runtime")]
mod module;
#[cfg(feature = "runtime")]
mod parking;
#[cfg(feature = "runtime")]
mod recovery;
#[cfg(feature = "runtime")]
mod registry;
#[cfg(feature = "runtime")]
mod store;
#[cfg(feature = "runtime")]
mod sys;
#[cfg(feature = "runtime")]
mod table;
#[cfg(feature = "runtime")]
mod trap;
#[cfg(feature = "runtime")]
mod typed;
#[cfg(feature = "runtime")]
mod types;
#[cfg(feature = "runtime")]
mod values;
#[cfg(feature = "runtime")]
pub mod wasi;
#[cfg(feature = "runtime")]
mod watchdog;

#[cfg(feature = "runtime")]
pub use {
    abi::TrapKind,
    allocator::{AllocError, MIN_ALIGN},
    error::{GlobalError, InstantiationError, LoadError, MemoryError, TableError},
    exceptions::{ExnRef, Tag},
    externals::{Extern, Global, Memory, MemoryAccessError, Table},
    func::{Caller, Func},
    instance::Instance,
    linker::Linker,
    memory::SharedMemory,
    module::{ExportType, ImportType, Module},
    recovery::{HandlerId, Recovery, TrapFilter},
    store::{AsStoreMut, InterruptHandle, Store, StoreLimits, StoreOpaque},
    trap::{Frame, Trap},
    typed::{
        IntoFunc, TypedFunc, TypedFuncError, V128, WasmParams, WasmResults, WasmRet, WasmTy,
        WasmTyList,
    },
    types::{
        ExternType, FuncType, GlobalType, Limits, MemoryType, TableType, ValType, val_type_name,
    },
    values::{ExternRef, Val, ValRaw},
};
