//! The instructions that go through the runtime (memory and table
//! management, references, exceptions, wide arithmetic): rarer than the
//! numeric ones, kept out of the main loop's body.

use super::exec::ModRefs;
use super::exec::{libcall, r32, r64, rptr, w32, w64};
use crate::abi::interp::{self as ir, Op};
use crate::abi::{self, Libcall, TrapKind, VMOffsets, VMTableDefinition};
use crate::trap::Trap;
use crate::values::ValRaw;

/// Why an instruction did not complete.
pub(crate) enum Stop {
    Trap(Trap),
    /// Throw this exnref.
    Throw(usize),
}

impl From<TrapKind> for Stop {
    fn from(k: TrapKind) -> Stop {
        Stop::Trap(Trap::new(k))
    }
}

/// A status-returning libcall failed: the trap it recorded.
fn raised() -> Stop {
    Stop::Trap(
        crate::entry::take_raised()
            .unwrap_or_else(|| Trap::host("a libcall failed without a trap")),
    )
}

/// Reads an index or length operand: 64-bit when `is64`.
///
/// # Safety
///
/// `s` is a slot of the frame at `fp`.
unsafe fn idx(fp: *mut ValRaw, s: u32, is64: bool) -> u64 {
    // SAFETY: per the contract.
    unsafe { if is64 { r64(fp, s) } else { r32(fp, s) as u64 } }
}

/// Writes a size result (`memory.size`, `table.grow`…).
///
/// # Safety
///
/// `s` is a slot of the frame at `fp`.
unsafe fn put(fp: *mut ValRaw, s: u32, v: u64, is64: bool) {
    // SAFETY: per the contract.
    unsafe {
        if is64 {
            w64(fp, s, v)
        } else {
            w32(fp, s, v as u32)
        }
    }
}

unsafe fn table(vmctx: *mut u8, off: &VMOffsets, t: u32) -> *mut VMTableDefinition {
    // SAFETY: the tables area holds one pointer per table.
    unsafe { *(vmctx.add(off.table(t) as usize) as *const *mut VMTableDefinition) }
}

