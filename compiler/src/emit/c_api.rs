//! The typed C API of a module ([`Options::c_api`](crate::Options::c_api),
//! `smelt compile --header`): the C-convention functions a generated
//! header declares, and the symbols the import thunks call. See
//! `smelt_runtime::abi::embed` for the contract with the runtime and
//! `header.rs` for the declarations.
//!
//! Everything here is a few instructions around one call into the
//! runtime, so it is built and compiled serially while the object is
//! written, after the parallel compile of the wasm functions.

use crate::c_abi::{c_param, c_signature, import_groups, results_layout};
use crate::error::{CompileError, Result, TargetError};
use crate::module_info::{FuncType, ModuleInfo};
use crate::names;
use crate::types::clif_type;
use cranelift_codegen::ir::{
    AbiParam, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind, Value, types,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataId, FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use smelt_runtime::abi::{self, embed};
use std::collections::HashMap;

fn module_error(what: &str, e: impl std::fmt::Display) -> CompileError {
    CompileError::Codegen {
        func: what.to_string(),
        message: e.to_string(),
    }
}

/// Rejects what the typed C API cannot express.
pub(crate) fn check_supported(info: &ModuleInfo<'_>, module_name: &str) -> Result<()> {
    for import in &info.imports {
        let what = match import.kind {
            abi::EXTERN_TABLE => "a table",
            abi::EXTERN_TAG => "a tag",
            _ if import.module == module_name => {
                return Err(TargetError::CApiSelfImport {
                    module: module_name.to_string(),
                    name: import.name.to_string(),
                }
                .into());
            }
            _ => continue,
        };
        return Err(TargetError::CApiImportKind {
            module: import.module.to_string(),
            name: import.name.to_string(),
            kind: what,
        }
        .into());
    }
    Ok(())
}

/// The C symbols a module's imports need.
pub(crate) struct CImports {
    /// For each imported function, in function-index order: the C
    /// function its thunk calls.
    pub(crate) thunk_targets: Vec<FuncId>,
    /// For each import (in import order): the accessor of an imported
    /// memory or global.
    accessors: Vec<Option<FuncId>>,
}

/// Declares every C symbol the imports use (undefined in this object).
pub(crate) fn declare_imports(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    info: &ModuleInfo<'_>,
) -> Result<CImports> {
    let ptr = isa.pointer_type();
    let mut declared: HashMap<String, FuncId> = HashMap::new();
    let mut declare = |module: &mut ObjectModule, name: String, sig: &Signature| {
        if let Some(id) = declared.get(&name) {
            return Ok(*id);
        }
        let id = module
            .declare_function(&name, Linkage::Import, sig)
            .map_err(|e| TargetError::CApiSymbolClash {
                symbol: name.clone(),
                message: e.to_string(),
            })?;
        declared.insert(name, id);
        Ok::<_, CompileError>(id)
    };
    let mut out = CImports {
        thunk_targets: Vec::new(),
        accessors: Vec::new(),
    };
    for import in &info.imports {
        let name = names::item_symbol(import.module, import.name);
        let mut accessor = None;
        match import.kind {
            abi::EXTERN_FUNC => {
                let sig = c_signature(isa, info.func_type(import.index));
                out.thunk_targets.push(declare(module, name, &sig)?);
            }
            _ => {
                let mut sig = Signature::new(isa.default_call_conv());
                sig.params.push(AbiParam::new(ptr));
                sig.returns.push(AbiParam::new(ptr));
                accessor = Some(declare(module, name, &sig)?);
            }
        }
        out.accessors.push(accessor);
    }
    Ok(out)
}

/// A runtime entry point (undefined in this object).
fn runtime_function(
    module: &mut ObjectModule,
    name: &str,
    params: &[cranelift_codegen::ir::Type],
    ret: Option<cranelift_codegen::ir::Type>,
    isa: &dyn TargetIsa,
) -> Result<FuncId> {
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.extend(params.iter().map(|t| c_param(isa, *t)));
    sig.returns.extend(ret.map(AbiParam::new));
    module
        .declare_function(name, Linkage::Import, &sig)
        .map_err(|e| module_error(name, e))
}

/// Defines exported function `name` with signature `sig` and the body
/// `body` builds from the entry block's params (returning the results).
fn define(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    name: &str,
    sig: Signature,
    body: impl FnOnce(&mut ObjectModule, &mut FunctionBuilder, &[Value]) -> Vec<Value>,
) -> Result<()> {
    let id = module
        .declare_function(name, Linkage::Export, &sig)
        .map_err(|e| module_error(name, e))?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut builder = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let block = builder.create_block();
        builder.append_block_params_for_function_params(block);
        builder.switch_to_block(block);
        builder.seal_block(block);
        let params = builder.block_params(block).to_vec();
        let results = body(module, &mut builder, &params);
        builder.ins().return_(&results);
        builder.finalize(isa.frontend_config());
    }
    module
        .define_function(id, &mut ctx)
        .map_err(|e| module_error(name, e))
}

/// Calls `callee` (a function declared in `module`) from the function
/// being built.
fn call(
    module: &mut ObjectModule,
    builder: &mut FunctionBuilder,
    callee: FuncId,
    args: &[Value],
) -> Vec<Value> {
    let fref = module.declare_func_in_func(callee, builder.func);
    let inst = builder.ins().call(fref, args);
    builder.inst_results(inst).to_vec()
}

