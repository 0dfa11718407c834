//! The interpreter's translator: validated wasm function bodies to the IR
//! that the runtime's executor runs (`smelt_runtime::abi::interp`).

use crate::Options;
use crate::error::{CompileError, Result};
use crate::module_info::{DefinedFuncIndex, ModuleInfo};
use smelt_runtime::abi::interp::{InterpHandler, IpOffset};

/// One function's IR and side tables, with word indices and handler
/// indices local to the function (the emitter concatenates them).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct InterpFunc {
    pub(crate) code: Vec<u32>,
    pub(crate) offsets: Vec<IpOffset>,
    pub(crate) handlers: Vec<InterpHandler>,
    pub(crate) num_params: u32,
    pub(crate) num_locals: u32,
    pub(crate) frame_size: u32,
    pub(crate) num_results: u32,
}

/// Validates and translates one defined function.
pub(crate) fn translate_function(
    info: &ModuleInfo<'_>,
    defined: DefinedFuncIndex,
    options: &Options,
) -> Result<InterpFunc> {
    let _ = (info, defined, options);
    Err(CompileError::Unsupported {
        offset: None,
        feature: "the interpreter translator is being written".into(),
    })
}
