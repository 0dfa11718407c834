//! Platform code. Each platform folder has the same files: `mmap.rs`
//! (virtual memory), `signals.rs` (trap delivery), `stack.rs` (thread
//! stack bounds) and one file per architecture for the signal context
//! registers. `reloc.rs` is the loader's per-architecture ELF
//! relocations and instruction-cache flush (any OS).

#[cfg(feature = "loader")]
pub(crate) mod reloc;
#[cfg(unix)]
pub(crate) mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(not(unix))]
compile_error!("smelt's runtime currently supports Unix-like systems only");