/// Executes the instruction at `ip` (an op the main loop leaves to this
/// function); returns its length in words.
///
/// # Safety
///
/// The instruction belongs to a function of the instance `vmctx` running
/// in the frame at `fp`.
#[allow(clippy::too_many_lines, reason = "one arm per instruction")]
pub(crate) unsafe fn exec(
    op: u16,
    r: &ModRefs<'_>,
    vmctx: *mut u8,
    off: &VMOffsets,
    fp: *mut ValRaw,
    ip: *const u32,
) -> Result<usize, Stop> {
    // SAFETY: per the contract; libcalls are called with this instance's
    // vmctx and operands of the types the libcall list gives.
    unsafe {
        let w = *ip;
        let a = w >> 16;
        let w1 = *ip.add(1);
        let (b, c) = (w1 & 0xffff, w1 >> 16);
        let Some(op) = Op::from_u16(op) else {
            return Err(Stop::Trap(Trap::host(format!(
                "invalid interpreter instruction {op:#x}"
            ))));
        };
        Ok(match op {
            Op::MemorySize => {
                let mem = c & !ir::IDX64_HALF;
                let is64 = c & ir::IDX64_HALF != 0;
                let def =
                    *(vmctx.add(off.memory(mem) as usize) as *const *const abi::VMMemoryDefinition);
                let rec = r.m.slice::<abi::MemoryRec>(r.m.header().memories)[mem as usize];
                put(fp, a, ((*def).length as u64) >> rec.page_size_log2, is64);
                2
            }
            Op::MemoryGrow => {
                let mem = c & !ir::IDX64_HALF;
                let is64 = c & ir::IDX64_HALF != 0;
                let f: unsafe extern "C" fn(*mut u8, u32, u64) -> u64 =
                    std::mem::transmute(libcall(vmctx, Libcall::memory_grow));
                let old = f(vmctx, mem, idx(fp, b, is64));
                put(fp, a, old, is64);
                2
            }
            Op::MemoryFill => {
                let mw = *ip.add(2);
                let is64 = mw & ir::IDX64 != 0;
                let f: unsafe extern "C" fn(*mut u8, u32, u64, u32, u64) -> u32 =
                    std::mem::transmute(libcall(vmctx, Libcall::memory_fill));
                if f(
                    vmctx,
                    mw & !ir::IDX64,
                    idx(fp, a, is64),
                    r32(fp, b),
                    idx(fp, c, is64),
                ) != 0
                {
                    return Err(raised());
                }
                3
            }
            Op::MemoryCopy => {
                let (dw, sw) = (*ip.add(2), *ip.add(3));
                let (d64, s64) = (dw & ir::IDX64 != 0, sw & ir::IDX64 != 0);
                let f: unsafe extern "C" fn(*mut u8, u32, u32, u64, u64, u64) -> u32 =
                    std::mem::transmute(libcall(vmctx, Libcall::memory_copy));
                let st = f(
                    vmctx,
                    dw & !ir::IDX64,
                    sw & !ir::IDX64,
                    idx(fp, a, d64),
                    idx(fp, b, s64),
                    idx(fp, c, d64 && s64),
                );
                if st != 0 {
                    return Err(raised());
                }
                4
            }
            Op::MemoryInit => {
                let (mw, data) = (*ip.add(2), *ip.add(3));
                let f: unsafe extern "C" fn(*mut u8, u32, u32, u64, u32, u32) -> u32 =
                    std::mem::transmute(libcall(vmctx, Libcall::memory_init));
                let dst = idx(fp, a, mw & ir::IDX64 != 0);
                if f(vmctx, mw & !ir::IDX64, data, dst, r32(fp, b), r32(fp, c)) != 0 {
                    return Err(raised());
                }
                4
            }
            Op::DataDrop => {
                let f: unsafe extern "C" fn(*mut u8, u32) =
                    std::mem::transmute(libcall(vmctx, Libcall::data_drop));
                f(vmctx, w1);
                2
            }
            Op::ElemDrop => {
                let f: unsafe extern "C" fn(*mut u8, u32) =
                    std::mem::transmute(libcall(vmctx, Libcall::elem_drop));
                f(vmctx, w1);
                2
            }
            Op::TableGet => {
                let tw = *ip.add(2);
                let t = table(vmctx, off, tw & !ir::IDX64);
                let i = idx(fp, b, tw & ir::IDX64 != 0);
                if i >= (*t).length {
                    return Err(TrapKind::TableOutOfBounds.into());
                }
                w64(fp, a, *(*t).base.add(i as usize) as u64);
                3
            }
            Op::TableSet => {
                let tw = *ip.add(2);
                let t = table(vmctx, off, tw & !ir::IDX64);
                let i = idx(fp, a, tw & ir::IDX64 != 0);
                if i >= (*t).length {
                    return Err(TrapKind::TableOutOfBounds.into());
                }
                *(*t).base.add(i as usize) = rptr(fp, b);
                3
            }
            Op::TableSize => {
                let tw = w1;
                let t = table(vmctx, off, tw & !ir::IDX64);
                put(fp, a, (*t).length, tw & ir::IDX64 != 0);
                2
            }
            Op::TableGrow => {
                let tw = *ip.add(2);
                let is64 = tw & ir::IDX64 != 0;
                let f: unsafe extern "C" fn(*mut u8, u32, usize, u64) -> u64 =
                    std::mem::transmute(libcall(vmctx, Libcall::table_grow));
                let old = f(vmctx, tw & !ir::IDX64, rptr(fp, b), idx(fp, c, is64));
                put(fp, a, old, is64);
                3
            }
            Op::TableFill => {
                let tw = *ip.add(2);
                let is64 = tw & ir::IDX64 != 0;
                let f: unsafe extern "C" fn(*mut u8, u32, u64, usize, u64) -> u32 =
                    std::mem::transmute(libcall(vmctx, Libcall::table_fill));
                if f(
                    vmctx,
                    tw & !ir::IDX64,
                    idx(fp, a, is64),
                    rptr(fp, b),
                    idx(fp, c, is64),
                ) != 0
                {
                    return Err(raised());
                }
                3
            }
            Op::TableCopy => {
                let (dw, sw) = (*ip.add(2), *ip.add(3));
                let (d64, s64) = (dw & ir::IDX64 != 0, sw & ir::IDX64 != 0);
                let f: unsafe extern "C" fn(*mut u8, u32, u32, u64, u64, u64) -> u32 =
                    std::mem::transmute(libcall(vmctx, Libcall::table_copy));
                let st = f(
                    vmctx,
                    dw & !ir::IDX64,
                    sw & !ir::IDX64,
                    idx(fp, a, d64),
                    idx(fp, b, s64),
                    idx(fp, c, d64 && s64),
                );
                if st != 0 {
                    return Err(raised());
                }
                4
            }
            Op::TableInit => {
                let (tw, elem) = (*ip.add(2), *ip.add(3));
                let f: unsafe extern "C" fn(*mut u8, u32, u32, u64, u32, u32) -> u32 =
                    std::mem::transmute(libcall(vmctx, Libcall::table_init));
                let dst = idx(fp, a, tw & ir::IDX64 != 0);
                if f(vmctx, tw & !ir::IDX64, elem, dst, r32(fp, b), r32(fp, c)) != 0 {
                    return Err(raised());
                }
                4
            }
            Op::RefFunc => {
                w64(fp, a, r.inst.funcref(w1) as u64);
                2
            }
            Op::RefIsNull => {
                w32(fp, a, (rptr(fp, b) == 0) as u32);
                2
            }
            Op::RefAsNonNull => {
                if rptr(fp, a) == 0 {
                    return Err(TrapKind::NullReference.into());
                }
                1
            }
            Op::Throw => {
                let f: unsafe extern "C" fn(*mut u8, u32) -> usize =
                    std::mem::transmute(libcall(vmctx, Libcall::exn_new));
                let exn = f(vmctx, w1);
                let n = *((exn + abi::VMEXN_NUM_VALUES as usize) as *const u32);
                let values = (exn + abi::VMEXN_VALUES as usize) as *mut ValRaw;
                std::ptr::copy_nonoverlapping(fp.add(a as usize), values, n as usize);
                return Err(Stop::Throw(exn));
            }
            Op::ThrowRef => {
                let exn = rptr(fp, a);
                if exn == 0 {
                    return Err(TrapKind::NullReference.into());
                }
                return Err(Stop::Throw(exn));
            }
            Op::I64Add128 | Op::I64Sub128 => {
                let x = r64(fp, b) as u128 | (r64(fp, b + 1) as u128) << 64;
                let y = r64(fp, b + 2) as u128 | (r64(fp, b + 3) as u128) << 64;
                let z = if op == Op::I64Add128 {
                    x.wrapping_add(y)
                } else {
                    x.wrapping_sub(y)
                };
                w64(fp, a, z as u64);
                w64(fp, a + 1, (z >> 64) as u64);
                2
            }
            Op::I64MulWideS | Op::I64MulWideU => {
                let z = if op == Op::I64MulWideS {
                    (r64(fp, b) as i64 as i128).wrapping_mul(r64(fp, c) as i64 as i128) as u128
                } else {
                    (r64(fp, b) as u128).wrapping_mul(r64(fp, c) as u128)
                };
                w64(fp, a, z as u64);
                w64(fp, a + 1, (z >> 64) as u64);
                2
            }
            _ => {
                return Err(Stop::Trap(Trap::host(format!(
                    "interpreter instruction {op:?} outside the main loop"
                ))));
            }
        })
    }
}
