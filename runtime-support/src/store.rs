//! The store: owner of every instance, memory, table, global and function
//! created together, and the unit of isolation between unrelated modules.
//!
//! Handles ([`Func`], [`Memory`], …) are indices into the store plus the
//! store's id, so using a handle with the wrong store is detected. A store
//! is used by one thread at a time; everything it owns is freed together
//! when it is dropped.

use crate::abi::{self, TrapKind, VMGlobal};
use crate::entry::RawTrap;
use crate::func::{Func, FuncData};
use crate::instance::InstanceData;
use crate::memory::LinearMemory;
use crate::module::Module;
use crate::table::Table as TableData;
use crate::trap::{Frame, Trap};
use crate::types::GlobalType;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// Resource limits applied to everything created in a store.
#[derive(Clone, Debug, Default)]
pub struct StoreLimits {
    /// Largest size of any linear memory, in pages.
    pub max_memory_pages: Option<u64>,
    /// Largest size of any table, in elements.
    pub max_table_elements: Option<u64>,
    /// Most instances the store may hold.
    pub max_instances: Option<usize>,
    /// Create memories without guard regions (only their maximum size is
    /// reserved): for hosts that cannot reserve 8 GiB per memory. Only
    /// modules compiled with `--bounds-checks explicit` can then be
    /// instantiated.
    pub no_guard_regions: bool,
}

/// A global's storage and type.
pub(crate) struct GlobalData {
    pub(crate) ty: GlobalType,
    pub(crate) ptr: *mut VMGlobal,
    /// Storage for globals created by the host (instances' own globals
    /// live in their vmctx).
    pub(crate) _owned: Option<Box<VMGlobal>>,
}

/// Everything a store owns. Reached through [`AsStoreMut`].
pub struct StoreOpaque {
    pub(crate) id: u64,
    pub(crate) modules: Vec<Module>,
    /// Boxed: each vmctx points back to its instance's stable address.
    #[allow(
        clippy::vec_box,
        reason = "instances must not move when the vector grows"
    )]
    pub(crate) instances: Vec<Box<InstanceData>>,
    pub(crate) memories: Vec<LinearMemory>,
    pub(crate) tables: Vec<TableData>,
    pub(crate) globals: Vec<GlobalData>,
    pub(crate) funcs: Vec<FuncData>,
    /// Host trap handlers, innermost last (see recovery.rs).
    pub(crate) trap_handlers: Vec<crate::recovery::HandlerEntry>,
    pub(crate) next_handler_id: u64,
    /// Tags defined by instances or created by the host.
    pub(crate) tags: Vec<crate::exceptions::TagData>,
    /// Exception objects (what `exnref`s point to), see `exceptions.rs`.
    #[allow(clippy::vec_box, reason = "exception objects must not move")]
    pub(crate) exceptions: Vec<Box<[crate::values::ValRaw]>>,
    /// `VMFuncRef` address -> index in `funcs`.
    pub(crate) funcref_index: HashMap<usize, usize>,
    /// Payloads of `externref`s; the wasm value is index + 1.
    pub(crate) externrefs: Vec<u64>,
    /// Canonical type id -> entry trampoline / host adapter code.
    pub(crate) entry_trampolines: HashMap<u32, usize>,
    pub(crate) host_adapters: HashMap<u32, usize>,
    /// The stack limit currently written in every instance's vmctx.
    pub(crate) stack_limit: usize,
    pub(crate) limits: StoreLimits,
    /// Polled by interruptible code; every vmctx points to it.
    pub(crate) interrupt: Arc<AtomicU32>,
    /// Deadline for each outermost call, if any.
    pub(crate) timeout: Option<Duration>,
    /// Fuel remaining, charged and checked by code compiled with fuel
    /// metering through every vmctx (`VMCTX_FUEL` points here). It may go
    /// negative between checks. `i64::MAX` while fuel is not enabled.
    pub(crate) fuel: Box<AtomicI64>,
    /// Whether [`Store::set_fuel`] or [`Store::add_fuel`] was called: then
    /// only modules compiled with fuel metering can be instantiated.
    pub(crate) fuel_enabled: bool,
    /// Nesting depth of calls into wasm in progress.
    pub(crate) call_depth: u32,
    /// The WASI program state, when the store runs a WASI program (see
    /// `wasi/mod.rs` for why it lives here).
    pub(crate) wasi: Option<crate::wasi::SharedWasi>,
}

/// Interrupts calls running in a store, from any thread. Only code
/// compiled with interruption checks (`--interruptible`) notices: it traps
/// with [`TrapKind::Interrupted`] at the next function entry or loop
/// iteration.
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    flag: Arc<AtomicU32>,
}

impl InterruptHandle {
    /// Interrupts the call running now (or, if none, the next one).
    pub fn interrupt(&self) {
        self.flag.store(1, Ordering::SeqCst);
    }
}

