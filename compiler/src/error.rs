//! The compiler's one error type. Every variant carries what a user needs
//! to find the problem: a byte offset in the wasm input, or the function.

use std::path::PathBuf;
use target_lexicon::{BinaryFormat, Triple};

/// Why compilation failed.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The input is not valid wasm (malformed binary, text syntax error,
    /// or a validation failure).
    #[error("{}{message}", offset_prefix(*offset))]
    InvalidWasm {
        message: String,
        offset: Option<u64>,
    },
    /// Valid wasm that uses something smelt does not implement.
    #[error("{}unsupported: {feature}", offset_prefix(*offset))]
    Unsupported {
        feature: String,
        offset: Option<u64>,
    },
    /// A limit of the implementation (function too large…).
    #[error("function {func}: implementation limit exceeded: {message}")]
    ImplLimit { func: String, message: String },
    /// Cranelift rejected a function. Always a smelt bug.
    #[error("internal compiler error in function {func}: {message}")]
    Codegen { func: String, message: String },
    /// A panic inside the compiler. Always a smelt bug.
    #[error("internal compiler error while compiling {func}: {message}")]
    Internal { func: String, message: String },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The requested target or option cannot be used.
    #[error("{0}")]
    Target(TargetError),
}

/// Why the requested target, CPU, feature or output option cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// `--target` is not a 64-bit target.
    #[error(
        "target {triple}: only 64-bit targets are supported (`smelt targets` lists the supported targets)"
    )]
    NotSixtyFourBit { triple: Triple },
    /// `--target` names an architecture smelt does not generate code for.
    #[error(
        "target {triple}: unsupported architecture (`smelt targets` lists the supported targets)"
    )]
    UnsupportedArchitecture { triple: Triple },
    /// smelt cannot write objects of the triple's format for its
    /// architecture.
    #[error(
        "target {triple}: no {format} objects for this architecture (`smelt targets` lists the supported targets)"
    )]
    UnsupportedFormat {
        triple: Triple,
        format: BinaryFormat,
    },
    /// Cranelift has no backend for the triple.
    #[error("target {triple}: unsupported target: {message}")]
    NoBackend { triple: Triple, message: String },
    /// `--cpu native` while compiling for another target.
    #[error("target {triple}: `--cpu native`: only valid for the host target")]
    NativeCpuCross { triple: Triple },
    /// `--cpu` names no CPU or preset Cranelift knows for the target.
    #[error("target {triple}: unknown CPU `{cpu}`: {message}")]
    UnknownCpu {
        triple: Triple,
        cpu: String,
        message: String,
    },
    /// A `--target-feature` Cranelift does not know or refuses.
    #[error("target {triple}: target feature `{feature}`: {message}")]
    TargetFeature {
        triple: Triple,
        feature: String,
        message: String,
    },
    /// Cranelift refused a step of building the ISA that smelt takes on
    /// its own (`step`: "setting opt_level=speed", "enabling x86-64-v2",
    /// "building the ISA"…), or could not detect the host's features.
    #[error("target {triple}: {step}: {message}")]
    Isa {
        triple: Triple,
        step: String,
        message: String,
    },
    /// `--header`: the module imports `name` from a module of its own name
    /// (`module`), so its import and export symbols would collide.
    #[error(
        "C API: module `{module}` imports `{name}` from a module of its own name, \
         so its exports and imports would share symbols; give it another name with --name"
    )]
    CApiSelfImport { module: String, name: String },
    /// `--header`: the import `module` `name` is of a kind the C API cannot
    /// import (`kind`: "a table", "a tag").
    #[error(
        "C API: import `{module}` `{name}` is {kind}; only functions, memories and globals \
         can be imported through the C API (use the Rust API for the others)"
    )]
    CApiImportKind {
        module: String,
        name: String,
        kind: &'static str,
    },
    /// `--header`: two imports map to the C symbol `symbol` with different
    /// signatures.
    #[error("C API: `{symbol}` is imported twice with different types: {message}")]
    CApiSymbolClash { symbol: String, message: String },
    /// The worker thread pool of `Options::threads` could not be started.
    #[error("starting worker threads: {0}")]
    WorkerThreads(String),
}

impl From<TargetError> for CompileError {
    fn from(e: TargetError) -> Self {
        CompileError::Target(e)
    }
}

fn offset_prefix(offset: Option<u64>) -> String {
    match offset {
        Some(o) => format!("offset {o:#x}: "),
        None => String::new(),
    }
}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError::InvalidWasm {
            message: e.message().to_string(),
            offset: Some(e.offset()),
        }
    }
}

/// Builds a [`CompileError::Unsupported`].
macro_rules! unsupported {
    ($offset:expr, $($arg:tt)*) => {
        $crate::error::CompileError::Unsupported {
            feature: format!($($arg)*),
            offset: Some($offset as u64),
        }
    };
}
pub(crate) use unsupported;

pub type Result<T, E = CompileError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages are what `smelt` prints: keep them fixed.
    #[test]
    fn target_error_messages() {
        let triple: Triple = "i686-unknown-linux-gnu".parse().unwrap();
        let cases = [
            (
                TargetError::NotSixtyFourBit {
                    triple: triple.clone(),
                },
                "target i686-unknown-linux-gnu: only 64-bit targets are supported \
                 (`smelt targets` lists the supported targets)",
            ),
            (
                TargetError::UnsupportedFormat {
                    triple: triple.clone(),
                    format: BinaryFormat::Coff,
                },
                "target i686-unknown-linux-gnu: no coff objects for this architecture \
                 (`smelt targets` lists the supported targets)",
            ),
            (
                TargetError::UnknownCpu {
                    triple,
                    cpu: "z99".into(),
                    message: "no such preset".into(),
                },
                "target i686-unknown-linux-gnu: unknown CPU `z99`: no such preset",
            ),
            (
                TargetError::CApiImportKind {
                    module: "env".into(),
                    name: "t".into(),
                    kind: "a table",
                },
                "C API: import `env` `t` is a table; only functions, memories and globals can be \
                 imported through the C API (use the Rust API for the others)",
            ),
            (
                TargetError::CApiSelfImport {
                    module: "m".into(),
                    name: "f".into(),
                },
                "C API: module `m` imports `f` from a module of its own name, so its exports and \
                 imports would share symbols; give it another name with --name",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(CompileError::Target(e).to_string(), text);
        }
    }
}
