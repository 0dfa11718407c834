//! aarch64: signal-context registers and the frame-record layout.
//!
//! Cranelift frames (with `preserve_frame_pointers`) start with the
//! standard record: `[fp]` = caller's fp (x29), `[fp + 8]` = return
//! address (x30). Pointer authentication is not enabled by smelt, so
//! return addresses need no stripping.

use std::ffi::c_void;

#[derive(Copy, Clone, Debug)]
pub(crate) struct TrapRegisters {
    pub(crate) pc: usize,
    pub(crate) fp: usize,
}

/// # Safety
///
/// `ucontext` must be the context pointer passed to an `SA_SIGINFO` handler.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn trap_registers(ucontext: *mut c_void) -> TrapRegisters {
    // SAFETY: per the contract, `ucontext` points to a valid ucontext_t.
    let uc = unsafe { &*(ucontext as *const libc::ucontext_t) };
    TrapRegisters {
        pc: uc.uc_mcontext.pc as usize,
        fp: uc.uc_mcontext.regs[29] as usize,
    }
}

/// # Safety
///
/// `ucontext` must be the context pointer passed to an `SA_SIGINFO` handler,
/// and `pc`/`sp`/`fp` a valid resumption point on the same thread's stack.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn resume_at(ucontext: *mut c_void, pc: usize, sp: usize, fp: usize) {
    // SAFETY: per the contract, `ucontext` points to a valid ucontext_t.
    let uc = unsafe { &mut *(ucontext as *mut libc::ucontext_t) };
    uc.uc_mcontext.pc = pc as u64;
    uc.uc_mcontext.sp = sp as u64;
    uc.uc_mcontext.regs[29] = fp as u64;
    uc.uc_mcontext.regs[0] = 0;
    uc.uc_mcontext.regs[1] = 0;
}

pub(crate) fn trap_pc(pc: usize, _signum: i32) -> usize {
    pc
}

/// # Safety
///
/// `fp` must point to a live frame record.
pub(crate) unsafe fn next_frame(fp: usize) -> (usize, usize) {
    // SAFETY: per the contract, [fp] and [fp + 8] are readable.
    unsafe { (*((fp + 8) as *const usize), *(fp as *const usize)) }
}

/// Transfers control to an exception handler block of a Cranelift frame:
/// sets sp and fp (x29), puts the `exnref` in the first exception payload
/// register (x0; x1 is zeroed) and branches. Cranelift treats every
/// register as clobbered on the exceptional edge.
///
/// # Safety
///
/// `pc`/`sp`/`fp` must be a handler found in the exception tables of a
/// frame live on this thread's stack, above every Rust frame that is
/// still running: those frames are abandoned (they must own nothing that
/// needs dropping).
pub(crate) unsafe fn resume_to_handler(pc: usize, sp: usize, fp: usize, payload: usize) -> ! {
    // SAFETY: per the contract; the inputs are in registers other than
    // x0/x1/x29.
    unsafe {
        std::arch::asm!(
            "mov x29, {fp}",
            "mov sp, {sp}",
            "br {pc}",
            fp = in(reg) fp,
            sp = in(reg) sp,
            pc = in(reg) pc,
            in("x0") payload,
            in("x1") 0usize,
            options(noreturn),
        )
    }
}
