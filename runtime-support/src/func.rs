//! Functions: calling wasm from the host, and host functions that wasm
//! calls.

use crate::abi::{self, VMFuncRef, ValType};
use crate::entry::{self, EntryFn};
use crate::error::{NoHostAdapter, ValueError};
use crate::externals::Extern;
use crate::instance::InstanceData;
use crate::store::{AsStoreMut, StoreOpaque};
use crate::trap::Trap;
use crate::types::{self, FuncType};
use crate::values::{ExternRef, Val, ValRaw};
use std::sync::Arc;

/// A function in a store: exported by an instance, or defined by the host.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

type ValsCallback = dyn Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync;
pub(crate) type RawCallback =
    dyn Fn(&mut Caller<'_>, &mut [ValRaw]) -> Result<(), Trap> + Send + Sync;

/// A host function's implementation.
pub(crate) enum HostCallback {
    Vals(Box<ValsCallback>),
    Raw(Box<RawCallback>),
}

pub(crate) struct HostFunc {
    pub(crate) ty: FuncType,
    pub(crate) callback: HostCallback,
}

/// The array-call signature host adapters call (see `abi::HOSTCTX_FUNC`).
type HostCallFn = unsafe extern "C" fn(*mut HostCtx, *mut u8, *mut ValRaw, usize) -> u32;

/// What a host function's `VMFuncRef::vmctx` points to.
#[repr(C)]
pub(crate) struct HostCtx {
    /// Must stay first: read by compiled host adapters at `HOSTCTX_FUNC`.
    func: HostCallFn,
    /// Read by host adapters at `HOSTCTX_THROW` to throw an exception the
    /// host function reported.
    throw: unsafe extern "C" fn(*mut u8, usize, usize),
    store: *mut StoreOpaque,
    host: *const HostFunc,
}

/// A host function's wasm-facing parts, boxed so their addresses are stable.
pub(crate) struct HostVm {
    ctx: HostCtx,
    pub(crate) funcref: VMFuncRef,
}

pub(crate) enum FuncData {
    Wasm {
        funcref: *const VMFuncRef,
        type_id: u32,
    },
    Host {
        host: Arc<HostFunc>,
        type_id: u32,
        vm: Option<Box<HostVm>>,
    },
}

/// The context a host function receives: the store, and the instance
/// whose code called it.
pub struct Caller<'a> {
    pub(crate) store: &'a mut StoreOpaque,
    pub(crate) instance: Option<usize>,
}

impl AsStoreMut for Caller<'_> {
    fn as_store_mut(&mut self) -> &mut StoreOpaque {
        self.store
    }
}

impl Caller<'_> {
    /// An export of the calling instance (e.g. its `memory`).
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let i = self.instance?;
        crate::instance::export_by_name(self.store, i, name)
    }

    /// The calling instance's memory `index` (imported or defined).
    pub fn memory(&self, index: u32) -> Option<crate::Memory> {
        let i = self.instance?;
        let mem = *self.store.instances[i].memories.get(index as usize)?;
        Some(crate::Memory {
            store: self.store.id,
            index: mem,
        })
    }
}

