//! One module from bytes to object, phase by phase: parse and validate
//! ([`ModuleInfo::parse`]), declare every code item's symbol, compile the
//! items in parallel, then let `emit/` write them, the descriptor, `main`
//! and the typed C API into the object.
//!
//! In interpreted mode ([`ExecutionMode::Interpreted`]) the defined
//! functions are no code items: each is translated to interpreter IR
//! (`interp::translate_function`, in parallel like compilation) and the
//! descriptor carries the IR; the trampolines, the throw stub and the
//! import thunks are compiled as usual.

use crate::compile::{ItemKind, Worker, describe};
use crate::emit::{self, c_api, module_error};
use crate::error::{CompileError, Result};
use crate::func_env::wasm_signature;
use crate::interp::InterpFunc;
use crate::module_info::{DefinedFuncIndex, ModuleInfo};
use crate::{
    Artifact, CompiledItem, ExecutionMode, ImportSummary, Options, isa, names, timings, trampolines,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use smelt_runtime::abi;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasmparser::FuncValidatorAllocations;

/// Every code item of the object, in the order they are declared, defined
/// and listed in the descriptor.
pub(crate) struct Items {
    pub(crate) list: Vec<(ItemKind, FuncId)>,
    /// The symbol of each item in `list`.
    names: Vec<String>,
    /// Per type: positions in `list` of its entry trampoline and host
    /// adapter (`abi::NO_INDEX` for non-function types).
    pub(crate) trampolines: Vec<(u32, u32)>,
    /// Position of the throw stub in `list`.
    pub(crate) throw_stub: u32,
    stub: FuncId,
    /// The C symbols the import thunks call (typed C API only).
    c_imports: Option<c_api::CImports>,
}

/// Translates one defined function to interpreter IR:
/// [`crate::interp::translate_function`], or a fake in tests.
pub(crate) type InterpTranslator =
    fn(&ModuleInfo<'_>, DefinedFuncIndex, &Options) -> Result<InterpFunc>;

pub(crate) fn compile_module(wasm: &[u8], options: &Options) -> Result<Artifact> {
    compile_module_with(wasm, options, crate::interp::translate_function)
}

/// How the defined functions of an interpreted module get their IR.
#[derive(Copy, Clone)]
pub(crate) enum InterpIr {
    /// Translated now (in parallel), stored in the descriptor.
    Stored(InterpTranslator),
    /// Validated now (in parallel), translated by the runtime's
    /// `LazyTranslator` on first call: the descriptor carries no IR.
    Lazy,
}

/// [`compile_module`] with the interpreter translator to use in
/// interpreted mode.
pub(crate) fn compile_module_with(
    wasm: &[u8],
    options: &Options,
    translate: InterpTranslator,
) -> Result<Artifact> {
    let isa = isa::build_isa(options)?;
    let info = parse(wasm, options)?;
    compile_parsed(&isa, &info, options, InterpIr::Stored(translate))
}

/// Parses and validates everything but the function bodies.
pub(crate) fn parse<'a>(wasm: &'a [u8], options: &Options) -> Result<ModuleInfo<'a>> {
    let phase = timings::Phase::start("parse");
    let info = ModuleInfo::parse(wasm, options.features)?;
    phase.end();
    Ok(info)
}

