//! What the typed C API of a module (`smelt compile --header`) runs on:
//! the runtime entries its generated functions call (see `abi::embed` for
//! the contract), and the pending trap of typed calls.
//!
//! Typed calls (`smelt_w_<mod>_<export>(instance, ...)`) return plain
//! values, so a trap cannot be their return value. Instead:
//!
//! 1. the store's trap handlers decide first, as for `smelt_rt_call`: a
//!    handler may make the call return chosen values;
//! 2. otherwise the call returns zeros and the trap becomes this thread's
//!    *pending trap*, which `smelt_rt_take_trap()` hands to the caller
//!    (NULL when the last typed call succeeded). Each typed call starts by
//!    discarding a pending trap nobody took.
//!
//! A pending trap is also how a host function — an import defined in C —
//! fails: it calls `smelt_rt_raise_trap(code, message)` and returns; the
//! import thunk that called it finds the pending trap and ends the wasm
//! call with it. A typed call made inside an import (module B's import
//! satisfied by module A's export) that traps leaves its trap pending in
//! the same way, so it crosses into B's caller: traps propagate through
//! linked modules as through one module.

use crate::abi::embed::VMImportThunkCtx;
use crate::abi::{self, VMFuncRef, VMGlobal};
use crate::c_api::memory::SmeltMemory;
use crate::c_api::{SmeltInstance, SmeltTrap, boxed_trap, instantiate_descriptor};
use crate::entry;
use crate::error::InstantiationError;
use crate::externals::{Extern, Global, Memory};
use crate::instance::Instance;
use crate::module::Module;
use crate::store::{AsStoreMut, StoreOpaque};
use crate::trap::Trap;
use crate::types::ExternType;
use crate::values::ValRaw;
use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_void};

thread_local! {
    static PENDING: RefCell<Option<Trap>> = const { RefCell::new(None) };
}

fn set_pending(trap: Option<Trap>) {
    PENDING.with(|p| *p.borrow_mut() = trap);
}

fn take_pending() -> Option<Trap> {
    PENDING.with(|p| p.borrow_mut().take())
}

/// An imported function of a C-API instance: the thunk's context and the
/// `VMFuncRef` wasm calls, at stable addresses (boxed, owned by the
/// instance).
pub(crate) struct ThunkImport {
    ctx: VMImportThunkCtx,
    funcref: VMFuncRef,
}

/// The imported functions of an instance, boxed: its vmctx holds the
/// addresses of their `VMFuncRef`s.
#[allow(
    clippy::vec_box,
    reason = "the VMFuncRefs must not move when the vector grows"
)]
pub(crate) type Thunks = Vec<Box<ThunkImport>>;

/// A table handle as C sees it (`smelt_rt_table`).
pub struct SmeltTable {
    store: *mut StoreOpaque,
    index: usize,
}

/// What an instance's export accessors handed out, kept for its lifetime.
#[derive(Default)]
pub(crate) struct Handles {
    memories: Vec<(usize, Box<SmeltMemory>)>,
    tables: Vec<(usize, Box<SmeltTable>)>,
}

/// The thunk's `check` (see `abi::embed`): raises the pending trap, if
/// any, into the innermost activation.
///
/// # Safety
///
/// Only import thunks call this (see `abi::embed`), on a thread inside
/// a wasm call; `_ctx` is not read.
unsafe extern "C" fn thunk_check(_ctx: *const VMImportThunkCtx) -> u32 {
    match take_pending() {
        Some(trap) => {
            entry::raise(trap);
            abi::HOST_STATUS_TRAP
        }
        None => abi::HOST_STATUS_OK,
    }
}

/// The `module` and `name` of import `i`, for an [`InstantiationError`].
fn import_name(module: &Module, i: usize) -> (String, String) {
    let imp = module.imports().swap_remove(i);
    (imp.module, imp.name)
}

