//! The contract between the compiler and the runtime.
//!
//! Everything both sides must agree on lives here, once: the layout of the
//! instance context (`vmctx`), the module descriptor that every object file
//! carries, the trap kinds, the libcall table and the ABI version. The
//! compiler depends on this crate with `default-features = false` and gets
//! only this module; it never hard-codes an offset or a number of its own.
//!
//! Assumptions shared by every target smelt supports: pointers are 64 bits
//! wide and `u64` is 8-byte aligned (x86_64, aarch64, riscv64, s390x). The
//! descriptor is written in the *target's* byte order; the runtime reads it
//! natively.

pub mod descriptor;
pub mod embed;
pub mod interp;
pub mod libcalls;
pub mod traps;
pub mod types;
pub mod vmctx;

pub use descriptor::*;
pub use libcalls::Libcall;
pub use traps::TrapKind;
pub use types::ValType;
pub use vmctx::*;

/// Version of this contract. Bump it whenever anything in `abi/` changes
/// shape; the runtime refuses descriptors of another version.
pub const ABI_VERSION: u32 = 10;

/// First word of every module descriptor: `b"SMLT"` read as a little-endian
/// `u32` (on a big-endian target the compiler writes the same *value*).
pub const DESCRIPTOR_MAGIC: u32 = u32::from_le_bytes(*b"SMLT");

/// Size in bytes of a wasm page (without custom-page-sizes).
pub const WASM_PAGE_SIZE: u64 = 0x1_0000;

/// Size of the virtual reservation for one 32-bit linear memory in guard
/// mode: 4 GiB of addressable memory plus a 4 GiB guard region, so that
/// `index (u32) + offset (u32) + access size` can never reach past the
/// reservation and compiled code needs no bounds check at all.
pub const MEMORY32_RESERVATION: u64 = 8 << 30;
/// Extra slack after the 8 GiB so an access of up to 16 bytes at
/// `u32::MAX + u32::MAX` still lands in the reservation.
pub const MEMORY32_RESERVATION_SLACK: u64 = 0x1_0000;

/// Bytes of each entry in the array-call value buffer (`ValRaw`): large
/// enough for a `v128`.
pub const VAL_RAW_SIZE: u32 = 16;
