//! Threads proposal instructions (`abi::interp::ATOMIC + n`, format in
//! the compiler's `interp/atomics.rs`): naturally aligned, sequentially
//! consistent accesses to linear memory, and wait/notify through the
//! runtime's libcalls.

use super::exec::{libcall, r32, r64, w32, w64};
use super::other::Stop;
use crate::abi::interp as ir;
use crate::abi::{Libcall, TrapKind, VMMemoryDefinition, VMOffsets};
use crate::trap::Trap;
use crate::values::ValRaw;
use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, Ordering::SeqCst};

/// The operation of a read-modify-write group (`0x1e + 7 * k`).
fn rmw(k: u16, old: u64, v: u64) -> u64 {
    match k {
        0 => old.wrapping_add(v),
        1 => old.wrapping_sub(v),
        2 => old & v,
        3 => old | v,
        4 => old ^ v,
        _ => v,
    }
}

/// Access size in bytes and whether the value is an i64, for the
/// position `j` (0..7) inside a group of seven (i32, i64, i32 8u, i32 16u,
/// i64 8u, i64 16u, i64 32u).
fn width(j: u16) -> (u64, bool) {
    match j {
        0 => (4, false),
        1 => (8, true),
        2 => (1, false),
        3 => (2, false),
        4 => (1, true),
        5 => (2, true),
        _ => (4, true),
    }
}

/// Loads `size` bytes (little-endian) atomically.
///
/// # Safety
///
/// `p` is an in-bounds, naturally aligned address of linear memory.
unsafe fn load(p: *mut u8, size: u64) -> u64 {
    // SAFETY: per the contract; linear memory is only accessed atomically
    // or through plain accesses that wasm races on by its own semantics.
    unsafe {
        match size {
            1 => (*(p as *const AtomicU8)).load(SeqCst) as u64,
            2 => u16::from_le((*(p as *const AtomicU16)).load(SeqCst)) as u64,
            4 => u32::from_le((*(p as *const AtomicU32)).load(SeqCst)) as u64,
            _ => u64::from_le((*(p as *const AtomicU64)).load(SeqCst)),
        }
    }
}

/// Compare-exchange of `size` bytes: returns the old value.
///
/// # Safety
///
/// As for [`load`].
unsafe fn cas(p: *mut u8, size: u64, expected: u64, new: u64) -> u64 {
    // SAFETY: as for `load`.
    unsafe {
        match size {
            1 => {
                let a = &*(p as *const AtomicU8);
                match a.compare_exchange(expected as u8, new as u8, SeqCst, SeqCst) {
                    Ok(v) | Err(v) => v as u64,
                }
            }
            2 => {
                let a = &*(p as *const AtomicU16);
                let (e, n) = ((expected as u16).to_le(), (new as u16).to_le());
                match a.compare_exchange(e, n, SeqCst, SeqCst) {
                    Ok(v) | Err(v) => u16::from_le(v) as u64,
                }
            }
            4 => {
                let a = &*(p as *const AtomicU32);
                let (e, n) = ((expected as u32).to_le(), (new as u32).to_le());
                match a.compare_exchange(e, n, SeqCst, SeqCst) {
                    Ok(v) | Err(v) => u32::from_le(v) as u64,
                }
            }
            _ => {
                let a = &*(p as *const AtomicU64);
                match a.compare_exchange(expected.to_le(), new.to_le(), SeqCst, SeqCst) {
                    Ok(v) | Err(v) => u64::from_le(v),
                }
            }
        }
    }
}

fn mask(size: u64) -> u64 {
    if size == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * size)) - 1
    }
}