/// Builds the imports of `module` from what its generated
/// `smelt_mod_<mod>_instantiate` computed (see `abi::embed`).
///
/// # Safety
///
/// `imports` must hold `module.imports().len()` pointers of the kinds
/// `abi::embed` describes.
unsafe fn link_imports(
    store: &mut StoreOpaque,
    module: &Module,
    imports: &[*mut c_void],
    thunks: &mut Thunks,
) -> Result<Vec<Extern>, InstantiationError> {
    let m = &module.inner;
    let recs = m.slice::<abi::ImportRec>(m.header().imports);
    let mut externs = Vec::with_capacity(recs.len());
    for (i, (rec, &ptr)) in recs.iter().zip(imports).enumerate() {
        let ext = match m.extern_type(rec.kind, rec.index) {
            ExternType::Func(_) => {
                let Some(code) = m.import_thunk(rec.index) else {
                    let (module, name) = import_name(module, i);
                    return Err(InstantiationError::NoImportThunk { module, name });
                };
                let mut thunk = Box::new(ThunkImport {
                    ctx: VMImportThunkCtx {
                        check: thunk_check as *const u8,
                        throw: crate::exceptions::throw_ref as *const u8,
                        host: ptr.cast(),
                    },
                    funcref: VMFuncRef {
                        code: m.code_ptr(code) as *const u8,
                        vmctx: std::ptr::null_mut(),
                        type_id: m.type_ids[m.func_rec(rec.index).type_index as usize],
                        flags: 0,
                    },
                });
                thunk.funcref.vmctx = (&raw mut thunk.ctx).cast();
                let func = store.func_for_ref(&raw const thunk.funcref as usize);
                thunks.push(thunk);
                Extern::Func(func)
            }
            _ if ptr.is_null() => {
                let (module, name) = import_name(module, i);
                return Err(InstantiationError::NullImport { module, name });
            }
            ExternType::Memory(_) => {
                // SAFETY: per the contract, a memory import's pointer is a
                // live `smelt_rt_memory` handle.
                let mem = unsafe { &*(ptr as *const SmeltMemory) };
                Extern::Memory(Memory::from_linear(&mut *store, &mem.mem))
            }
            ExternType::Global(ty) => {
                // SAFETY: per the contract (and the generated header's
                // documentation), the host's storage outlives the instance.
                Extern::Global(unsafe { Global::from_ptr(&mut *store, ty, ptr.cast::<VMGlobal>()) })
            }
            ExternType::Table(_) | ExternType::Tag(_) => {
                let (module, name) = import_name(module, i);
                return Err(InstantiationError::UnsupportedCImport { module, name });
            }
        };
        externs.push(ext);
    }
    Ok(externs)
}

/// Instantiates a module compiled with the typed C API, with its imports
/// as `smelt_mod_<mod>_instantiate` computed them. NULL on failure, with
/// the reason in `*trap_out` (if not NULL).
///
/// # Safety
///
/// `descriptor` must be a linked-in module descriptor, `imports` hold
/// `nimports` pointers as `abi::embed` describes, `trap_out` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_instantiate_linked(
    descriptor: *const c_void,
    imports: *const *mut c_void,
    nimports: usize,
    trap_out: *mut *mut SmeltTrap,
) -> *mut SmeltInstance {
    // SAFETY: the caller guarantees `descriptor` is linked in and `trap_out` NULL
    // or writable, as `instantiate_descriptor` needs.
    unsafe {
        instantiate_descriptor(descriptor, trap_out, |store, module, thunks| {
            let imports = if nimports == 0 {
                &[][..]
            } else {
                // SAFETY: `nimports` is not 0 here, and the caller guarantees `imports`
                // holds `nimports` pointers.
                std::slice::from_raw_parts(imports, nimports)
            };
            if imports.len() != module.imports().len() {
                return Err(InstantiationError::Trap(Trap::host(format!(
                    "module {} has {} imports, {} were given",
                    module.name(),
                    module.imports().len(),
                    imports.len()
                ))));
            }
            // SAFETY: the caller guarantees each import pointer is what `abi::embed`
            // describes for its import, which is what `link_imports` reads.
            let externs = link_imports(store.as_store_mut(), module, imports, thunks)?;
            Instance::new(store, module, &externs)
        })
    }
}

