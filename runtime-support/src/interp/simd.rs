//! SIMD and relaxed SIMD instructions (`abi::interp::SIMD + n`).

use super::exec::ModRefs;
use super::other::Stop;
use crate::abi::VMOffsets;
use crate::trap::Trap;
use crate::values::ValRaw;

/// Executes SIMD instruction `n` at `ip`; returns its length in words.
///
/// # Safety
///
/// The instruction belongs to a function of the instance `vmctx` running
/// in the frame at `fp`.
pub(crate) unsafe fn exec(
    n: u16,
    r: &ModRefs<'_>,
    vmctx: *mut u8,
    off: &VMOffsets,
    fp: *mut ValRaw,
    ip: *const u32,
) -> Result<usize, Stop> {
    let _ = (r, vmctx, off, fp, ip);
    Err(Stop::Trap(Trap::host(format!(
        "SIMD instruction {n:#x} not implemented"
    ))))
}
