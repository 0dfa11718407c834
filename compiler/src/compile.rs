//! Compiling code items on worker threads: translate to CLIF (functions
//! and trampolines), run Cranelift, and extract machine code, relocations,
//! trap sites and call sites into a plain [`CompiledItem`].

use crate::error::{CompileError, Result};
use crate::func_env::{FuncEnv, trap_kind_byte, wasm_signature};
use crate::inline::{Candidates, Inliner};
use crate::module_info::{DefinedFuncIndex, ModuleInfo};
use crate::translate::FuncTranslator;
use crate::{CompiledItem, trampolines};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, UserFuncName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::{
    Context, ExceptionContextLoc, Final, FinalizedMachExceptionHandler, MachSrcLoc,
};
use cranelift_entity::EntityRef;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId, ModuleReloc};
use smelt_runtime::abi;
use std::path::Path;

/// What a code item is.
#[derive(Copy, Clone, Debug)]
pub(crate) enum ItemKind {
    /// A defined function.
    Function(DefinedFuncIndex),
    /// Entry trampoline for this type index.
    Entry(u32),
    /// Host adapter for this type index.
    HostAdapter(u32),
    /// The module's throw stub.
    ThrowStub,
    /// Import thunk for imported function `func`, calling the C function
    /// with `FuncId` `target` (typed C API only).
    ImportThunk { func: u32, target: u32 },
}

/// Per-thread reusable compilation state.
pub(crate) struct Worker {
    ctx: Context,
    fctx: FunctionBuilderContext,
    translator: FuncTranslator,
}

impl Worker {
    pub(crate) fn new() -> Self {
        Worker {
            ctx: Context::new(),
            fctx: FunctionBuilderContext::new(),
            translator: FuncTranslator::default(),
        }
    }

    /// Validates and translates defined function `index` into a fresh
    /// CLIF function (used to collect inlining candidates).
    pub(crate) fn translate_function(
        &mut self,
        info: &ModuleInfo<'_>,
        isa: &dyn TargetIsa,
        stubs: (&[u32], u32),
        options: &crate::Options,
        defined: DefinedFuncIndex,
    ) -> Result<ir::Function> {
        let mut func = ir::Function::new();
        self.translate_function_into(info, isa, stubs, options, defined, &mut func)?;
        Ok(func)
    }

    fn translate_function_into(
        &mut self,
        info: &ModuleInfo<'_>,
        isa: &dyn TargetIsa,
        (func_ids, throw_stub): (&[u32], u32),
        options: &crate::Options,
        defined: DefinedFuncIndex,
        func: &mut ir::Function,
    ) -> Result<()> {
        let id = func_ids[defined.index()];
        func.name = UserFuncName::user(0, id);
        let index = info.func_index(defined).as_u32();
        func.signature = wasm_signature(info.func_type(index), isa.pointer_type());
        let body = &info.bodies[defined];
        let mut env = FuncEnv::new(info, isa, func_ids, options.bounds_checks);
        env.interruptible = options.interruptible;
        env.fuel = options.fuel;
        env.throw_stub_id = throw_stub;
        self.translator.translate(&mut env, body, func)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one call site, each argument distinct"
    )]
    pub(crate) fn compile_item(
        &mut self,
        info: &ModuleInfo<'_>,
        isa: &dyn TargetIsa,
        stubs: (&[u32], u32),
        options: &crate::Options,
        candidates: &Candidates,
        kind: ItemKind,
        id: FuncId,
        clif: Option<&Path>,
    ) -> Result<CompiledItem> {
        self.ctx.clear();
        let func = &mut self.ctx.func;
        func.name = UserFuncName::user(0, id.as_u32());
        let mut inline_locs = Vec::new();
        let mut inlined_calls = 0;
        match kind {
            ItemKind::Function(defined) => {
                let mut func = std::mem::replace(&mut self.ctx.func, ir::Function::new());
                let result =
                    self.translate_function_into(info, isa, stubs, options, defined, &mut func);
                self.ctx.func = func;
                result?;
                // With no candidates (-O0, --no-inline, or none small
                // enough) there is nothing to scan for.
                if !candidates.is_empty() {
                    let mut inliner = Inliner::new(candidates, id.as_u32());
                    let before = self.ctx.func.dfg.num_insts();
                    let call_locs = crate::inline::call_locations(&self.ctx.func);
                    let inlined = self
                        .ctx
                        .inline(&mut inliner)
                        .map_err(|e| codegen_error(describe(info, kind), &self.ctx.func, e))?;
                    if inlined {
                        inlined_calls = inliner.sites.len();
                        inline_locs = crate::inline::locate_inlined(
                            &mut self.ctx.func,
                            before,
                            &call_locs,
                            &inliner,
                        );
                    }
                }
                // On the final body, so inlined callees are judged by
                // their uses in the caller.
                if options.canonicalize_nans {
                    crate::nan_canon::canonicalize_nans(&mut self.ctx.func);
                }
            }
            ItemKind::Entry(ty) => trampolines::translate_entry_trampoline(
                isa,
                &info.types[ty as usize],
                func,
                &mut self.fctx,
            ),
            ItemKind::HostAdapter(ty) => trampolines::translate_host_adapter(
                isa,
                &info.types[ty as usize],
                func,
                &mut self.fctx,
            ),
            ItemKind::ThrowStub => trampolines::translate_throw_stub(isa, func, &mut self.fctx),
            ItemKind::ImportThunk {
                func: index,
                target,
            } => trampolines::translate_import_thunk(
                isa,
                info.func_type(index),
                target,
                func,
                &mut self.fctx,
            ),
        }
        if let Some(base) = clif {
            write_clif(base, "clif", &self.ctx.func)?;
        }
        let what = || describe(info, kind);
        self.ctx
            .compile(isa, &mut ControlPlane::default())
            .map_err(|e| codegen_error(what(), e.func, e.inner))?;
        if let Some(base) = clif
            && options.emit_clif_optimized
        {
            write_clif(base, "opt.clif", &self.ctx.func)?;
        }
        let compiled = self.ctx.compiled_code().expect("just compiled");
        let buffer = &compiled.buffer;
        let srclocs = buffer.get_srclocs_sorted();
        let traps = buffer
            .traps()
            .iter()
            .map(|t| {
                let (wasm_offset, inline_call) =
                    crate::inline::decode_loc(wasm_offset_at(srclocs, t.offset), &inline_locs);
                abi::TrapRec {
                    offset: t.offset,
                    wasm_offset,
                    kind: u32::from(trap_kind_byte(t.code)),
                    inline_call,
                }
            })
            .collect();
        let mut handlers = Vec::new();
        let call_sites = buffer
            .call_sites()
            .map(|c| {
                let first = handlers.len() as u32;
                handlers.extend(c.exception_handlers.iter().map(handler_rec));
                abi::CallSiteRec {
                    ret_offset: c.ret_addr,
                    wasm_offset: crate::inline::decode_loc(
                        wasm_offset_at(srclocs, c.ret_addr.saturating_sub(1)),
                        &inline_locs,
                    )
                    .0,
                    frame_offset: c.frame_offset.unwrap_or(0),
                    handlers: abi::Rel {
                        offset: first,
                        len: handlers.len() as u32 - first,
                    },
                }
            })
            .collect();
        let relocs = buffer
            .relocs()
            .iter()
            .map(|r| ModuleReloc::from_mach_reloc(r, &self.ctx.func, id))
            .collect();
        Ok(CompiledItem {
            bytes: buffer.data().to_vec(),
            alignment: u64::from(buffer.alignment),
            relocs,
            traps,
            call_sites,
            handlers,
            inlined_calls,
        })
    }
}

