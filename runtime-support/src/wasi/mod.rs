//! WASI preview1 (`wasi_snapshot_preview1`): every function, as host
//! functions a [`Linker`] resolves imports to.
//!
//! One file per area: `args_env`, `clocks`, `random`, `fd` (with
//! `readdir`), `path` (on top of the `sandbox` resolver), `poll`,
//! `proc` and `sock`. Each lists its functions as a table of
//! `HostDef`s; [`add_to_linker`] defines them all.
//!
//! **Where the state lives.** The [`WasiCtx`] (arguments, environment, fd
//! table) is a field of the store, not an `Arc<Mutex<..>>` captured by the
//! closures: a store is used by one thread at a time, so a lock would only
//! cost; the context is dropped (its fds closed) with the store that runs
//! the program; and a host function reaches it and the guest memory as two
//! disjoint fields of the same store, with no aliasing to argue about.
//!
//! **Guest memory.** Every pointer is checked against the calling
//! instance's memory 0 (`memory::GuestMemory`); a bad one is `EFAULT`.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use smelt_runtime::{Linker, Module, Store, wasi};
//! let module = Module::from_object(&std::fs::read("hello.o")?)?;
//! let mut store = Store::new();
//! let mut linker = Linker::new();
//! let ctx = wasi::WasiCtx::builder()
//!     .arg("hello")
//!     .env("LANG", "C")
//!     .preopen_dir(".", ".")
//!     .inherit_stdio()
//!     .build()?;
//! wasi::add_to_linker(&mut linker, &mut store, ctx);
//! let instance = linker.instantiate(&mut store, &module)?;
//! instance.get_func(&mut store, "_start").unwrap().call(&mut store, &[])?;
//! # Ok(()) }
//! ```

mod abi;
mod args_env;
mod clocks;
mod ctx;
mod errno;
mod fd;
mod memory;
mod path;
mod poll;
mod proc;
mod random;
mod readdir;
mod sandbox;
mod sock;
mod table;
pub mod threads;

pub use ctx::{BuildError, WasiCtx, WasiCtxBuilder, parse_dir_spec};
pub use errno::Errno;

use crate::func::{Caller, Func};
use crate::store::AsStoreMut;
use crate::{Extern, FuncType, Linker, Trap, ValRaw, ValType};
use memory::GuestMemory;
use std::sync::{Arc, Mutex, MutexGuard};

/// The import module name of preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// What a WASI function body works with: the program's context and the
/// calling instance's memory.
pub(crate) struct Cx<'a> {
    pub(crate) ctx: CtxLock<'a>,
    pub(crate) mem: GuestMemory<'a>,
}

/// The program's context, shared by every thread of a wasi-threads
/// program. Bodies lock it on first use ([`CtxLock::get`]) and release it
/// around blocking system calls ([`CtxLock::unlocked`]) so that one
/// thread's read or poll never stalls another's WASI calls.
pub(crate) type SharedWasi = Arc<Mutex<WasiCtx>>;

pub(crate) struct CtxLock<'a> {
    shared: &'a Mutex<WasiCtx>,
    guard: Option<MutexGuard<'a, WasiCtx>>,
}

