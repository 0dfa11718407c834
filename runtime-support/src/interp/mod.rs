//! The interpreter: runs the IR of interpreted modules (`abi::interp`) on
//! the same store, instances, memories, tables, globals and traps as
//! compiled code.
//!
//! An interpreted function that can be called from outside its module
//! (exported, in a table, `ref.func`) has a `VMFuncRef` whose `code` is
//! the module's host adapter for its type and whose `vmctx` is an
//! [`InterpCtx`]: to compiled code and to the host it looks like a host
//! function, and the array call lands in [`array_entry`]. The interpreter
//! itself recognises such funcrefs (`FUNCREF_ARRAY_CALL` and
//! `InterpCtx::func == array_entry`) and pushes a frame instead.

mod atomic;
mod exec;
mod fast;
pub(crate) mod lazy;
mod other;
mod simd;

use crate::values::ValRaw;

/// What an interpreted function's `VMFuncRef::vmctx` points to; starts
/// like a host function's context (`abi::HOSTCTX_FUNC`, `HOSTCTX_THROW`).
#[repr(C)]
pub(crate) struct InterpCtx {
    pub(crate) func: unsafe extern "C" fn(*mut InterpCtx, *mut u8, *mut ValRaw, usize) -> u32,
    pub(crate) throw: unsafe extern "C" fn(*mut u8, usize, usize),
    /// The instance the function belongs to.
    pub(crate) vmctx: *mut u8,
    /// Function index (module index space; always a defined function).
    pub(crate) func_index: u32,
}

impl InterpCtx {
    pub(crate) fn new(vmctx: *mut u8, func_index: u32) -> InterpCtx {
        InterpCtx {
            func: array_entry,
            throw: crate::exceptions::throw_ref,
            vmctx,
            func_index,
        }
    }
}

/// The array-call entry of every interpreted function.
///
/// # Safety
///
/// `ctx` must be a live [`InterpCtx`], `values` hold the function's
/// params with room for its results.
pub(crate) unsafe extern "C" fn array_entry(
    ctx: *mut InterpCtx,
    _caller_vmctx: *mut u8,
    values: *mut ValRaw,
    _len: usize,
) -> u32 {
    // SAFETY: per the contract.
    let (vmctx, func) = unsafe { ((*ctx).vmctx, (*ctx).func_index) };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: an InterpCtx names a defined function of its live instance.
        unsafe { exec::call(vmctx, func, values) }
    }));
    match result {
        Ok(Ok(())) => crate::abi::HOST_STATUS_OK,
        Ok(Err(exec::Unwind::Exception(exn))) => {
            // SAFETY: the array-call buffer has at least one slot.
            unsafe { values.write(ValRaw::from_u64(exn as u64)) };
            crate::abi::HOST_STATUS_EXCEPTION
        }
        Ok(Err(exec::Unwind::Trap(t))) => {
            crate::entry::raise(t);
            crate::abi::HOST_STATUS_TRAP
        }
        Err(payload) => {
            crate::entry::raise(crate::Trap::from_panic(payload));
            crate::abi::HOST_STATUS_TRAP
        }
    }
}