/// Defines the typed C API's functions: `smelt_mod_<mod>_instantiate`
/// and `_free`, and one `smelt_w_<mod>_<export>` per function, memory,
/// table and global export.
pub(crate) fn define_c_api(
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    info: &ModuleInfo<'_>,
    module_name: &str,
    descriptor: DataId,
    imports: &CImports,
) -> Result<()> {
    let ptr = isa.pointer_type();
    let invoke = runtime_function(module, embed::RT_INVOKE, &[ptr, types::I32, ptr], None, isa)?;
    let export_fn = runtime_function(
        module,
        embed::RT_INSTANCE_EXPORT,
        &[ptr, types::I32],
        Some(ptr),
        isa,
    )?;
    let instantiate = runtime_function(
        module,
        embed::RT_INSTANTIATE_LINKED,
        &[ptr, ptr, ptr, ptr],
        Some(ptr),
        isa,
    )?;
    let free = runtime_function(module, embed::RT_INSTANCE_FREE, &[ptr], None, isa)?;
    let flags = MemFlagsData::trusted();

    // smelt_mod_<mod>_instantiate(ctx per import module..., trap_out)
    let groups = import_groups(info);
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params
        .extend(std::iter::repeat_n(AbiParam::new(ptr), groups.len() + 1));
    sig.returns.push(AbiParam::new(ptr));
    define(
        module,
        isa,
        &names::admin_symbol(module_name, "instantiate"),
        sig,
        |module, builder, params| {
            let n = info.imports.len();
            let slot = builder.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                (8 * n.max(1)) as u32,
                3,
            ));
            let array = builder.ins().stack_addr(ptr, slot, 0);
            for (i, import) in info.imports.iter().enumerate() {
                let group = groups
                    .iter()
                    .position(|g| *g == import.module)
                    .expect("every import module is a group");
                let ctx = params[group];
                let value = match imports.accessors[i] {
                    Some(accessor) => call(module, builder, accessor, &[ctx])[0],
                    None => ctx,
                };
                builder.ins().store(flags, value, array, (8 * i) as i32);
            }
            let gv = module.declare_data_in_func(descriptor, builder.func);
            let desc = builder.ins().symbol_value(ptr, gv);
            let count = builder.ins().iconst(ptr, n as i64);
            let trap_out = params[groups.len()];
            call(
                module,
                builder,
                instantiate,
                &[desc, array, count, trap_out],
            )
        },
    )?;

    // smelt_mod_<mod>_free(instance)
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(ptr));
    define(
        module,
        isa,
        &names::admin_symbol(module_name, "free"),
        sig,
        |module, builder, params| {
            call(module, builder, free, &[params[0]]);
            Vec::new()
        },
    )?;

    for (export_index, (name, kind, index)) in info.exports.iter().enumerate() {
        let symbol = names::item_symbol(module_name, name);
        match *kind {
            abi::EXTERN_FUNC => {
                let ty = info.func_type(*index);
                define(
                    module,
                    isa,
                    &symbol,
                    c_signature(isa, ty),
                    |module, builder, params| {
                        export_wrapper(module, builder, invoke, ptr, *index, ty, params)
                    },
                )?;
            }
            abi::EXTERN_MEMORY | abi::EXTERN_TABLE | abi::EXTERN_GLOBAL => {
                let mut sig = Signature::new(isa.default_call_conv());
                sig.params.push(AbiParam::new(ptr));
                sig.returns.push(AbiParam::new(ptr));
                define(module, isa, &symbol, sig, |module, builder, params| {
                    let e = builder.ins().iconst(types::I32, export_index as i64);
                    call(module, builder, export_fn, &[params[0], e])
                })?;
            }
            // Tags have no C accessor.
            _ => {}
        }
    }
    Ok(())
}

/// The body of `smelt_w_<mod>_<export>` for a function: params into a
/// value buffer, `smelt_rt_invoke`, results out of it.
fn export_wrapper(
    module: &mut ObjectModule,
    builder: &mut FunctionBuilder,
    invoke: FuncId,
    ptr: cranelift_codegen::ir::Type,
    func_index: u32,
    ty: &FuncType,
    params: &[Value],
) -> Vec<Value> {
    let flags = MemFlagsData::trusted();
    let slots = ty.params.len().max(ty.results.len()).max(1);
    let slot = builder.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        slots as u32 * abi::VAL_RAW_SIZE,
        4,
    ));
    let buf = builder.ins().stack_addr(ptr, slot, 0);
    for (i, p) in params[1..=ty.params.len()].iter().enumerate() {
        builder
            .ins()
            .store(flags, *p, buf, (i as u32 * abi::VAL_RAW_SIZE) as i32);
    }
    let index = builder.ins().iconst(types::I32, i64::from(func_index));
    call(module, builder, invoke, &[params[0], index, buf]);
    let load = |builder: &mut FunctionBuilder, i: usize| {
        builder.ins().load(
            clif_type(ty.results[i]),
            flags,
            buf,
            (i as u32 * abi::VAL_RAW_SIZE) as i32,
        )
    };
    match ty.results.len() {
        0 => Vec::new(),
        1 => vec![load(builder, 0)],
        n => {
            let out = params[params.len() - 1];
            let (offsets, _) = results_layout(ty);
            for (i, offset) in offsets.iter().enumerate().take(n) {
                let v = load(builder, i);
                builder.ins().store(flags, v, out, *offset as i32);
            }
            Vec::new()
        }
    }
}