impl CtxLock<'_> {
    /// The context, locked until the call ends or [`CtxLock::unlocked`].
    pub(crate) fn get(&mut self) -> &mut WasiCtx {
        let shared = self.shared;
        self.guard
            .get_or_insert_with(|| shared.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Runs a blocking operation without holding the context's lock.
    pub(crate) fn unlocked<T>(&mut self, f: impl FnOnce() -> T) -> T {
        self.guard = None;
        f()
    }
}

/// How a WASI function fails: with an errno returned to the guest, or
/// with a trap (`proc_exit`) that ends the call.
pub(crate) enum WasiError {
    Errno(Errno),
    Trap(Trap),
}

impl From<Errno> for WasiError {
    fn from(e: Errno) -> WasiError {
        WasiError::Errno(e)
    }
}

pub(crate) type WasiResult = Result<(), WasiError>;

/// One WASI function: its name, parameter types, and body. Every function
/// returns an errno (`i32`) except `proc_exit`.
pub(crate) struct HostDef {
    pub(crate) name: &'static str,
    pub(crate) params: &'static [ValType],
    pub(crate) returns_errno: bool,
    pub(crate) body: fn(&mut Cx<'_>, &[ValRaw]) -> WasiResult,
}

pub(crate) const I: ValType = ValType::I32;
pub(crate) const L: ValType = ValType::I64;

/// Shorthand for a table entry of a function returning an errno.
pub(crate) const fn def(
    name: &'static str,
    params: &'static [ValType],
    body: fn(&mut Cx<'_>, &[ValRaw]) -> WasiResult,
) -> HostDef {
    HostDef {
        name,
        params,
        returns_errno: true,
        body,
    }
}

/// Argument `i` as an `i32`/pointer.
pub(crate) fn arg32(args: &[ValRaw], i: usize) -> u32 {
    args[i].u32()
}

/// Argument `i` as an `i64`.
pub(crate) fn arg64(args: &[ValRaw], i: usize) -> u64 {
    args[i].u64()
}

/// Every preview1 function.
fn all_defs() -> impl Iterator<Item = &'static HostDef> {
    [
        args_env::FUNCS,
        clocks::FUNCS,
        random::FUNCS,
        fd::FUNCS,
        readdir::FUNCS,
        path::FUNCS,
        poll::FUNCS,
        proc::FUNCS,
        sock::FUNCS,
    ]
    .into_iter()
    .flatten()
}

/// Puts `ctx` in `store` and defines every `wasi_snapshot_preview1`
/// function in `linker`. A store holds one WASI context; calling this again
/// replaces it.
pub fn add_to_linker(linker: &mut Linker, store: impl AsStoreMut, ctx: WasiCtx) {
    define(linker, store, ctx, |_| true);
}

/// Like [`add_to_linker`], but defines only the functions `module`
/// imports: what an executable does, to start faster.
pub fn add_to_linker_for(
    linker: &mut Linker,
    store: impl AsStoreMut,
    ctx: WasiCtx,
    module: &crate::Module,
) {
    let imports = module.imports();
    define(linker, store, ctx, |name| {
        imports.iter().any(|i| i.module == MODULE && i.name == name)
    });
}

fn define(
    linker: &mut Linker,
    store: impl AsStoreMut,
    ctx: WasiCtx,
    wanted: impl Fn(&str) -> bool,
) {
    define_shared(linker, store, Arc::new(Mutex::new(ctx)), wanted);
}

/// Defines WASI functions over a context shared with other stores (the
/// threads of a wasi-threads program).
pub(crate) fn define_shared(
    linker: &mut Linker,
    mut store: impl AsStoreMut,
    ctx: SharedWasi,
    wanted: impl Fn(&str) -> bool,
) {
    let store = store.as_store_mut();
    store.wasi = Some(ctx);
    for def in all_defs().filter(|d| wanted(d.name)) {
        let results: &[ValType] = if def.returns_errno { &[I] } else { &[] };
        let ty = FuncType::new(def.params.iter().copied(), results.iter().copied());
        let f = Func::new_raw(&mut *store, ty, move |caller, vals| {
            dispatch(caller, vals, def)
        });
        linker.define(MODULE, def.name, Extern::Func(f));
    }
}

/// Whether `wasi_snapshot_preview1` has a function called `name`.
pub fn defines(name: &str) -> bool {
    all_defs().any(|d| d.name == name)
}

/// Whether `module` imports anything from WASI preview1.
pub fn imports_wasi(module: &crate::Module) -> bool {
    module.imports().iter().any(|i| i.module == MODULE)
}

/// Runs one WASI function for the guest.
fn dispatch(caller: &mut Caller<'_>, vals: &mut [ValRaw], def: &HostDef) -> Result<(), Trap> {
    let memory = caller
        .instance
        .and_then(|i| caller.store.instances[i].memories.first().copied());
    let store = &mut *caller.store;
    let Some(shared) = store.wasi.as_deref() else {
        return Err(Trap::host(format!(
            "{MODULE}::{}: no WASI context in this store",
            def.name
        )));
    };
    let bytes: &mut [u8] = match memory {
        Some(m) => store.memories[m].data_mut(),
        None => &mut [],
    };
    let mut cx = Cx {
        ctx: CtxLock {
            shared,
            guard: None,
        },
        mem: GuestMemory::new(bytes),
    };
    let errno = match (def.body)(&mut cx, vals) {
        Ok(()) => Errno::SUCCESS,
        Err(WasiError::Errno(e)) => e,
        Err(WasiError::Trap(t)) => return Err(t),
    };
    if def.returns_errno {
        vals[0] = ValRaw::from_u32(u32::from(errno.0));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 46 functions of `wasi_snapshot_preview1`, each defined once.
    #[test]
    fn every_preview1_function_is_defined() {
        let mut names: Vec<_> = all_defs().map(|d| d.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate definitions");
        assert_eq!(n, 46, "{names:?}");
    }
}
