//! wasi-threads: `wasi::thread-spawn` for programs that import it.
//!
//! A wasi-threads program imports a shared memory (conventionally
//! `env::memory`) and `wasi::thread-spawn(start_arg) -> tid`, and exports
//! `wasi_thread_start(tid, start_arg)`. Spawning creates an OS thread with
//! its own store and a new instance of the same module, importing the same
//! shared memory and sharing the WASI context (open files, arguments,
//! environment); the new thread runs `wasi_thread_start`.
//!
//! Every thread's store gets the limits and timeout of the store the
//! program was set up in: the shared memory is created under its page
//! limit, each thread's calls have the same timeout, and the instance
//! limit counts the program's instances on all threads (the main one
//! included), so `thread-spawn` fails once it is reached.
//!
//! As in other engines, the program is one process: `proc_exit` on any
//! thread ends it with that status, a trap on any thread prints the report
//! and ends it with status 134, and the process ends when `_start` returns.

use super::{SharedWasi, WasiCtx};
use crate::store::{AsStoreMut, StoreOpaque};
use crate::{
    Extern, Func, FuncType, Linker, Memory, MemoryError, Module, SharedMemory, Store, StoreLimits,
    Trap, Val, ValType,
};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The import module and name of the spawn function.
pub const MODULE: &str = "wasi";
pub const NAME: &str = "thread-spawn";

/// Stack of spawned threads (wasm frames and host calls).
const THREAD_STACK: usize = 8 << 20;

/// Whether `module` imports `wasi::thread-spawn`.
pub fn imports_thread_spawn(module: &Module) -> bool {
    module
        .imports()
        .iter()
        .any(|i| i.module == MODULE && i.name == NAME)
}

/// What every thread of the program needs to instantiate it again.
#[derive(Clone)]
struct Spawner {
    module: Module,
    /// The shared memory and the name it is imported under.
    memory: SharedMemory,
    memory_import: (String, String),
    wasi: SharedWasi,
    next_tid: Arc<AtomicU32>,
    /// The setup store's limits and timeout, for every thread's store.
    limits: StoreLimits,
    timeout: Option<Duration>,
    /// The setup store's fuel (if enabled): every thread's store starts
    /// with this much of its own.
    fuel: Option<u64>,
    /// Instances of the program alive on all threads (the main one
    /// included), checked against `limits.max_instances`.
    instances: Arc<AtomicUsize>,
}

/// Gives back a thread's slot in the instance count when it ends.
struct InstanceSlot(Arc<AtomicUsize>);

impl Drop for InstanceSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Largest thread id wasi-threads allows.
const MAX_TID: u32 = 0x1fff_ffff;

impl Spawner {
    fn define(&self, linker: &mut Linker, store: &mut StoreOpaque) {
        let memory = Memory::from_shared(&mut *store, &self.memory);
        linker.define(
            &self.memory_import.0,
            &self.memory_import.1,
            Extern::Memory(memory),
        );
        let imports = self.module.imports();
        super::define_shared(linker, &mut *store, self.wasi.clone(), |name| {
            imports
                .iter()
                .any(|i| i.module == super::MODULE && i.name == name)
        });
        let me = self.clone();
        let spawn = Func::new(
            &mut *store,
            FuncType::new([ValType::I32], [ValType::I32]),
            move |_caller, args, results| {
                results[0] = Val::I32(me.spawn(args[0].unwrap_i32()));
                Ok(())
            },
        );
        linker.define(MODULE, NAME, Extern::Func(spawn));
    }