/// Everything after [`parse`]: the functions (compiled, translated or
/// only validated, per `options.mode` and `ir`), the trampolines, the
/// descriptor and the object.
pub(crate) fn compile_parsed(
    owned_isa: &cranelift_codegen::isa::OwnedTargetIsa,
    info: &ModuleInfo<'_>,
    options: &Options,
    ir: InterpIr,
) -> Result<Artifact> {
    let module_name = options.module_name.as_str();
    if let Some(dir) = &options.emit_clif {
        std::fs::create_dir_all(dir).map_err(|source| CompileError::Io {
            path: dir.clone(),
            source,
        })?;
    }
    let isa = &**owned_isa;
    let mut module = emit::object_module(owned_isa, module_name)?;
    let items = declare_items(&mut module, isa, info, options)?;
    let interpreted = options.mode == ExecutionMode::Interpreted;
    if interpreted && options.canonicalize_nans {
        // The interpreter computes NaNs as the host does; it has no
        // canonicalizing variant of its float operators.
        return Err(CompileError::Unsupported {
            feature: "--canonicalize-nans with --mode interp".into(),
            offset: None,
        });
    }
    let num_interp = if interpreted { info.bodies.len() } else { 0 };
    let counter = Counter {
        progress: options.progress.as_ref(),
        done: AtomicUsize::new(0),
        total: items.list.len() + num_interp,
    };
    // Function errors first, as in compiled mode (where the functions are
    // the first items).
    let interp = match (interpreted, ir) {
        (false, _) => None,
        (true, InterpIr::Stored(translate)) => {
            let phase = timings::Phase::start("validate+translate");
            let funcs = translate_interp(info, options, translate, &counter)?;
            phase.end();
            timings::stat(|| {
                let code: usize = funcs.iter().map(|f| 4 * f.code.len()).sum();
                let side: usize = funcs
                    .iter()
                    .map(|f| {
                        std::mem::size_of_val(&f.offsets[..])
                            + std::mem::size_of_val(&f.handlers[..])
                    })
                    .sum();
                let body = code_section_size(info);
                format!(
                    "interpreter IR of {} functions: {body} bytes of wasm bodies, \
                     {code} bytes of code ({:.2}x), {side} bytes of side tables ({:.2}x with them)",
                    funcs.len(),
                    code as f64 / body.max(1) as f64,
                    (code + side) as f64 / body.max(1) as f64,
                )
            });
            Some(funcs)
        }
        (true, InterpIr::Lazy) => {
            let phase = timings::Phase::start("validate");
            validate_bodies(info, &counter)?;
            phase.end();
            Some(Vec::new())
        }
    };
    let stored_ir = match (&interp, ir) {
        (None, _) => emit::Ir::Compiled,
        (Some(funcs), InterpIr::Stored(_)) => emit::Ir::Stored(funcs),
        (Some(_), InterpIr::Lazy) => emit::Ir::Lazy,
    };
    let phase = timings::Phase::start("compile items");
    let compiled = compile_items(info, isa, options, &items, &counter)?;
    phase.end();
    let phase = timings::Phase::start("emit");

    emit::define_items(&mut module, info, &items.list, &compiled)?;
    let (descriptor, descriptor_symbol) = emit::define_descriptor(
        &mut module,
        isa,
        info,
        options,
        &items,
        &compiled,
        stored_ir,
    )?;
    if options.emit_main {
        emit::define_main(&mut module, isa, descriptor, &options.exe_config)?;
    }
    if let Some(c_imports) = &items.c_imports {
        c_api::define_c_api(&mut module, isa, info, module_name, descriptor, c_imports)?;
    }
    let header = options
        .c_api
        .then(|| crate::header::generate(info, module_name));
    let object = emit::finish(module)?;
    phase.end();
    Ok(Artifact {
        object,
        module_name: module_name.to_string(),
        descriptor_symbol,
        imports: import_summary(info),
        code_section_size: code_section_size(info),
        inlined_calls: compiled.iter().map(|c| c.inlined_calls).sum(),
        header,
    })
}

