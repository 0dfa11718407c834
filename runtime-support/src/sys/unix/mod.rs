//! Unix (Linux, macOS) implementation of the platform layer.

pub(crate) mod mmap;
pub(crate) mod signals;
pub(crate) mod stack;

#[cfg(target_arch = "x86_64")]
#[path = "x86_64.rs"]
pub(crate) mod arch;
#[cfg(target_arch = "aarch64")]
#[path = "aarch64.rs"]
pub(crate) mod arch;
#[cfg(target_arch = "riscv64")]
#[path = "riscv64.rs"]
pub(crate) mod arch;
#[cfg(target_arch = "s390x")]
#[path = "s390x.rs"]
pub(crate) mod arch;