/// Executes atomic instruction `n` at `ip`; returns its length in words.
///
/// # Safety
///
/// The instruction belongs to a function of the instance `vmctx` running
/// in the frame at `fp`.
pub(crate) unsafe fn exec(
    n: u16,
    vmctx: *mut u8,
    off: &VMOffsets,
    fp: *mut ValRaw,
    ip: *const u32,
) -> Result<usize, Stop> {
    if n == 0x03 {
        std::sync::atomic::fence(SeqCst);
        return Ok(1);
    }
    // SAFETY: per the contract: slot operands of this frame, the memory
    // definition of the instance, libcalls with their listed signatures.
    unsafe {
        let a = *ip >> 16;
        let w1 = *ip.add(1);
        let w2 = *ip.add(2);
        let (addr_slot, memf) = (w1 & 0xffff, w1 >> 16);
        let (x, y) = (w2 & 0xffff, w2 >> 16);
        let is64 = memf & ir::IDX64_HALF != 0;
        let mem = memf & !ir::IDX64_HALF;
        let offset = *ip.add(3) as u64 | (*ip.add(4) as u64) << 32;
        let addr = if is64 {
            r64(fp, addr_slot)
        } else {
            r32(fp, addr_slot) as u64
        };
        let Some(ea) = addr.checked_add(offset) else {
            return Err(TrapKind::MemoryOutOfBounds.into());
        };
        #[allow(clippy::single_match, reason = "the opcode range reads as a table")]
        match n {
            0x00..=0x02 => {
                let status = match n {
                    0 => {
                        let f: unsafe extern "C" fn(*mut u8, u32, u64, u32) -> u32 =
                            std::mem::transmute(libcall(vmctx, Libcall::memory_atomic_notify));
                        f(vmctx, mem, ea, r32(fp, x))
                    }
                    1 => {
                        let f: unsafe extern "C" fn(*mut u8, u32, u64, u32, u64) -> u32 =
                            std::mem::transmute(libcall(vmctx, Libcall::memory_atomic_wait32));
                        f(vmctx, mem, ea, r32(fp, x), r64(fp, y))
                    }
                    _ => {
                        let f: unsafe extern "C" fn(*mut u8, u32, u64, u64, u64) -> u32 =
                            std::mem::transmute(libcall(vmctx, Libcall::memory_atomic_wait64));
                        f(vmctx, mem, ea, r64(fp, x), r64(fp, y))
                    }
                };
                if status == u32::MAX {
                    return Err(Stop::Trap(crate::entry::take_raised().unwrap_or_else(
                        || Trap::host("wait/notify failed without a trap"),
                    )));
                }
                w32(fp, a, status);
                return Ok(5);
            }
            _ => {}
        }
        let (group, j) = ((n - 0x10) / 7, (n - 0x10) % 7);
        let (size, wide) = width(j);
        if !ea.is_multiple_of(size) {
            return Err(TrapKind::UnalignedAtomic.into());
        }
        let def = *(vmctx.add(off.memory(mem) as usize) as *const *const VMMemoryDefinition);
        match ea.checked_add(size) {
            Some(end) if end <= (*def).length as u64 => {}
            _ => return Err(TrapKind::MemoryOutOfBounds.into()),
        }
        let p = (*def).base.add(ea as usize);
        let val = |s: u32| if wide { r64(fp, s) } else { r32(fp, s) as u64 };
        let result = match group {
            0 => load(p, size),
            1 => {
                let v = val(x) & mask(size);
                let mut old = load(p, size);
                loop {
                    let got = cas(p, size, old, v);
                    if got == old {
                        break;
                    }
                    old = got;
                }
                return Ok(5);
            }
            2..=7 => {
                let v = val(x) & mask(size);
                let mut old = load(p, size);
                loop {
                    let new = rmw(group - 2, old, v) & mask(size);
                    let got = cas(p, size, old, new);
                    if got == old {
                        break old;
                    }
                    old = got;
                }
            }
            _ => {
                // Both operands wrap to the access width.
                cas(p, size, val(x) & mask(size), val(y) & mask(size))
            }
        };
        if wide {
            w64(fp, a, result);
        } else {
            w32(fp, a, result as u32);
        }
        Ok(5)
    }
}
