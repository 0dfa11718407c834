//! Lazy translation for the interpreter (`smelt run --mode interp`):
//! [`compile_lazy`] validates the whole module up front (the bodies in
//! parallel, as the eager path does) and writes an object without IR;
//! the [`Translator`] it returns implements the runtime's
//! `abi::interp::LazyTranslator`, which the runtime calls on each
//! function's first call. The runtime defines the hook and the compiler
//! fills it in, so the runtime never depends on the compiler.
//!
//! The translator owns the wasm bytes and the parsed [`ModuleInfo`] that
//! borrows them, for as long as the module lives.

use crate::error::Result;
use crate::module_info::{DefinedFuncIndex, ModuleInfo};
use crate::{Artifact, ExecutionMode, Options, isa, pipeline};
use smelt_runtime::abi::interp::{LazyTranslator, TranslatedFunc};
use std::sync::Arc;

/// A module compiled for lazy interpretation.
pub struct LazyArtifact {
    /// The object: trampolines and a descriptor without IR (flag
    /// `FLAG_INTERP_LAZY`). Load it with `Module::from_object_lazy` in
    /// this process; it is of no use elsewhere.
    pub artifact: Artifact,
    /// Translates the module's functions on first call; hand it to
    /// `Module::from_object_lazy` with the object.
    pub translator: Arc<dyn LazyTranslator>,
}

/// The wasm bytes of a lazily translated module, owned by its translator
/// (a `Vec<u8>`, a memory-mapped file...).
pub type WasmBytes = Box<dyn AsRef<[u8]> + Send + Sync>;

/// Validates `wasm` completely (an invalid module fails here with the
/// error [`crate::compile`] gives) and compiles it for interpretation
/// with the functions' IR left to be made on first call. `options.mode`
/// must be [`ExecutionMode::Interpreted`]. The object is not meant to be
/// stored: it is only good together with its translator.
pub fn compile_lazy(wasm: WasmBytes, options: &Options) -> Result<LazyArtifact> {
    let translate = |options: &Options| {
        let isa = isa::build_startup_isa(options)?;
        // SAFETY: the bytes live on the heap (or in a mapping) owned by
        // `wasm`, which does not move them when it moves; the translator
        // keeps `wasm` and drops it after `info` (field order), and
        // `info`'s borrows never leave the translator.
        let bytes: &'static [u8] = unsafe { &*((*wasm).as_ref() as *const [u8]) };
        let info = pipeline::parse(bytes, options)?;
        let artifact = pipeline::compile_parsed(&isa, &info, options, pipeline::InterpIr::Lazy)?;
        Ok::<_, crate::CompileError>((artifact, info))
    };
    let run = || match options.threads {
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .map_err(|e| crate::error::TargetError::WorkerThreads(e.to_string()))?;
            pool.install(|| translate(options))
        }
        None => translate(options),
    };
    if options.mode != ExecutionMode::Interpreted {
        return Err(crate::CompileError::Unsupported {
            feature: "lazy translation of compiled code".into(),
            offset: None,
        });
    }
    let (artifact, info) = run()?;
    let options = Options {
        progress: None,
        ..options.clone()
    };
    Ok(LazyArtifact {
        artifact,
        translator: Arc::new(Translator {
            info,
            options,
            _wasm: wasm,
        }),
    })
}

/// The compiler's side of lazy translation: the interpreter translator
/// over a module parsed once.
pub struct Translator {
    /// Borrows `_wasm`; declared first, so it is dropped first.
    info: ModuleInfo<'static>,
    options: Options,
    _wasm: WasmBytes,
}

impl LazyTranslator for Translator {
    fn translate(&self, defined: u32) -> std::result::Result<TranslatedFunc, String> {
        let index = DefinedFuncIndex::from_u32(defined);
        if index.as_u32() >= self.info.num_defined_funcs() {
            return Err(format!("no defined function {defined}"));
        }
        let run = std::panic::AssertUnwindSafe(|| {
            crate::interp::translate_validated(&self.info, index, &self.options)
                .and_then(|f| pipeline::check_interp_func(&self.info, index, f))
        });
        let f = match std::panic::catch_unwind(run) {
            Ok(Ok(f)) => f,
            Ok(Err(e)) => return Err(e.to_string()),
            Err(payload) => {
                return Err(format!(
                    "internal compiler error: {}",
                    pipeline::panic_message(&*payload)
                ));
            }
        };
        Ok(TranslatedFunc {
            code: f.code,
            offsets: f.offsets,
            handlers: f.handlers,
            num_params: f.num_params,
            num_locals: f.num_locals,
            frame_size: f.frame_size,
            num_results: f.num_results,
        })
    }

    fn func_name(&self, func: u32) -> Option<String> {
        self.info.func_names.get(&func).map(|n| n.to_string())
    }
}