/// Declares every code item: defined functions (compiled mode only), then
/// one entry trampoline and one host adapter per function type, the throw
/// stub, and (typed C API) one import thunk per imported function.
fn declare_items(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    info: &ModuleInfo<'_>,
    options: &Options,
) -> Result<Items> {
    let module_name = options.module_name.as_str();
    let ptr = isa.pointer_type();
    let mut items: Vec<(ItemKind, FuncId)> = Vec::new();
    let mut names = Vec::new();
    let compiled_funcs = match options.mode {
        ExecutionMode::Compiled => info.bodies.len(),
        ExecutionMode::Interpreted => 0,
    };
    for defined in info.bodies.keys().take(compiled_funcs) {
        let index = info.func_index(defined).as_u32();
        let name = names::function_symbol(module_name, index, info.func_names.get(&index).copied());
        let sig = wasm_signature(info.func_type(index), ptr);
        let id = module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| module_error(&name, e))?;
        items.push((ItemKind::Function(defined), id));
        names.push(name);
    }
    let mut trampolines = Vec::with_capacity(info.types.len());
    for (t, ty) in info.types.iter().enumerate() {
        let t = t as u32;
        if info.type_defs[t as usize].kind != abi::TYPE_KIND_FUNC {
            trampolines.push((abi::NO_INDEX, abi::NO_INDEX));
            continue;
        }
        let entry_name = names::trampoline_symbol(module_name, "entry_trampoline", t);
        let entry = module
            .declare_function(
                &entry_name,
                Linkage::Local,
                &trampolines::entry_signature(isa),
            )
            .map_err(|e| module_error(&entry_name, e))?;
        let adapter_name = names::trampoline_symbol(module_name, "host_adapter", t);
        let adapter = module
            .declare_function(&adapter_name, Linkage::Local, &wasm_signature(ty, ptr))
            .map_err(|e| module_error(&adapter_name, e))?;
        trampolines.push((items.len() as u32, items.len() as u32 + 1));
        items.push((ItemKind::Entry(t), entry));
        items.push((ItemKind::HostAdapter(t), adapter));
        names.extend([entry_name, adapter_name]);
    }
    // ---- exceptions ----
    // The throw stub: every `throw` calls it (see trampolines.rs).
    let stub_name = names::trampoline_symbol(module_name, "throw_stub", 0);
    let stub = module
        .declare_function(
            &stub_name,
            Linkage::Local,
            &trampolines::throw_stub_signature(isa),
        )
        .map_err(|e| module_error(&stub_name, e))?;
    let throw_stub = items.len() as u32;
    items.push((ItemKind::ThrowStub, stub));
    names.push(stub_name);
    // ---- typed C API ----
    // One import thunk per imported function, calling the C symbol that
    // defines it (see emit/c_api.rs).
    let c_imports = if options.c_api {
        c_api::check_supported(info, module_name)?;
        let c_imports = c_api::declare_imports(module, isa, info)?;
        for (f, target) in c_imports.thunk_targets.iter().enumerate() {
            let f = f as u32;
            let name = names::trampoline_symbol(module_name, "import_thunk", f);
            let id = module
                .declare_function(
                    &name,
                    Linkage::Local,
                    &wasm_signature(info.func_type(f), ptr),
                )
                .map_err(|e| module_error(&name, e))?;
            items.push((
                ItemKind::ImportThunk {
                    func: f,
                    target: target.as_u32(),
                },
                id,
            ));
            names.push(name);
        }
        Some(c_imports)
    } else {
        None
    };
    Ok(Items {
        list: items,
        names,
        trampolines,
        throw_stub,
        stub,
        c_imports,
    })
}

/// Counts finished items and functions for [`Options::progress`].
struct Counter<'a> {
    progress: Option<&'a crate::Progress>,
    done: AtomicUsize,
    total: usize,
}

impl Counter<'_> {
    fn tick(&self) {
        if let Some(p) = self.progress {
            let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
            (p.0)(n, self.total);
        }
    }
}