impl Func {
    /// A host function of type `ty`.
    pub fn new(
        mut store: impl AsStoreMut,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Func {
        Self::new_host(
            store.as_store_mut(),
            HostFunc {
                ty,
                callback: HostCallback::Vals(Box::new(f)),
            },
        )
    }

    /// A host function that reads its arguments from and writes its
    /// results to the raw value buffer (no allocation per call).
    pub fn new_raw(
        mut store: impl AsStoreMut,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &mut [ValRaw]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Func {
        Self::new_host(
            store.as_store_mut(),
            HostFunc {
                ty,
                callback: HostCallback::Raw(Box::new(f)),
            },
        )
    }

    /// A host function from a Rust closure whose parameters and results
    /// are Rust types ([`WasmTy`](crate::WasmTy): `i32`, `i64`, `f32`,
    /// `f64`, [`V128`](crate::V128), `Option<Func>`, `Option<ExternRef>`…);
    /// the wasm type is derived from them. The closure may take a
    /// `&mut Caller` first, and may return `Result<_, Trap>` to trap.
    ///
    /// ```no_run
    /// # use smelt_runtime::{Caller, Func, Store, Trap};
    /// # let mut store = Store::new();
    /// let double = Func::wrap(&mut store, |x: i32| x * 2);
    /// let checked = Func::wrap(&mut store, |_: &mut Caller, a: i32, b: i32| {
    ///     a.checked_div(b).ok_or_else(|| Trap::custom(1, "division by zero"))
    /// });
    /// ```
    pub fn wrap<Params, Results>(
        mut store: impl AsStoreMut,
        f: impl crate::typed::IntoFunc<Params, Results>,
    ) -> Func {
        let (ty, callback) = f.into_func();
        Self::new_host(
            store.as_store_mut(),
            HostFunc {
                ty,
                callback: HostCallback::Raw(callback),
            },
        )
    }

    fn new_host(store: &mut StoreOpaque, host: HostFunc) -> Func {
        let type_id = types::intern(&host.ty);
        store.funcs.push(FuncData::Host {
            host: Arc::new(host),
            type_id,
            vm: None,
        });
        Func {
            store: store.id,
            index: store.funcs.len() - 1,
        }
    }

    /// The function's type.
    pub fn ty(&self, mut store: impl AsStoreMut) -> FuncType {
        let store = store.as_store_mut();
        store.check(self.store);
        types::lookup(self.type_id(store))
    }

    pub(crate) fn type_id(&self, store: &StoreOpaque) -> u32 {
        match &store.funcs[self.index] {
            FuncData::Wasm { type_id, .. } | FuncData::Host { type_id, .. } => *type_id,
        }
    }

    /// The `VMFuncRef` wasm uses for this function. Host functions get one
    /// the first time they are needed, with the host adapter of any module
    /// in the store that has their type.
    pub(crate) fn vm_funcref(
        &self,
        store: &mut StoreOpaque,
    ) -> Result<*const VMFuncRef, NoHostAdapter> {
        store.check(self.store);
        let store_ptr: *mut StoreOpaque = store;
        let adapters = &store.host_adapters;
        let r = match &mut store.funcs[self.index] {
            FuncData::Wasm { funcref, .. } => *funcref,
            FuncData::Host { host, type_id, vm } => {
                if vm.is_none() {
                    let Some(code) = adapters.get(type_id) else {
                        return Err(NoHostAdapter(host.ty.clone()));
                    };
                    let mut b = Box::new(HostVm {
                        ctx: HostCtx {
                            func: host_call_shim,
                            throw: crate::exceptions::throw_ref,
                            store: store_ptr,
                            host: Arc::as_ptr(host),
                        },
                        funcref: VMFuncRef {
                            code: *code as *const u8,
                            vmctx: std::ptr::null_mut(),
                            type_id: *type_id,
                            flags: abi::FUNCREF_ARRAY_CALL,
                        },
                    });
                    b.funcref.vmctx = (&raw mut b.ctx).cast();
                    *vm = Some(b);
                }
                &vm.as_ref().expect("just set").funcref as *const VMFuncRef
            }
        };
        store.funcref_index.insert(r as usize, self.index);
        Ok(r)
    }

    /// Calls the function with `args`, returning its results.
    pub fn call(&self, mut store: impl AsStoreMut, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let store = store.as_store_mut();
        store.check(self.store);
        let ty = self.ty(&mut *store);
        if args.len() != ty.params().len() {
            return Err(Trap::host(format!(
                "expected {} arguments, got {}",
                ty.params().len(),
                args.len()
            )));
        }
        let mut values = vec![ValRaw::default(); ty.params().len().max(ty.results().len())];
        for (i, (arg, pty)) in args.iter().zip(ty.params()).enumerate() {
            values[i] = val_to_raw(store, arg, *pty)?;
        }
        let outcome = if let FuncData::Host { host, .. } = &store.funcs[self.index] {
            let host = host.clone();
            let mut caller = Caller {
                store,
                instance: None,
            };
            call_host(&host, &mut caller, &mut values)
        } else {
            let funcref = self.vm_funcref(store)?;
            let type_id = self.type_id(store);
            // SAFETY: the funcref belongs to this store, which keeps its
            // instance alive, and `values` is sized for the type.
            unsafe { call_wasm(store, funcref, type_id, &mut values) }
        };
        if let Err(mut trap) = outcome {
            store.fill_exception_info(&mut trap);
            // The store's trap handlers may recover (see recovery.rs).
            return crate::recovery::decide(store, trap, &ty);
        }
        Ok(ty
            .results()
            .iter()
            .zip(&values)
            .map(|(t, v)| raw_to_val(store, v, *t))
            .collect())
    }
}

impl Func {
    /// Calls the function with arguments and results in `values` (at least
    /// as many slots as its params and results, arguments already checked
    /// against its type). A trap goes through the store's trap handlers
    /// like [`Func::call`].
    pub(crate) fn call_raw(
        &self,
        store: &mut StoreOpaque,
        values: &mut [ValRaw],
    ) -> Result<(), Trap> {
        store.check(self.store);
        let outcome = if let FuncData::Host { host, .. } = &store.funcs[self.index] {
            let host = host.clone();
            let mut caller = Caller {
                store: &mut *store,
                instance: None,
            };
            call_host(&host, &mut caller, values)
        } else {
            let funcref = self.vm_funcref(store)?;
            let type_id = self.type_id(store);
            // SAFETY: the funcref belongs to this store, which keeps its
            // instance alive, and the caller sized `values` for the type.
            unsafe { call_wasm(store, funcref, type_id, values) }
        };
        if let Err(mut trap) = outcome {
            store.fill_exception_info(&mut trap);
            let ty = self.ty(&mut *store);
            let recovered = crate::recovery::decide(store, trap, &ty)?;
            for (i, (v, t)) in recovered.iter().zip(ty.results()).enumerate() {
                values[i] = val_to_raw(store, v, *t)?;
            }
        }
        Ok(())
    }
}

/// Calls a wasm function (or any funcref) through its type's entry
/// trampoline.
///
/// # Safety
///
/// `funcref` must be a live `VMFuncRef` of type `type_id` owned by `store`,
/// and `values` at least as long as its params and results.
pub(crate) unsafe fn call_wasm(
    store: &mut StoreOpaque,
    funcref: *const VMFuncRef,
    type_id: u32,
    values: &mut [ValRaw],
) -> Result<(), Trap> {
    let Some(entry) = store.entry_trampolines.get(&type_id).copied() else {
        return Err(Trap::host("no entry trampoline for this function type"));
    };
    store.sync_stack_limit();
    // SAFETY: entry trampolines are compiled for the platform C ABI with
    // this exact signature.
    let entry: EntryFn = unsafe { std::mem::transmute::<usize, EntryFn>(entry) };
    let _deadline = match store.timeout {
        Some(t) if store.call_depth == 0 => Some(crate::watchdog::arm(
            std::time::Instant::now() + t,
            store.interrupt.clone(),
        )),
        _ => None,
    };
    store.call_depth += 1;
    let store_ptr: *mut StoreOpaque = store;
    // SAFETY: per this function's contract. While wasm runs, the store is
    // only reached through raw pointers (libcalls, host functions).
    let result = unsafe { entry::enter(entry, funcref, values.as_mut_ptr()) };
    // SAFETY: the call is over; we are the only user of the store.
    let store = unsafe { &mut *store_ptr };
    store.call_depth -= 1;
    match result {
        Ok(()) => Ok(()),
        Err(raw) => {
            let mut trap = store.make_trap(raw);
            if trap.kind() == crate::TrapKind::Interrupted && store.call_depth == 0 {
                // Delivered: later calls run normally.
                store
                    .interrupt
                    .store(0, std::sync::atomic::Ordering::SeqCst);
            }
            if let Some(payload) = trap.take_panic() {
                std::panic::resume_unwind(payload);
            }
            Err(trap)
        }
    }
}

fn call_host(host: &HostFunc, caller: &mut Caller<'_>, values: &mut [ValRaw]) -> Result<(), Trap> {
    match &host.callback {
        HostCallback::Raw(f) => f(caller, values),
        HostCallback::Vals(f) => {
            let params: Vec<Val> = host
                .ty
                .params()
                .iter()
                .zip(values.iter())
                .map(|(t, v)| raw_to_val(caller.store, v, *t))
                .collect();
            let mut results: Vec<Val> = host
                .ty
                .results()
                .iter()
                .map(|t| Val::default_for(*t))
                .collect();
            f(caller, &params, &mut results)?;
            for (i, (r, t)) in results.iter().zip(host.ty.results()).enumerate() {
                values[i] = val_to_raw(caller.store, r, *t)?;
            }
            Ok(())
        }
    }
}

/// The array-call entry of every host function (what host adapters call).
///
/// # Safety
///
/// Only host adapters call this, through a VMFuncRef built in
/// `vm_funcref`: `ctx` must be that funcref's HostCtx (living in the
/// store), `caller_vmctx` the calling instance's vmctx and `values` hold
/// the call's params and room for its results.
unsafe extern "C" fn host_call_shim(
    ctx: *mut HostCtx,
    caller_vmctx: *mut u8,
    values: *mut ValRaw,
    _nparams: usize,
) -> u32 {
    // SAFETY: `ctx` is the HostCtx a host adapter was given through the
    // VMFuncRef we built in `vm_funcref`; it lives in the store.
    let ctx = unsafe { &*ctx };
    // SAFETY: the store outlives every call into its functions.
    let store = unsafe { &mut *ctx.store };
    // SAFETY: as above, the HostFunc is kept alive by the store's FuncData.
    let host = unsafe { &*ctx.host };
    let instance = if caller_vmctx.is_null() {
        None
    } else {
        // SAFETY: a non-null caller vmctx is a live instance's vmctx.
        Some(unsafe { InstanceData::from_vmctx(caller_vmctx) }.index)
    };
    let n = host.ty.params().len().max(host.ty.results().len());
    let values_ptr = values;
    // SAFETY: the adapter allocated at least max(params, results) slots.
    let values = unsafe { std::slice::from_raw_parts_mut(values, n) };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut caller = Caller { store, instance };
        call_host(host, &mut caller, values)
    }));
    match result {
        Ok(Ok(())) => abi::HOST_STATUS_OK,
        // ---- exceptions ----
        // A wasm exception (thrown by the host, or uncaught in a nested
        // wasm call) keeps propagating as an exception in the caller.
        Ok(Err(trap)) if crate::exceptions::trap_exception(&trap).is_some() => {
            let exn = crate::exceptions::trap_exception(&trap).expect("checked");
            // SAFETY: the adapter's buffer always has at least one slot.
            unsafe { values_ptr.write(ValRaw::from_u64(exn.0 as u64)) };
            abi::HOST_STATUS_EXCEPTION
        }
        Ok(Err(trap)) => {
            entry::raise(trap);
            abi::HOST_STATUS_TRAP
        }
        Err(payload) => {
            entry::raise(Trap::from_panic(payload));
            abi::HOST_STATUS_TRAP
        }
    }
}