/// Owns a [`StoreOpaque`] at a stable address.
pub struct Store {
    inner: Box<StoreOpaque>,
}

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        Store {
            inner: Box::new(StoreOpaque {
                id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
                modules: Vec::new(),
                instances: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                funcs: Vec::new(),
                trap_handlers: Vec::new(),
                next_handler_id: 0,
                tags: Vec::new(),
                exceptions: Vec::new(),
                funcref_index: HashMap::new(),
                externrefs: Vec::new(),
                entry_trampolines: HashMap::new(),
                host_adapters: HashMap::new(),
                stack_limit: 0,
                limits: StoreLimits::default(),
                interrupt: Arc::new(AtomicU32::new(0)),
                timeout: None,
                fuel: Box::new(AtomicI64::new(i64::MAX)),
                fuel_enabled: false,
                call_depth: 0,
                wasi: None,
            }),
        }
    }

    /// Sets resource limits for memories, tables and instances created
    /// from now on.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
    }

    /// Limits every call from the host into wasm to `timeout` (wall
    /// clock); an overrunning call traps with `Interrupted`. Modules
    /// compiled without interruption checks cannot be instantiated in a
    /// store with a timeout.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.inner.timeout = timeout;
    }

    /// Enables fuel and sets the fuel remaining to `fuel` units (at most
    /// `i64::MAX`). Code compiled with fuel metering (`--fuel`,
    /// `Options::fuel`) uses one unit per wasm instruction it executes and
    /// traps with [`TrapKind::OutOfFuel`] ("all fuel consumed") when the
    /// fuel runs out, checked at function entries and loop headers (the
    /// same count compiled and interpreted; see docs/rust-api.md). Once
    /// fuel is enabled, modules compiled without metering can no longer
    /// be instantiated in the store.
    pub fn set_fuel(&mut self, fuel: u64) {
        self.inner.set_fuel(fuel);
    }

    /// Adds `fuel` units to the fuel remaining (saturating), enabling fuel
    /// with that much if it was not enabled.
    pub fn add_fuel(&mut self, fuel: u64) {
        let now = self.fuel().unwrap_or(0);
        self.inner.set_fuel(now.saturating_add(fuel));
    }

    /// The fuel remaining, or `None` if fuel is not enabled. A call that
    /// ran out between two checks may leave less than nothing; that reads
    /// as 0 (and the next check traps).
    pub fn fuel(&self) -> Option<u64> {
        self.inner.fuel()
    }

    /// A handle to interrupt this store's calls from another thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            flag: self.inner.interrupt.clone(),
        }
    }
}

/// Anything that gives mutable access to a store: [`Store`] and a host
/// function's [`Caller`](crate::Caller).
pub trait AsStoreMut {
    fn as_store_mut(&mut self) -> &mut StoreOpaque;
}

impl AsStoreMut for Store {
    fn as_store_mut(&mut self) -> &mut StoreOpaque {
        &mut self.inner
    }
}

impl AsStoreMut for StoreOpaque {
    fn as_store_mut(&mut self) -> &mut StoreOpaque {
        self
    }
}

impl<T: AsStoreMut + ?Sized> AsStoreMut for &mut T {
    fn as_store_mut(&mut self) -> &mut StoreOpaque {
        (**self).as_store_mut()
    }
}

impl StoreOpaque {
    pub(crate) fn set_fuel(&mut self, fuel: u64) {
        self.fuel_enabled = true;
        let fuel = i64::try_from(fuel).unwrap_or(i64::MAX);
        self.fuel.store(fuel, Ordering::Relaxed);
    }

    pub(crate) fn fuel(&self) -> Option<u64> {
        self.fuel_enabled
            .then(|| self.fuel.load(Ordering::Relaxed).max(0) as u64)
    }

    /// Panics if a handle from another store is used with this one.
    pub(crate) fn check(&self, store_id: u64) {
        assert_eq!(
            store_id, self.id,
            "a smelt handle was used with a store that did not create it"
        );
    }

    /// Keeps `module` alive for as long as the store, and learns its
    /// trampolines.
    pub(crate) fn add_module(&mut self, module: &Module) {
        if self.modules.iter().any(|m| Module::ptr_eq(m, module)) {
            return;
        }
        let m = &module.inner;
        let types = m.slice::<abi::TypeRec>(m.header().types);
        for (t, rec) in types.iter().enumerate() {
            let id = m.type_ids[t];
            if rec.entry != abi::NO_INDEX {
                self.entry_trampolines
                    .entry(id)
                    .or_insert_with(|| m.code_ptr(rec.entry));
            }
            if rec.host_adapter != abi::NO_INDEX {
                self.host_adapters
                    .entry(id)
                    .or_insert_with(|| m.code_ptr(rec.host_adapter));
            }
        }
        self.modules.push(module.clone());
    }

    /// Writes this thread's stack limit into every instance if it changed
    /// (a store used from another thread than last time).
    pub(crate) fn sync_stack_limit(&mut self) {
        let limit = crate::entry::thread_stack_limit();
        if limit == self.stack_limit {
            return;
        }
        self.stack_limit = limit;
        for instance in &mut self.instances {
            instance.set_stack_limit(limit);
        }
    }

