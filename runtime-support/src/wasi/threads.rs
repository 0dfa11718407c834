//! wasi-threads: `wasi::thread-spawn` for programs that import it.
//!
//! A wasi-threads program imports a shared memory (conventionally
//! `env::memory`) and `wasi::thread-spawn(start_arg) -> tid`, and exports
//! `wasi_thread_start(tid, start_arg)`. Spawning creates an OS thread with
//! its own store and a new instance of the same module, importing the same
//! shared memory and sharing the WASI context (open files, arguments,
//! environment); the new thread runs `wasi_thread_start`.
//!
//! As in other engines, the program is one process: `proc_exit` on any
//! thread ends it with that status, a trap on any thread prints the report
//! and ends it with status 134, and the process ends when `_start` returns.

use super::{SharedWasi, WasiCtx};
use crate::store::{AsStoreMut, StoreOpaque};
use crate::{
    Extern, Func, FuncType, Linker, Memory, Module, SharedMemory, Store, Trap, Val, ValType,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

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
        let tid = self.next_tid.fetch_add(1, Ordering::Relaxed);
        if tid > MAX_TID {
            return -1;
        }
        let me = self.clone();
        let started = std::thread::Builder::new()
            .name(format!("wasi-thread-{tid}"))
            .stack_size(THREAD_STACK)
            .spawn(move || me.run(tid, start_arg));
        match started {
            Ok(_) => tid as i32,
            Err(_) => -1,
        }
    }

    fn run(&self, tid: u32, start_arg: i32) {
        let mut store = Store::new();
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

/// Defines everything a wasi-threads program imports: the WASI functions
/// over `ctx`, a new shared memory for its shared-memory import, and
/// `wasi::thread-spawn`.
pub fn add_to_linker(
    linker: &mut Linker,
    mut store: impl AsStoreMut,
    ctx: WasiCtx,
    module: &Module,
) -> Result<(), String> {
    let (import, ty) = module
        .imports()
        .into_iter()
        .find_map(|i| match i.ty {
            crate::ExternType::Memory(ty) if ty.shared => Some(((i.module, i.name), ty)),
            _ => None,
        })
        .ok_or("a wasi-threads program must import a shared memory")?;
    let spawner = Spawner {
        module: module.clone(),
        memory: SharedMemory::new(ty)?,
        memory_import: import,
        wasi: Arc::new(Mutex::new(ctx)),
        next_tid: Arc::new(AtomicU32::new(1)),
    };
    spawner.define(linker, store.as_store_mut());
    Ok(())
}