    /// Starts a thread running `wasi_thread_start(tid, start_arg)`; returns
    /// the new thread id, or a negative value when no thread can start.
    fn spawn(&self, start_arg: i32) -> i32 {
        let max = self.limits.max_instances.unwrap_or(usize::MAX);
        let admitted = self
            .instances
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok();
        if !admitted {
            return -1;
        }
        let slot = InstanceSlot(self.instances.clone());
        let tid = self.next_tid.fetch_add(1, Ordering::Relaxed);
        if tid > MAX_TID {
            return -1;
        }
        let me = self.clone();
        let started = std::thread::Builder::new()
            .name(format!("wasi-thread-{tid}"))
            .stack_size(THREAD_STACK)
            .spawn(move || {
                let _slot = slot;
                me.run(tid, start_arg)
            });
        match started {
            Ok(_) => tid as i32,
            Err(_) => -1,
        }
    }

    fn run(&self, tid: u32, start_arg: i32) {
        let mut store = Store::new();
        store.set_limits(self.limits.clone());
        store.set_timeout(self.timeout);
        if let Some(fuel) = self.fuel {
            store.set_fuel(fuel);
        }
        let mut linker = Linker::new();
        self.define(&mut linker, store.as_store_mut());
        let result = linker
            .instantiate(&mut store, &self.module)
            .map_err(|e| Trap::host(e.to_string()))
            .and_then(|instance| {
                instance
                    .get_func(&mut store, "wasi_thread_start")
                    .ok_or_else(|| Trap::host("the module does not export wasi_thread_start"))
            })
            .and_then(|start| start.call(&mut store, &[Val::I32(tid as i32), Val::I32(start_arg)]));
        if let Err(trap) = result {
            end_process(&trap);
        }
    }
}

/// Ends the whole program after a thread's `proc_exit` or trap.
fn end_process(trap: &Trap) -> ! {
    if let Some(code) = trap.exit_code() {
        std::process::exit(code);
    }
    eprint!("{}", trap.report());
    std::process::exit(crate::exe::TRAP_EXIT_STATUS);
}

/// Why [`add_to_linker`] could not set a wasi-threads program up.
#[derive(Debug)]
#[non_exhaustive]
pub enum SetupError {
    /// The module imports no shared memory.
    NoSharedMemory,
    /// The shared memory could not be created (e.g. its minimum is above
    /// the store's page limit).
    Memory(MemoryError),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::NoSharedMemory => {
                f.write_str("a wasi-threads program must import a shared memory")
            }
            SetupError::Memory(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SetupError {}

/// Defines everything a wasi-threads program imports: the WASI functions
/// over `ctx`, a new shared memory for its shared-memory import, and
/// `wasi::thread-spawn`. The store's limits and timeout (set them first)
/// apply to the shared memory and to every thread.
pub fn add_to_linker(
    linker: &mut Linker,
    mut store: impl AsStoreMut,
    ctx: WasiCtx,
    module: &Module,
) -> Result<(), SetupError> {
    let (import, ty) = module
        .imports()
        .into_iter()
        .find_map(|i| match i.ty {
            crate::ExternType::Memory(ty) if ty.shared => Some(((i.module, i.name), ty)),
            _ => None,
        })
        .ok_or(SetupError::NoSharedMemory)?;
    let store = store.as_store_mut();
    let limits = store.limits.clone();
    let spawner = Spawner {
        module: module.clone(),
        memory: SharedMemory::with_limit(ty, limits.max_memory_pages)
            .map_err(SetupError::Memory)?,
        memory_import: import,
        wasi: Arc::new(Mutex::new(ctx)),
        next_tid: Arc::new(AtomicU32::new(1)),
        timeout: store.timeout,
        fuel: store.fuel(),
        limits,
        // The main thread's instance.
        instances: Arc::new(AtomicUsize::new(1)),
    };
    spawner.define(linker, store);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `smelt run` and built programs print these: keep them fixed.
    #[test]
    fn setup_error_messages() {
        assert_eq!(
            SetupError::NoSharedMemory.to_string(),
            "a wasi-threads program must import a shared memory"
        );
        assert_eq!(
            SetupError::Memory(MemoryError::MinimumExceedsLimit { pages: 9 }).to_string(),
            "memory minimum of 9 pages exceeds the limit"
        );
    }
}