    /// Turns what the signal handler recorded into a [`Trap`].
    pub(crate) fn make_trap(&mut self, raw: RawTrap) -> Trap {
        let mut trap = match raw.raised {
            Some(t) if raw.kind == abi::TRAP_RAISED => t,
            _ => match TrapKind::try_from(raw.kind) {
                Ok(kind) => Trap::new(kind),
                Err(code) => Trap::host(format!("unknown trap code {code}")),
            },
        };
        let _ = raw.fault_addr;
        if trap.backtrace().is_empty() {
            trap.set_backtrace(self.symbolicate(&raw.frames));
            trap.set_omitted_frames(raw.omitted_frames);
        } else if raw.kind == abi::TRAP_RAISED {
            // The trap of a nested call (wasm -> host -> wasm, or a typed C
            // call into another module) that the host passed on: this
            // activation's frames continue its backtrace.
            let mut frames = trap.backtrace().to_vec();
            frames.extend(self.symbolicate(&raw.frames));
            let max = crate::entry::MAX_FRAMES;
            let omitted = frames.len().saturating_sub(max) + raw.omitted_frames;
            frames.truncate(max);
            trap.set_omitted_frames(trap.omitted_frames() + omitted);
            trap.set_backtrace(frames);
        }
        self.fill_exception_info(&mut trap);
        trap
    }

    /// Decodes the tag and payload of a trap carrying an exception, once.
    pub(crate) fn fill_exception_info(&mut self, trap: &mut Trap) {
        if let (Some(exn), None) = (trap.exnref(), trap.exception_tag()) {
            let tag = exn.tag(&mut *self);
            let payload = exn.payload(&mut *self);
            trap.set_exception_info(tag, payload);
        }
    }

    /// Wasm frames for a list of pcs (trap pc first, then return
    /// addresses); trampolines and adapters are left out.
    pub(crate) fn symbolicate(&self, pcs: &[usize]) -> Vec<Frame> {
        let mut frames = Vec::new();
        for (i, &pc) in pcs.iter().enumerate() {
            let Some((module, range)) = self
                .modules
                .iter()
                .find_map(|m| m.inner.code_at(pc).map(|r| (m, r)))
            else {
                continue;
            };
            let m = &module.inner;
            let h = m.header();
            let rec = m.slice::<abi::CodeRec>(h.code)[range.index as usize];
            if rec.kind != abi::CODE_KIND_FUNCTION {
                continue;
            }
            let off = (pc - range.start) as u32;
            let trap_site = if i == 0 {
                let traps = m.slice::<abi::TrapRec>(h.traps);
                traps[rec.traps.offset as usize..(rec.traps.offset + rec.traps.len) as usize]
                    .iter()
                    .find(|t| t.offset == off)
                    .copied()
            } else {
                None
            };
            let frame = |func_index: u32, wasm_offset: Option<u32>| Frame {
                module: m.name().into_owned(),
                func_index,
                func_name: m.func_name(func_index),
                wasm_offset: wasm_offset.filter(|o| *o != abi::NO_INDEX),
            };
            // Frame 0 of a thrown exception is a return address too.
            let wasm_offset = match trap_site {
                Some(t) => {
                    // A trap inside a callee inlined here: its frame
                    // first, then this function's at the call.
                    if let Some(callee) = (t.inline_call != abi::NO_INDEX)
                        .then(|| m.func_containing(t.wasm_offset))
                        .flatten()
                    {
                        frames.push(frame(callee, Some(t.wasm_offset)));
                        frames.push(frame(rec.index, Some(t.inline_call)));
                        continue;
                    }
                    Some(t.wasm_offset)
                }
                None => {
                    let sites = m.slice::<abi::CallSiteRec>(h.call_sites);
                    sites[rec.call_sites.offset as usize
                        ..(rec.call_sites.offset + rec.call_sites.len) as usize]
                        .iter()
                        .find(|c| c.ret_offset == off)
                        .map(|c| c.wasm_offset)
                }
            };
            frames.push(frame(rec.index, wasm_offset));
        }
        frames
    }

    /// The function handle for a `VMFuncRef` address (creating one the
    /// first time a reference reaches the host).
    pub(crate) fn func_for_ref(&mut self, funcref: usize) -> Func {
        if let Some(i) = self.funcref_index.get(&funcref) {
            return Func {
                store: self.id,
                index: *i,
            };
        }
        // SAFETY: non-null funcref values only ever point to VMFuncRefs
        // owned by this store's instances or host functions.
        let type_id = unsafe { (*(funcref as *const abi::VMFuncRef)).type_id };
        self.funcs.push(FuncData::Wasm {
            funcref: funcref as *const abi::VMFuncRef,
            type_id,
        });
        let index = self.funcs.len() - 1;
        self.funcref_index.insert(funcref, index);
        Func {
            store: self.id,
            index,
        }
    }

    pub(crate) fn max_memory_pages(&self) -> Option<u64> {
        self.limits.max_memory_pages
    }

    pub(crate) fn max_table_elements(&self) -> Option<u64> {
        self.limits.max_table_elements
    }
}