/// Writes `func` as text to `base.ext` (`--emit-clif`).
fn write_clif(base: &Path, ext: &str, func: &ir::Function) -> Result<()> {
    let mut path = base.as_os_str().to_owned();
    path.push(".");
    path.push(ext);
    let path = std::path::PathBuf::from(path);
    std::fs::write(&path, func.display().to_string())
        .map_err(|source| CompileError::Io { path, source })
}

/// A Cranelift exception-table entry as the descriptor stores it.
fn handler_rec(h: &FinalizedMachExceptionHandler) -> abi::HandlerRec {
    match *h {
        FinalizedMachExceptionHandler::Tag(tag, offset) => abi::HandlerRec {
            kind: abi::HANDLER_TAG,
            tag: tag.as_u32(),
            offset,
        },
        FinalizedMachExceptionHandler::Default(offset) => abi::HandlerRec {
            kind: abi::HANDLER_DEFAULT,
            tag: 0,
            offset,
        },
        FinalizedMachExceptionHandler::Context(ExceptionContextLoc::SPOffset(offset)) => {
            abi::HandlerRec {
                kind: abi::HANDLER_CONTEXT,
                tag: 0,
                offset,
            }
        }
        // Every register is clobbered across a `try_call` to a `tail`
        // callee, so the context always lives in a spill slot.
        FinalizedMachExceptionHandler::Context(ExceptionContextLoc::GPR(r)) => {
            panic!("exception context in register {r}: wasm callees must use the tail convention")
        }
    }
}

/// The wasm offset of the instruction at `code_offset`, or `NO_INDEX`.
fn wasm_offset_at(srclocs: &[MachSrcLoc<Final>], code_offset: u32) -> u32 {
    let i = srclocs.partition_point(|s| s.end <= code_offset);
    match srclocs.get(i) {
        Some(s) if s.start <= code_offset && !s.loc.is_default() => s.loc.bits(),
        _ => abi::NO_INDEX,
    }
}

/// A human description of a code item for error messages.
pub(crate) fn describe(info: &ModuleInfo<'_>, kind: ItemKind) -> String {
    match kind {
        ItemKind::Function(defined) => {
            let i = info.func_index(defined).as_u32();
            match info.func_names.get(&i) {
                Some(name) => format!("function {i} ({name})"),
                None => format!("function {i}"),
            }
        }
        ItemKind::Entry(t) => format!("entry trampoline for type {t}"),
        ItemKind::HostAdapter(t) => format!("host adapter for type {t}"),
        ItemKind::ThrowStub => "throw stub".to_string(),
        ItemKind::ImportThunk { func, .. } => format!("import thunk for function {func}"),
    }
}

fn codegen_error(
    what: String,
    func: &ir::Function,
    err: cranelift_codegen::CodegenError,
) -> CompileError {
    use cranelift_codegen::CodegenError;
    match err {
        CodegenError::ImplLimitExceeded | CodegenError::CodeTooLarge => CompileError::ImplLimit {
            func: what,
            message: err.to_string(),
        },
        CodegenError::Verifier(errors) => CompileError::Codegen {
            func: what,
            message: cranelift_codegen::print_errors::pretty_verifier_error(func, None, errors),
        },
        other => CompileError::Codegen {
            func: what,
            message: other.to_string(),
        },
    }
}
