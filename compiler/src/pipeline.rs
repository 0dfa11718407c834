//! One module from bytes to object, phase by phase: parse and validate
//! ([`ModuleInfo::parse`]), declare every code item's symbol, compile the
//! items in parallel, then let `emit/` write them, the descriptor, `main`
//! and the typed C API into the object.

use crate::compile::{ItemKind, Worker, describe};
use crate::emit::{self, c_api, module_error};
use crate::error::{CompileError, Result};
use crate::func_env::wasm_signature;
use crate::module_info::ModuleInfo;
use crate::{Artifact, CompiledItem, ImportSummary, Options, isa, names, trampolines};
use cranelift_codegen::isa::TargetIsa;
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use smelt_runtime::abi;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

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

pub(crate) fn compile_module(wasm: &[u8], options: &Options) -> Result<Artifact> {
    let isa = isa::build_isa(options)?;
    let info = ModuleInfo::parse(wasm, options.features)?;
    let module_name = options.module_name.as_str();
    if let Some(dir) = &options.emit_clif {
        std::fs::create_dir_all(dir).map_err(|source| CompileError::Io {
            path: dir.clone(),
            source,
        })?;
    }
    let mut module = emit::object_module(&isa, module_name)?;
    let items = declare_items(&mut module, &*isa, &info, options)?;
    let compiled = compile_items(&info, &*isa, options, &items)?;

    emit::define_items(&mut module, &info, &items.list, &compiled)?;
    let (descriptor, descriptor_symbol) =
        emit::define_descriptor(&mut module, &*isa, &info, options, &items, &compiled)?;
    if options.emit_main {
        emit::define_main(&mut module, &*isa, descriptor, &options.exe_config)?;
    }
    if let Some(c_imports) = &items.c_imports {
        c_api::define_c_api(
            &mut module,
            &*isa,
            &info,
            module_name,
            descriptor,
            c_imports,
        )?;
    }
    let header = options
        .c_api
        .then(|| crate::header::generate(&info, module_name));
    let object = emit::finish(module)?;
    Ok(Artifact {
        object,
        module_name: module_name.to_string(),
        descriptor_symbol,
        imports: import_summary(&info),
        code_section_size: code_section_size(&info),
        inlined_calls: compiled.iter().map(|c| c.inlined_calls).sum(),
        header,
    })
}

/// Declares every code item: defined functions, then one entry trampoline
/// and one host adapter per function type, the throw stub, and (typed C
/// API) one import thunk per imported function.
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
    for defined in info.bodies.keys() {
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

/// Compiles every item on the rayon pool; the results come back in item
/// order whatever the thread count.
fn compile_items(
    info: &ModuleInfo<'_>,
    isa: &dyn TargetIsa,
    options: &Options,
    items: &Items,
) -> Result<Vec<CompiledItem>> {
    let stub = items.stub;
    let clif_base = |i: usize| {
        let dir = options.emit_clif.as_ref()?;
        Some(dir.join(clif_file_stem(&options.module_name, &items.names[i])))
    };
    let items = &items.list;
    let func_ids: Vec<u32> = items
        .iter()
        .take(info.num_defined_funcs() as usize)
        .map(|(_, id)| id.as_u32())
        .collect();

    // Small leaf functions to inline into their callers.
    let candidates = if options.inline && options.opt_level != crate::OptLevel::None {
        crate::inline::Candidates::collect(info, isa, (&func_ids, stub.as_u32()), options)
    } else {
        crate::inline::Candidates::none()
    };

    // Compile in parallel; results come back in item order.
    let done = AtomicUsize::new(0);
    let report = |_: &CompiledItem| {
        if let Some(p) = &options.progress {
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            (p.0)(n, items.len());
        }
    };
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
                .inspect(report)
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
    // Every worker thread takes the largest item not yet taken: a big
    // function started last is a tail that one thread compiles while the
    // others idle (in a 24 KB module, printf_core ran alone for the last
    // 20 of 55 ms). The schedule only decides which thread compiles what;
    // each result lands in its item's slot, so the object is the same.
    let body_size = |kind: &ItemKind| match kind {
        ItemKind::Function(defined) => {
            let range = info.bodies[*defined].body.range();
            range.end - range.start
        }
        _ => 0,
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(body_size(&items[i].0)));
    let next = AtomicUsize::new(0);
    let slots: Vec<OnceLock<Result<CompiledItem>>> =
        items.iter().map(|_| OnceLock::new()).collect();
    let drain = || {
        let mut worker = Worker::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let _ = slots[i].set(compile_one(&mut worker, i));
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
    let compiled: Vec<Result<CompiledItem>> = slots
        .into_iter()
        .map(|slot| slot.into_inner().expect("every item is taken by a worker"))
        .collect();
    compiled.into_iter().collect()
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

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