/// Converts a host value to its raw form, checking its type.
pub(crate) fn val_to_raw(
    store: &mut StoreOpaque,
    v: &Val,
    ty: ValType,
) -> Result<ValRaw, ValueError> {
    let mismatch = || ValueError::TypeMismatch {
        expected: ty,
        got: v.clone(),
    };
    Ok(match (v, ty.code()) {
        (Val::I32(x), 0x7f) => ValRaw::from_u32(*x as u32),
        (Val::I64(x), 0x7e) => ValRaw::from_u64(*x as u64),
        (Val::F32(x), 0x7d) => ValRaw::from_u32(*x),
        (Val::F64(x), 0x7c) => ValRaw::from_u64(*x),
        (Val::V128(x), 0x7b) => ValRaw::from_u128(*x),
        (Val::FuncRef(f), _) if ty.is_ref() && !is_extern_type(ty) => match f {
            None if ty.is_nullable() => ValRaw::from_u64(0),
            None => return Err(mismatch()),
            Some(f) => ValRaw::from_u64(f.vm_funcref(store)? as u64),
        },
        (Val::ExternRef(e), _) if is_extern_type(ty) => match e {
            None if ty.is_nullable() => ValRaw::from_u64(0),
            None => return Err(mismatch()),
            Some(e) => ValRaw::from_u64(e.0 as u64),
        },
        (Val::ExnRef(e), _) if is_exn_type(ty) => match e {
            None if ty.is_nullable() => ValRaw::from_u64(0),
            None => return Err(mismatch()),
            Some(e) => ValRaw::from_u64(e.0 as u64),
        },
        _ => return Err(mismatch()),
    })
}