/// Calls function `func_index` of the instance with the params in
/// `values` and writes its results there; on a trap (that no handler
/// recovered from) writes zeros and leaves the trap pending.
///
/// # Safety
///
/// `instance` must be live, `func_index` a function of its module and
/// `values` hold max(params, results) slots.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_invoke(
    instance: *mut SmeltInstance,
    func_index: u32,
    values: *mut ValRaw,
) {
    set_pending(None);
    // SAFETY: the caller guarantees `instance` is live (`# Safety` above); the
    // mutable borrow ends with this call.
    let inst = unsafe { &mut *instance };
    let store = inst.store.as_store_mut();
    let data = &store.instances[inst.instance.index];
    let (nparams, nresults) = data.module.inner.func_arity(func_index);
    let funcref = data.funcref(func_index);
    let func = store.func_for_ref(funcref);
    let n = nparams.max(nresults).max(1);
    // SAFETY: per the contract, `values` has room for the call.
    let values = unsafe { std::slice::from_raw_parts_mut(values, n) };
    if let Err(trap) = func.call_raw(store, values) {
        values[..nresults].fill(ValRaw::default());
        set_pending(Some(trap));
    }
}

/// The handle of a memory or table export, or the address of a global's
/// value, by export index.
///
/// # Safety
///
/// `instance` must be live and `export_index` one of its module's
/// memory, table or global exports.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_instance_export(
    instance: *mut SmeltInstance,
    export_index: u32,
) -> *mut c_void {
    // SAFETY: the caller guarantees `instance` is live (`# Safety` above); the
    // mutable borrow ends with this call.
    let inst = unsafe { &mut *instance };
    let store = inst.store.as_store_mut();
    let data = &store.instances[inst.instance.index];
    let m = &data.module.inner;
    let Some(e) = m
        .slice::<abi::ExportRec>(m.header().exports)
        .get(export_index as usize)
        .copied()
    else {
        return std::ptr::null_mut();
    };
    match e.kind {
        abi::EXTERN_MEMORY => {
            let index = data.memories[e.index as usize];
            inst.memory_handle(index)
        }
        abi::EXTERN_GLOBAL => store.globals[data.globals[e.index as usize]].ptr.cast(),
        abi::EXTERN_TABLE => {
            let index = data.tables[e.index as usize];
            let store_ptr: *mut StoreOpaque = store;
            let tables = &mut inst.handles.tables;
            if let Some((_, t)) = tables.iter_mut().find(|(i, _)| *i == index) {
                return (&raw mut **t).cast();
            }
            tables.push((
                index,
                Box::new(SmeltTable {
                    store: store_ptr,
                    index,
                }),
            ));
            (&raw mut *tables.last_mut().expect("just pushed").1).cast()
        }
        _ => std::ptr::null_mut(),
    }
}

impl SmeltInstance {
    /// The handle of store memory `index`, created on first use.
    pub(crate) fn memory_handle(&mut self, index: usize) -> *mut c_void {
        let memories = &mut self.handles.memories;
        if let Some((_, m)) = memories.iter_mut().find(|(i, _)| *i == index) {
            return (&raw mut **m).cast();
        }
        let mem = self.store.as_store_mut().memories[index].clone();
        memories.push((index, Box::new(SmeltMemory { mem })));
        (&raw mut *memories.last_mut().expect("just pushed").1).cast()
    }
}

/// The number of elements of a table.
///
/// # Safety
///
/// `table` must be a live handle (its instance not freed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_table_size(table: *const SmeltTable) -> u64 {
    // SAFETY: per the contract, the handle's store is alive.
    unsafe {
        let t = &*table;
        (&(*t.store).tables)[t.index].len()
    }
}

/// Takes this thread's pending trap: the trap of the last typed call, if it
/// trapped (NULL otherwise). The caller frees it with `smelt_rt_trap_free`.
#[unsafe(no_mangle)]
pub extern "C" fn smelt_rt_take_trap() -> *mut SmeltTrap {
    match take_pending() {
        Some(t) => boxed_trap(t),
        None => std::ptr::null_mut(),
    }
}

/// Makes a trap of kind `SMELT_TRAP_CUSTOM` with `code` and `message` (may
/// be NULL) this thread's pending trap: a host function defining an
/// import calls it and returns, and the wasm call that called the import
/// ends with this trap.
///
/// # Safety
///
/// `message` must be NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_raise_trap(code: u32, message: *const c_char) {
    let message = if message.is_null() {
        format!("host error {code}")
    } else {
        // SAFETY: `message` is not NULL here, and the caller guarantees a non-NULL
        // `message` is a NUL-terminated C string.
        unsafe { CStr::from_ptr(message) }
            .to_string_lossy()
            .into_owned()
    };
    set_pending(Some(Trap::custom(code, message)));
}
