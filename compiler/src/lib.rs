//! smelt's compiler: WebAssembly to one relocatable native object.
//!
//! ```text
//! .wasm / .wat bytes
//!   -> ModuleInfo::parse        validate sections (wasmparser), collect types,
//!                               imports, tables, memories, globals, segments
//!   -> translate (parallel)     each body validated and lowered to CLIF by
//!                               translate::FuncTranslator with a FuncEnv
//!   -> compile (same worker)    Cranelift codegen, one Context per thread
//!      (--mode interp: interp::translate_function to interpreter IR
//!      instead, stored in the descriptor; no code for the functions)
//!   -> trampolines (parallel)   entry trampoline + host adapter per type
//!   -> emit (serial)            define code in order, build the descriptor
//!                               (emit::descriptor), write one object
//! ```
//!
//! [`compile_lazy`] (`smelt run --mode interp`) stops short of the
//! interpreter IR: it only validates the bodies, and its [`Translator`]
//! translates each function when the runtime first calls it.
//!
//! The object is deterministic: parallel work is collected in index order
//! and everything is defined serially.

mod bounds;
mod build_script;
mod c_abi;
mod compile;
mod const_expr;
mod emit;
pub mod error;
mod fuel;
mod func_env;
mod header;
mod inline;
mod interp;
#[cfg(test)]
mod interp_tests;
mod isa;
mod lazy;
mod module_info;
pub mod names;
mod nan_canon;
mod pipeline;
pub mod timings;
mod trampolines;
mod translate;
mod types;

pub use build_script::{Build, BuildError};
pub use error::CompileError;
pub use isa::{SUPPORTED_TARGETS, TargetSupport, check_target, host_triple};
pub use lazy::{LazyArtifact, Translator, WasmBytes, compile_lazy};
pub use target_lexicon::Triple;
pub use wasmparser::WasmFeatures;

use error::Result;
use smelt_runtime::abi;
use std::borrow::Cow;

/// Cranelift optimization level.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum OptLevel {
    /// No optimization (fastest compile).
    None,
    /// Optimize for speed (the default).
    #[default]
    Speed,
    /// Optimize for speed and size.
    SpeedAndSize,
}

/// How linear-memory accesses are kept in bounds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum BoundsChecks {
    /// Rely on a guard region after each 32-bit memory: no checks in code.
    #[default]
    Guard,
    /// Compare every access against the current length.
    Explicit,
}

/// How the defined functions of a module run.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum ExecutionMode {
    /// Compiled to native code by Cranelift (the default).
    #[default]
    Compiled,
    /// Translated to the interpreter's IR (`smelt_runtime::abi::interp`),
    /// stored in the descriptor and run by the runtime's executor. The
    /// object still holds native code for the per-type trampolines, the
    /// throw stub and (typed C API) the import thunks, so it needs a
    /// Cranelift target all the same.
    Interpreted,
}

/// Compilation options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Target triple; `None` is the host.
    pub target: Option<Triple>,
    /// CPU preset (`x86-64-v3`, `native`…); `None` picks the target's baseline.
    pub cpu: Option<String>,
    /// Extra ISA features (`+avx2`, `-bmi1`…).
    pub target_features: Vec<String>,
    pub opt_level: OptLevel,
    /// Compiled code or interpreter IR for the defined functions.
    pub mode: ExecutionMode,
    /// Wasm features accepted by the validator.
    pub features: WasmFeatures,
    pub bounds_checks: BoundsChecks,
    /// Name of the module (symbols, backtraces).
    pub module_name: String,
    /// Also define a C `main` that runs the module (for executables).
    pub emit_main: bool,
    /// Run-time settings baked into the executable's `main` and handed to
    /// `smelt_rt_main` (for `smelt build`: the WASI sandbox, see
    /// `smelt_runtime::exe`). Opaque to the compiler; empty means none.
    pub exe_config: Vec<u8>,
    /// Called with (items compiled, items in total) while functions
    /// compile, for a progress display. Called from worker threads.
    pub progress: Option<Progress>,
    /// Worker threads for compilation; `None` uses all cores.
    pub threads: Option<usize>,
    /// Poll the store's interrupt flag at function entries and loop
    /// headers, so calls can be interrupted or timed out (a small cost).
    pub interruptible: bool,
    /// Meter fuel: charge the store's fuel one unit per wasm instruction
    /// (per basic block) and trap `OutOfFuel` when it runs out, checked
    /// at function entries and loop headers (the rule is in
    /// `compiler/src/fuel.rs`; the same count compiled and interpreted).
    /// Off, the code is exactly what it is without this option.
    pub fuel: bool,
    /// Inline small leaf functions into their direct callers (with
    /// optimization on).
    pub inline: bool,
    /// Emit the typed C API (`smelt compile --header`): a C function per
    /// export (`smelt_w_<mod>_<export>`), `smelt_mod_<mod>_instantiate`
    /// and `_free`, import thunks that call the C functions defining the
    /// imports, and the header declaring it all ([`Artifact::header`]).
    /// The object then has undefined symbols (the runtime's `smelt_rt_*`
    /// entries and the imports' `smelt_w_*` functions), so it must be
    /// linked, not loaded in-process by `smelt run`.
    pub c_api: bool,
    /// Replace every NaN that float arithmetic produces (scalar and each
    /// SIMD lane) with the canonical quiet NaN (`0x7fc00000`,
    /// `0x7ff8000000000000`), so results are bit-identical on every target
    /// and CPU. Wasm leaves the payload and sign of such NaNs
    /// nondeterministic; hardware differs (x86 returns an input's payload
    /// or a negative "default NaN", aarch64 a positive one).
    pub canonicalize_nans: bool,
    /// Write the Cranelift IR of every code item into this directory
    /// (`smelt compile --emit-clif DIR`): `<symbol>.clif` as translated
    /// from wasm (after inlining and NaN canonicalization), the input of
    /// Cranelift's optimizer. The object does not change.
    pub emit_clif: Option<std::path::PathBuf>,
    /// With [`Options::emit_clif`], also write `<symbol>.opt.clif`: the IR
    /// after Cranelift's optimizations, as lowered to machine code.
    pub emit_clif_optimized: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            target: None,
            cpu: None,
            target_features: Vec::new(),
            opt_level: OptLevel::Speed,
            mode: ExecutionMode::Compiled,
            features: supported_features(),
            bounds_checks: BoundsChecks::Guard,
            module_name: "module".to_string(),
            emit_main: false,
            exe_config: Vec::new(),
            progress: None,
            threads: None,
            interruptible: false,
            fuel: false,
            inline: true,
            c_api: false,
            canonicalize_nans: false,
            emit_clif: None,
            emit_clif_optimized: false,
        }
    }
}