pub(crate) fn is_extern_type(ty: ValType) -> bool {
    matches!(ty.code(), 0x6f | 0x72)
}

/// `exnref` and `nullexnref` (0x74).
pub(crate) fn is_exn_type(ty: ValType) -> bool {
    matches!(ty.code(), 0x69 | 0x74)
}

/// Converts a raw value of type `ty` to a host value.
pub(crate) fn raw_to_val(store: &mut StoreOpaque, v: &ValRaw, ty: ValType) -> Val {
    match ty.code() {
        0x7f => Val::I32(v.u32() as i32),
        0x7e => Val::I64(v.u64() as i64),
        0x7d => Val::F32(v.u32()),
        0x7c => Val::F64(v.u64()),
        0x7b => Val::V128(v.u128()),
        _ if is_extern_type(ty) => Val::ExternRef(match v.u64() {
            0 => None,
            h => Some(ExternRef(h as usize)),
        }),
        _ if is_exn_type(ty) => Val::ExnRef(match v.u64() {
            0 => None,
            p => Some(crate::exceptions::ExnRef(p as usize)),
        }),
        _ => Val::FuncRef(match v.u64() {
            0 => None,
            p => Some(store.func_for_ref(p as usize)),
        }),
    }
}

impl ExternRef {
    /// A new `externref` carrying `payload`.
    pub fn new(mut store: impl AsStoreMut, payload: u64) -> ExternRef {
        let store = store.as_store_mut();
        store.externrefs.push(payload);
        ExternRef(store.externrefs.len())
    }

    /// The payload given to [`ExternRef::new`].
    pub fn payload(&self, mut store: impl AsStoreMut) -> u64 {
        store.as_store_mut().externrefs[self.0 - 1]
    }
}