/// Runs `job(worker, i)` for every `i < n` on the rayon pool and returns
/// the results in index order, whatever the thread count and schedule.
///
/// Every worker thread takes the largest job not yet taken (`size`): a
/// big function started last is a tail that one thread compiles while
/// the others idle (in a 24 KB module, printf_core ran alone for the last
/// 20 of 55 ms). The schedule only decides which thread runs what; each
/// result lands in its own slot. `new_worker` makes one thread's
/// reusable state.
fn in_parallel<W, T: Send + Sync>(
    n: usize,
    size: impl Fn(usize) -> u32,
    new_worker: impl Fn() -> W + Sync,
    job: impl Fn(&mut W, usize) -> T + Sync,
) -> Vec<T> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(size(i)));
    let next = AtomicUsize::new(0);
    let slots: Vec<OnceLock<T>> = (0..n).map(|_| OnceLock::new()).collect();
    let drain = || {
        let mut worker = new_worker();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let _ = slots[i].set(job(&mut worker, i));
        }
    };
    // One draining job per pool thread. Plain jobs rather than a
    // broadcast: any idle thread may run them, so a compile never waits for
    // a thread that is busy with another compile sharing the pool (a late
    // job finds the counter exhausted and returns at once).
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| drain());
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().expect("every job is taken by a worker"))
        .collect()
}

/// Bytes of the body of defined function `defined`.
fn body_size(info: &ModuleInfo<'_>, defined: DefinedFuncIndex) -> u32 {
    let range = info.bodies[defined].body.range();
    (range.end - range.start) as u32
}

/// Translates every defined function to interpreter IR on the rayon pool;
/// the results come back in function order whatever the thread count.
/// The first error in function order is the one reported; a panic is
/// reported as an internal error naming the function.
fn translate_interp(
    info: &ModuleInfo<'_>,
    options: &Options,
    translate: InterpTranslator,
    counter: &Counter<'_>,
) -> Result<Vec<InterpFunc>> {
    let funcs: Vec<DefinedFuncIndex> = info.bodies.keys().collect();
    let translate_one = |_: &mut (), i: usize| {
        let defined = funcs[i];
        let run = std::panic::AssertUnwindSafe(|| translate(info, defined, options));
        let result = std::panic::catch_unwind(run)
            .unwrap_or_else(|payload| {
                Err(CompileError::Internal {
                    func: describe(info, ItemKind::Function(defined)),
                    message: panic_message(&*payload),
                })
            })
            .and_then(|f| check_interp_func(info, defined, f));
        counter.tick();
        result
    };
    let size = |i: usize| body_size(info, funcs[i]);
    in_parallel(funcs.len(), size, || (), translate_one)
        .into_iter()
        .collect()
}

/// Validates every defined function's body on the rayon pool, for lazy
/// translation: the same checks, in the same function order, with the
/// same errors as [`translate_interp`] (the frame-size limit aside, which
/// only translation can know: it becomes a trap on the function's first
/// call).
fn validate_bodies(info: &ModuleInfo<'_>, counter: &Counter<'_>) -> Result<()> {
    let funcs: Vec<DefinedFuncIndex> = info.bodies.keys().collect();
    let validate_one = |allocs: &mut Option<FuncValidatorAllocations>, i: usize| {
        let result = crate::interp::validate_function(info, funcs[i], allocs);
        counter.tick();
        result
    };
    let size = |i: usize| body_size(info, funcs[i]);
    in_parallel(funcs.len(), size, || None, validate_one)
        .into_iter()
        .collect()
}

/// What the runtime checks when it loads the IR (`module.rs` `validate`),
/// checked here first so a function the runtime would reject is a compile
/// error naming it.
pub(crate) fn check_interp_func(
    info: &ModuleInfo<'_>,
    defined: DefinedFuncIndex,
    f: InterpFunc,
) -> Result<InterpFunc> {
    let func = || describe(info, ItemKind::Function(defined));
    if f.frame_size > abi::interp::MAX_FRAME_SLOTS {
        return Err(CompileError::ImplLimit {
            func: func(),
            message: format!(
                "its interpreter frame needs {} slots, at most {} are possible",
                f.frame_size,
                abi::interp::MAX_FRAME_SLOTS
            ),
        });
    }
    if !(f.num_params <= f.num_locals && f.num_locals <= f.frame_size) {
        return Err(CompileError::Internal {
            func: func(),
            message: format!(
                "inconsistent interpreter IR: {} params, {} locals, frame of {} slots",
                f.num_params, f.num_locals, f.frame_size
            ),
        });
    }
    Ok(f)
}

