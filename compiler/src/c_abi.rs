//! The C calling convention of a module's typed functions: signatures,
//! the layout of multi-value results, and the grouping of imports by
//! module. Shared by the typed C API's wrappers (`emit/c_api.rs`), the
//! host adapters that call C imports (`trampolines.rs`) and the header
//! that declares them (`header.rs`), so all three agree by construction.

use crate::module_info::{FuncType, ModuleInfo};
use crate::types::clif_type;
use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::isa::TargetIsa;
use smelt_runtime::abi::{self, embed};

/// The descriptor encoding of a wasm value type (for the C layout rules).
fn abi_type(ty: wasmparser::ValType) -> abi::ValType {
    crate::types::val_type(ty)
}

/// The C-convention signature of a module's typed function of type `ty`:
/// `(ctx, params..., [results*]) -> [result]`. The same for an export
/// wrapper (`ctx` is the instance) and for the C function an import thunk
/// calls (`ctx` is the host's context), so one module's export satisfies
/// another's import.
pub(crate) fn c_signature(isa: &dyn TargetIsa, ty: &FuncType) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(ptr));
    for p in &ty.params {
        sig.params.push(c_param(isa, clif_type(*p)));
    }
    match ty.results.len() {
        0 => {}
        1 => sig.returns.push(c_param(isa, clif_type(ty.results[0]))),
        _ => sig.params.push(AbiParam::new(ptr)),
    }
    sig
}

/// A C-convention parameter or result, extended as the platform wants
/// (as for libcalls).
pub(crate) fn c_param(isa: &dyn TargetIsa, ty: cranelift_codegen::ir::Type) -> AbiParam {
    let mut p = AbiParam::new(ty);
    if ty == types::I32 {
        p.extension = isa.default_argument_extension();
    }
    p
}

/// Field offsets and size of the results struct of a multi-value function.
pub(crate) fn results_layout(ty: &FuncType) -> (Vec<u32>, u32) {
    let tys: Vec<abi::ValType> = ty.results.iter().map(|t| abi_type(*t)).collect();
    embed::c_layout(&tys)
}

/// The import modules in order of first appearance: one context
/// parameter of `smelt_mod_<mod>_instantiate` each.
pub(crate) fn import_groups<'a>(info: &ModuleInfo<'a>) -> Vec<&'a str> {
    let mut groups: Vec<&str> = Vec::new();
    for i in &info.imports {
        if !groups.contains(&i.module) {
            groups.push(i.module);
        }
    }
    groups
}
