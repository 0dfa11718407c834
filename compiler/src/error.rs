//! The compiler's one error type. Every variant carries what a user needs
//! to find the problem: a byte offset in the wasm input, or the function.

use std::path::PathBuf;

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
    Target(String),
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
