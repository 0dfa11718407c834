//! Writes the object: the compiled code items, the descriptor, `main` for
//! executables and (in `c_api`) the typed C API. The pipeline that
//! produces what is written here is in `pipeline.rs`.

pub(crate) mod c_api;
pub(crate) mod descriptor;

use crate::compile::{ItemKind, describe};
use crate::error::{CompileError, Result};
use crate::interp::InterpFunc;
use crate::module_info::ModuleInfo;
use crate::pipeline::Items;
use crate::{CompiledItem, Options, names};
use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, types};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{
    DataDescription, DataId, FuncId, Linkage, Module, ModuleError, default_libcall_names,
};
use cranelift_object::{ObjectBuilder, ObjectModule};
use smelt_runtime::abi;

pub(crate) fn module_error(what: &str, e: ModuleError) -> CompileError {
    CompileError::Codegen {
        func: what.to_string(),
        message: e.to_string(),
    }
}

/// The object being written, for `isa`, named after the module.
pub(crate) fn object_module(isa: &OwnedTargetIsa, module_name: &str) -> Result<ObjectModule> {
    let builder = ObjectBuilder::new(
        isa.clone(),
        module_name.as_bytes().to_vec(),
        default_libcall_names(),
    )
    .map_err(|e| module_error("object setup", e))?;
    Ok(ObjectModule::new(builder))
}

/// Defines every declared code item with its compiled bytes.
pub(crate) fn define_items(
    module: &mut ObjectModule,
    info: &ModuleInfo<'_>,
    items: &[(ItemKind, FuncId)],
    compiled: &[CompiledItem],
) -> Result<()> {
    for ((kind, id), item) in items.iter().zip(compiled) {
        module
            .define_function_bytes(*id, item.alignment, &item.bytes, &item.relocs)
            .map_err(|e| module_error(&describe(info, *kind), e))?;
    }
    Ok(())
}

/// Where the defined functions' code is, for the descriptor.
#[derive(Copy, Clone)]
pub(crate) enum Ir<'a> {
    /// Compiled: they are code items.
    Compiled,
    /// Interpreted, their IR in the descriptor.
    Stored(&'a [InterpFunc]),
    /// Interpreted, IR made at run time ([`abi::FLAG_INTERP_LAZY`]).
    Lazy,
}

/// Defines the module's descriptor (exported, with a pointer to every code
/// item, and in interpreted mode the IR of every defined function);
/// returns its data id and symbol.
pub(crate) fn define_descriptor(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    info: &ModuleInfo<'_>,
    options: &Options,
    items: &Items,
    compiled: &[CompiledItem],
    interp: Ir<'_>,
) -> Result<(DataId, String)> {
    let module_name = options.module_name.as_str();
    let item_kinds: Vec<(u32, u32)> = items
        .list
        .iter()
        .map(|(k, _)| match k {
            ItemKind::Function(d) => (abi::CODE_KIND_FUNCTION, info.func_index(*d).as_u32()),
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
    if options.fuel {
        flags |= abi::FLAG_FUEL;
    }
    match interp {
        Ir::Compiled => {}
        Ir::Stored(_) => flags |= abi::FLAG_INTERPRETED,
        Ir::Lazy => flags |= abi::FLAG_INTERPRETED | abi::FLAG_INTERP_LAZY,
    }
    let phase = crate::timings::Phase::start("emit: descriptor");
    let desc = descriptor::build(
        info,
        &descriptor::DescriptorInput {
            module_name,
            flags,
            big_endian: isa.endianness() == cranelift_codegen::ir::Endianness::Big,
            items: compiled,
            item_kinds: &item_kinds,
            trampolines: &items.trampolines,
            throw_stub: items.throw_stub,
            interp,
        },
    );
    phase.end();
    let descriptor_symbol = names::descriptor_symbol(module_name);
    let data_id = module
        .declare_data(&descriptor_symbol, Linkage::Export, false, false)
        .map_err(|e| module_error(&descriptor_symbol, e))?;
    let mut data = DataDescription::new();
    let code_ptrs_offset = desc.code_ptrs_offset;
    data.define(desc.blob.into_boxed_slice());
    data.set_align(u64::from(abi::DESCRIPTOR_ALIGN));
    for (i, (_, id)) in items.list.iter().enumerate() {
        let fref = module.declare_func_in_data(*id, &mut data);
        data.write_function_addr(code_ptrs_offset + 8 * i as u32, fref);
    }
    module
        .define_data(data_id, &data)
        .map_err(|e| module_error(&descriptor_symbol, e))?;
    Ok((data_id, descriptor_symbol))
}

/// The object file's bytes.
pub(crate) fn finish(module: ObjectModule) -> Result<Vec<u8>> {
    let phase = crate::timings::Phase::start("emit: object");
    let object = module.finish().emit().map_err(|e| CompileError::Codegen {
        func: "object".into(),
        message: e.to_string(),
    });
    phase.end();
    object
}

/// Defines `int main(int argc, char **argv)` that hands the descriptor and
/// the baked-in run-time settings (a local NUL-terminated string) to the
/// runtime: `return smelt_rt_main(argc, argv, &descriptor, config);`.
pub(crate) fn define_main(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    descriptor: DataId,
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
