//! s390x: signal-context registers and the frame layout.
//!
//! Frames are linked by the backchain: `[fp]` = caller's frame; the return
//! address is saved at `[fp + 14 * 8]` (r14's slot in the register save
//! area). For SIGILL and SIGFPE the kernel reports the pc *after* the
//! trapping instruction; Cranelift records those traps at the last byte
//! of the instruction, so the lookup uses `pc - 1`.

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
        pc: uc.uc_mcontext.psw.addr as usize,
        fp: uc.uc_mcontext.gregs[15] as usize,
    }
}

/// # Safety
///
/// `ucontext` must be the context pointer passed to an `SA_SIGINFO` handler,
/// and `pc`/`sp`/`fp` a valid resumption point on the same thread's stack.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn resume_at(ucontext: *mut c_void, pc: usize, sp: usize, _fp: usize) {
    // SAFETY: per the contract, `ucontext` points to a valid ucontext_t.
    let uc = unsafe { &mut *(ucontext as *mut libc::ucontext_t) };
    uc.uc_mcontext.psw.addr = pc as _;
    uc.uc_mcontext.gregs[15] = sp as _;
    uc.uc_mcontext.gregs[2] = 0;
    uc.uc_mcontext.gregs[3] = 0;
}

pub(crate) fn trap_pc(pc: usize, signum: i32) -> usize {
    if signum == libc::SIGILL || signum == libc::SIGFPE {
        pc - 1
    } else {
        pc
    }
}

/// # Safety
///
/// `fp` must point to a live frame with a backchain.
pub(crate) unsafe fn next_frame(fp: usize) -> (usize, usize) {
    // SAFETY: per the contract, the backchain and r14 save slot are readable.
    unsafe { (*((fp + 14 * 8) as *const usize), *(fp as *const usize)) }
}

/// Exception resumption is not implemented on s390x (its frames have no
/// frame pointer chain like the other targets); throwing aborts.
///
/// # Safety
///
/// Never returns; always safe to call.
pub(crate) unsafe fn resume_to_handler(_pc: usize, _sp: usize, _fp: usize, _payload: usize) -> ! {
    super::signals::abort_with("smelt: wasm exceptions are not supported on s390x yet\n")
}