/// A progress callback: `(items compiled, items in total)`.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// Every wasm feature smelt implements.
pub fn supported_features() -> WasmFeatures {
    WasmFeatures::WASM1
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::REFERENCE_TYPES
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::FUNCTION_REFERENCES
        | WasmFeatures::EXTENDED_CONST
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::MEMORY64
        | WasmFeatures::CUSTOM_PAGE_SIZES
        | WasmFeatures::WIDE_ARITHMETIC
        | WasmFeatures::THREADS
        | WasmFeatures::SIMD
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::LEGACY_EXCEPTIONS
}

/// An import of the compiled module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    pub module: String,
    pub name: String,
    /// `func`, `table`, `memory`, `global` or `tag`.
    pub kind: &'static str,
}

/// The result of compiling a module.
#[derive(Debug)]
pub struct Artifact {
    /// The relocatable object file.
    pub object: Vec<u8>,
    /// The module name used for symbols.
    pub module_name: String,
    /// Name of the descriptor symbol.
    pub descriptor_symbol: String,
    pub imports: Vec<ImportSummary>,
    /// Size of the wasm code section (bytes of function bodies).
    pub code_section_size: usize,
    /// Direct calls replaced by the callee's body ([`Options::inline`]).
    pub inlined_calls: usize,
    /// The C header of the typed C API, with [`Options::c_api`].
    pub header: Option<String>,
}

/// Turns `.wat` text into binary wasm; binary input is returned as is.
pub fn wat_to_wasm<'a>(bytes: &'a [u8]) -> Result<Cow<'a, [u8]>> {
    if bytes.starts_with(b"\0asm") {
        return Ok(Cow::Borrowed(bytes));
    }
    wat::parse_bytes(bytes).map_err(|e| {
        let mut e = e;
        e.set_path("");
        CompileError::InvalidWasm {
            message: e.to_string(),
            offset: None,
        }
    })
}

/// One compiled function or trampoline, ready to be defined.
pub(crate) struct CompiledItem {
    pub(crate) bytes: Vec<u8>,
    pub(crate) alignment: u64,
    pub(crate) relocs: Vec<cranelift_module::ModuleReloc>,
    pub(crate) traps: Vec<abi::TrapRec>,
    pub(crate) call_sites: Vec<abi::CallSiteRec>,
    /// Exception handlers; `call_sites[i].handlers` index this item's list.
    pub(crate) handlers: Vec<abi::HandlerRec>,
    /// Direct calls inlined into this item.
    pub(crate) inlined_calls: usize,
}

/// Compiles a binary wasm module into an object file.
pub fn compile(wasm: &[u8], options: &Options) -> Result<Artifact> {
    match options.threads {
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .map_err(|e| error::TargetError::WorkerThreads(e.to_string()))?;
            pool.install(|| pipeline::compile_module(wasm, options))
        }
        None => pipeline::compile_module(wasm, options),
    }
}