/// Compiles every item on the rayon pool; the results come back in item
/// order whatever the thread count.
fn compile_items(
    info: &ModuleInfo<'_>,
    isa: &dyn TargetIsa,
    options: &Options,
    items: &Items,
    counter: &Counter<'_>,
) -> Result<Vec<CompiledItem>> {
    let stub = items.stub;
    let clif_base = |i: usize| {
        let dir = options.emit_clif.as_ref()?;
        Some(dir.join(clif_file_stem(&options.module_name, &items.names[i])))
    };
    let items = &items.list;
    // The symbols of the compiled defined functions (none in interpreted
    // mode), by defined-function index.
    let func_ids: Vec<u32> = items
        .iter()
        .filter(|(kind, _)| matches!(kind, ItemKind::Function(_)))
        .map(|(_, id)| id.as_u32())
        .collect();

    // Small leaf functions to inline into their callers.
    let candidates = if options.inline
        && options.opt_level != crate::OptLevel::None
        && options.mode == ExecutionMode::Compiled
    {
        crate::inline::Candidates::collect(info, isa, (&func_ids, stub.as_u32()), options)
    } else {
        crate::inline::Candidates::none()
    };

    // Compile in parallel; results come back in item order.
    let compile_one = |worker: &mut Worker, i: usize| {
        let (kind, id) = items[i];
        let clif = clif_base(i);
        let run = std::panic::AssertUnwindSafe(|| {
            worker
                .compile_item(
                    info,
                    isa,
                    (&func_ids, stub.as_u32()),
                    options,
                    &candidates,
                    kind,
                    id,
                    clif.as_deref(),
                )
                .inspect(|_| counter.tick())
        });
        // A panic may leave any of the worker's state half-way; errors
        // leave it clean (`FuncTranslator::translate` resets its builder).
        std::panic::catch_unwind(run).unwrap_or_else(|payload| {
            *worker = Worker::new();
            Err(CompileError::Internal {
                func: describe(info, kind),
                message: panic_message(&*payload),
            })
        })
    };
    let size = |i: usize| match items[i].0 {
        ItemKind::Function(defined) => body_size(info, defined),
        _ => 0,
    };
    in_parallel(items.len(), size, Worker::new, compile_one)
        .into_iter()
        .collect()
}

/// The file name (without extension) of an item's CLIF (`--emit-clif`):
/// its symbol without the `wasm[<module>]::` prefix, `::` as `.`, and
/// anything but ASCII letters, digits and `_-.[]` as `_`, cut to 200
/// bytes (the index in front keeps names unique).
fn clif_file_stem(module_name: &str, symbol: &str) -> String {
    let prefix = format!("wasm[{module_name}]::");
    let name = symbol.strip_prefix(&prefix).unwrap_or(symbol);
    let mut stem: String = name
        .replace("::", ".")
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' | '.' | '[' | ']' => c,
            _ => '_',
        })
        .collect();
    stem.truncate(200);
    stem
}

/// The module's imports, for the CLI's messages and link checks.
fn import_summary(info: &ModuleInfo<'_>) -> Vec<ImportSummary> {
    info.imports
        .iter()
        .map(|i| ImportSummary {
            module: i.module.to_string(),
            name: i.name.to_string(),
            kind: match i.kind {
                abi::EXTERN_FUNC => "func",
                abi::EXTERN_TABLE => "table",
                abi::EXTERN_MEMORY => "memory",
                abi::EXTERN_GLOBAL => "global",
                _ => "tag",
            },
        })
        .collect()
}

/// Bytes of function bodies in the code section.
fn code_section_size(info: &ModuleInfo<'_>) -> usize {
    info.bodies
        .values()
        .map(|b| {
            let r = b.body.range();
            (r.end - r.start) as usize
        })
        .sum()
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
