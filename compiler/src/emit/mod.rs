//! Drives a whole module through the pipeline and writes the object:
//! declare every symbol, compile code items in parallel, define them in
//! order, then the descriptor (and `main` for executables).

pub(crate) mod c_api;
pub(crate) mod descriptor;

use crate::compile::{ItemKind, Worker, describe};
use crate::error::{CompileError, Result};
use crate::func_env::wasm_signature;
use crate::module_info::ModuleInfo;
use crate::{Artifact, ImportSummary, Options, isa, names, trampolines};
use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, types};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{
    DataDescription, FuncId, Linkage, Module, ModuleError, default_libcall_names,
};
use cranelift_object::{ObjectBuilder, ObjectModule};
use smelt_runtime::abi;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

fn module_error(what: &str, e: ModuleError) -> CompileError {
    CompileError::Codegen {
        func: what.to_string(),
        message: e.to_string(),
    }
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

pub(crate) fn compile_module(wasm: &[u8], options: &Options) -> Result<Artifact> {
    let isa = isa::build_isa(options)?;
    let info = ModuleInfo::parse(wasm, options.features)?;
    let module_name = options.module_name.as_str();

    let builder = ObjectBuilder::new(
        isa.clone(),
        module_name.as_bytes().to_vec(),
        default_libcall_names(),
    )
    .map_err(|e| module_error("object setup", e))?;
    let mut module = ObjectModule::new(builder);
    let ptr = isa.pointer_type();

    // Declare every code item: defined functions, then one entry
    // trampoline and one host adapter per type.
    let mut items: Vec<(ItemKind, FuncId)> = Vec::new();
    for index in info.num_imported_funcs..info.funcs.len() as u32 {
        let name = names::function_symbol(module_name, index, info.func_names.get(&index).copied());
        let sig = wasm_signature(info.func_type(index), ptr);
        let id = module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| module_error(&name, e))?;
        items.push((ItemKind::Function(index), id));
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
                &trampolines::entry_signature(&*isa),
            )
            .map_err(|e| module_error(&entry_name, e))?;
        let adapter_name = names::trampoline_symbol(module_name, "host_adapter", t);
        let adapter = module
            .declare_function(&adapter_name, Linkage::Local, &wasm_signature(ty, ptr))
            .map_err(|e| module_error(&adapter_name, e))?;
        trampolines.push((items.len() as u32, items.len() as u32 + 1));
        items.push((ItemKind::Entry(t), entry));
        items.push((ItemKind::HostAdapter(t), adapter));
    }
    // ---- exceptions ----
    // The throw stub: every `throw` calls it (see trampolines.rs).
    let stub_name = names::trampoline_symbol(module_name, "throw_stub", 0);
    let stub = module
        .declare_function(
            &stub_name,
            Linkage::Local,
            &trampolines::throw_stub_signature(&*isa),
        )
        .map_err(|e| module_error(&stub_name, e))?;
    let throw_stub = items.len() as u32;
    items.push((ItemKind::ThrowStub, stub));
    // ---- typed C API ----
    // One import thunk per imported function, calling the C symbol that
    // defines it (see c_api.rs).
    let c_imports = if options.c_api {
        c_api::check_supported(&info, module_name)?;
        let c_imports = c_api::declare_imports(&mut module, &*isa, &info)?;
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
        }
        Some(c_imports)
    } else {
        None
    };
    let func_ids: Vec<u32> = items
        .iter()
        .take(info.num_defined_funcs() as usize)
        .map(|(_, id)| id.as_u32())
        .collect();

    // Small leaf functions to inline into their callers.
    let candidates = if options.inline && options.opt_level != crate::OptLevel::None {
        crate::inline::Candidates::collect(&info, &*isa, (&func_ids, stub.as_u32()), options)
    } else {
        crate::inline::Candidates::none()
    };

    // Compile in parallel; results come back in item order.
    let done = AtomicUsize::new(0);
    let report = |_: &crate::CompiledItem| {
        if let Some(p) = &options.progress {
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            (p.0)(n, items.len());
        }
    };
    let compile_one = |worker: &mut Worker, kind: ItemKind, id: FuncId| {
        let run = std::panic::AssertUnwindSafe(|| {
            worker
                .compile_item(
                    &info,
                    &*isa,
                    (&func_ids, stub.as_u32()),
                    options,
                    &candidates,
                    kind,
                    id,
                )
                .inspect(report)
        });
        // A panic may leave any of the worker's state half-way; errors
        // leave it clean (`FuncTranslator::translate` resets its builder).
        std::panic::catch_unwind(run).unwrap_or_else(|payload| {
            *worker = Worker::new();
            Err(CompileError::Internal {
                func: describe(&info, kind),
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
        ItemKind::Function(index) => {
            let range = info.bodies[(index - info.num_imported_funcs) as usize]
                .body
                .range();
            range.end - range.start
        }
        _ => 0,
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(body_size(&items[i].0)));
    let next = AtomicUsize::new(0);
    let slots: Vec<OnceLock<Result<crate::CompiledItem>>> =
        items.iter().map(|_| OnceLock::new()).collect();
    let drain = || {
        let mut worker = Worker::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let (kind, id) = items[i];
            let _ = slots[i].set(compile_one(&mut worker, kind, id));
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
    let compiled: Vec<Result<crate::CompiledItem>> = slots
        .into_iter()
        .map(|slot| slot.into_inner().expect("every item is taken by a worker"))
        .collect();
    let compiled: Vec<crate::CompiledItem> = compiled.into_iter().collect::<Result<_>>()?;

    for ((kind, id), item) in items.iter().zip(&compiled) {
        module
            .define_function_bytes(*id, item.alignment, &item.bytes, &item.relocs)
            .map_err(|e| module_error(&describe(&info, *kind), e))?;
    }

    // The descriptor.
    let item_kinds: Vec<(u32, u32)> = items
        .iter()
        .map(|(k, _)| match k {
            ItemKind::Function(i) => (abi::CODE_KIND_FUNCTION, *i),
            ItemKind::Entry(t) => (abi::CODE_KIND_ENTRY, *t),
            ItemKind::HostAdapter(t) => (abi::CODE_KIND_HOST_ADAPTER, *t),
            ItemKind::ThrowStub => (abi::CODE_KIND_THROW_STUB, 0),
            ItemKind::ImportThunk { func, .. } => (abi::CODE_KIND_IMPORT_THUNK, *func),
        })
        .collect();
    let mut flags = 0;
    if options.bounds_checks == crate::BoundsChecks::Explicit {
        flags |= abi::FLAG_EXPLICIT_BOUNDS;
    }
    if options.interruptible {
        flags |= abi::FLAG_INTERRUPTIBLE;
    }
    let desc = descriptor::build(
        &info,
        &descriptor::DescriptorInput {
            module_name,
            flags,
            big_endian: isa.endianness() == cranelift_codegen::ir::Endianness::Big,
            items: &compiled,
            item_kinds: &item_kinds,
            trampolines: &trampolines,
            throw_stub,
        },
    );
    let descriptor_symbol = names::descriptor_symbol(module_name);
    let data_id = module
        .declare_data(&descriptor_symbol, Linkage::Export, false, false)
        .map_err(|e| module_error(&descriptor_symbol, e))?;
    let mut data = DataDescription::new();
    let code_ptrs_offset = desc.code_ptrs_offset;
    data.define(desc.blob.into_boxed_slice());
    data.set_align(u64::from(abi::DESCRIPTOR_ALIGN));
    for (i, (_, id)) in items.iter().enumerate() {
        let fref = module.declare_func_in_data(*id, &mut data);
        data.write_function_addr(code_ptrs_offset + 8 * i as u32, fref);
    }
    module
        .define_data(data_id, &data)
        .map_err(|e| module_error(&descriptor_symbol, e))?;

    if options.emit_main {
        define_main(&mut module, &*isa, data_id, &options.exe_config)?;
    }
    if let Some(c_imports) = &c_imports {
        c_api::define_c_api(&mut module, &*isa, &info, module_name, data_id, c_imports)?;
    }
    let header = options
        .c_api
        .then(|| crate::header::generate(&info, module_name));

    let object = module.finish().emit().map_err(|e| CompileError::Codegen {
        func: "object".into(),
        message: e.to_string(),
    })?;
    let imports = info
        .imports
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
        .collect();
    let code_section_size = info
        .bodies
        .iter()
        .map(|b| {
            let r = b.body.range();
            (r.end - r.start) as usize
        })
        .sum();
    Ok(Artifact {
        object,
        module_name: module_name.to_string(),
        descriptor_symbol,
        imports,
        code_section_size,
        inlined_calls: compiled.iter().map(|c| c.inlined_calls).sum(),
        header,
    })
}

/// Defines `int main(int argc, char **argv)` that hands the descriptor and
/// the baked-in run-time settings (a local NUL-terminated string) to the
/// runtime: `return smelt_rt_main(argc, argv, &descriptor, config);`.
fn define_main(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    descriptor: cranelift_module::DataId,
    exe_config: &[u8],
) -> Result<()> {
    let config = module
        .declare_data("smelt_exe_config", Linkage::Local, false, false)
        .map_err(|e| module_error("smelt_exe_config", e))?;
    let mut data = DataDescription::new();
    let mut bytes = exe_config.to_vec();
    bytes.push(0);
    data.define(bytes.into_boxed_slice());
    module
        .define_data(config, &data)
        .map_err(|e| module_error("smelt_exe_config", e))?;
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(types::I32));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I32));
    let mut rt_sig = sig.clone();
    rt_sig.params.push(AbiParam::new(ptr));
    rt_sig.params.push(AbiParam::new(ptr));

    let main = module
        .declare_function("main", Linkage::Export, &sig)
        .map_err(|e| module_error("main", e))?;
    let rt_main = module
        .declare_function("smelt_rt_main", Linkage::Import, &rt_sig)
        .map_err(|e| module_error("smelt_rt_main", e))?;

    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let mut fctx = FunctionBuilderContext::new();
    {
        let callee = module.declare_func_in_func(rt_main, &mut ctx.func);
        // The runtime is linked statically into the same executable, so a
        // direct call (PLT32 / CALL26 / BRANCH26 / REL32…) always reaches it.
        // Through the GOT it would need relocations that COFF does not
        // support in cranelift-object and that Apple's new linker has
        // trouble with (wasmtime#8730).
        ctx.func.dfg.ext_funcs[callee].colocated = true;
        let gv = module.declare_data_in_func(descriptor, &mut ctx.func);
        let config_gv = module.declare_data_in_func(config, &mut ctx.func);
        let mut builder = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let block = builder.create_block();
        builder.append_block_params_for_function_params(block);
        builder.switch_to_block(block);
        builder.seal_block(block);
        let params = builder.block_params(block).to_vec();
        let desc = builder.ins().symbol_value(ptr, gv);
        let config = builder.ins().symbol_value(ptr, config_gv);
        let call = builder
            .ins()
            .call(callee, &[params[0], params[1], desc, config]);
        let ret = builder.inst_results(call)[0];
        builder.ins().return_(&[ret]);
        builder.finalize(isa.frontend_config());
    }
    module
        .define_function(main, &mut ctx)
        .map_err(|e| module_error("main", e))?;
    Ok(())
}
