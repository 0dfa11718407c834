//! s390x: signal-context registers and the frame layout.
//!
//! s390x has no frame-pointer register. With `preserve_frame_pointers`
//! Cranelift instead gives every function (leaves included) a frame whose
//! lowest word, at `[sp]`, is the *backchain*: the stack pointer at
//! function entry, i.e. the caller's `sp`. Cranelift's `get_frame_pointer`
//! returns that word, and so does [`trap_registers`], so "fp" below always
//! means "this frame's backchain value" and matches what the entry
//! trampoline records:
//!
//! ```text
//!   caller's sp = fp ->  +0    caller's own backchain   (next older fp)
//!                        +112  r14 saved by the callee's prologue
//!                              = the callee's return address
//!   callee's sp ------>  +0    backchain = fp
//! ```
//!
//! (The callee saves r6–r15 with `stmg` into the 160-byte register save
//! area its caller provides at the caller's `sp`; r14's slot is 14 * 8.)
//!
//! A trap in a prologue's stack-limit check comes before the frame is
//! allocated, so `[sp]` there is the caller's backchain and the backtrace
//! skips the caller; every other trap site is inside a complete frame.
//!
//! For SIGILL and SIGFPE the kernel reports the pc *after* the trapping
//! instruction; Cranelift records those traps at the last byte of the
//! instruction, so the lookup uses `pc - 1`. SIGSEGV reports the faulting
//! instruction itself.

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
    let sp = uc.uc_mcontext.gregs[15] as usize;
    TrapRegisters {
        pc: uc.uc_mcontext.psw.addr as usize,
        // SAFETY: r15 is the interrupted code's stack pointer; the word at
        // it is mapped stack (the backchain, or the caller's before the
        // prologue allocated a frame).
        fp: unsafe { *(sp as *const usize) },
    }
}

/// # Safety
///
/// `ucontext` must be the context pointer passed to an `SA_SIGINFO` handler,
/// and `pc`/`sp`/`fp` a valid resumption point on the same thread's stack.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn resume_at(ucontext: *mut c_void, pc: usize, sp: usize, _fp: usize) {
    // No frame-pointer register to restore: the trampoline addresses its
    // frame from r15, and its backchain word at `[sp]` is still intact.
    // r6/r7 are the exception payload registers (see `resume_to_handler`);
    // the trampoline's resume point ignores them, zeroed as on the others.
    // SAFETY: per the contract, `ucontext` points to a valid ucontext_t.
    let uc = unsafe { &mut *(ucontext as *mut libc::ucontext_t) };
    uc.uc_mcontext.psw.addr = pc as _;
    uc.uc_mcontext.gregs[15] = sp as _;
    uc.uc_mcontext.gregs[6] = 0;
    uc.uc_mcontext.gregs[7] = 0;
}

pub(crate) fn trap_pc(pc: usize, signum: i32) -> usize {
    if signum == libc::SIGILL || signum == libc::SIGFPE {
        pc - 1
    } else {
        pc
    }
}

/// Return address and next older backchain of the frame whose backchain
/// value is `fp` (see the diagram above).
///
/// # Safety
///
/// `fp` must be the backchain value of a live frame.
pub(crate) unsafe fn next_frame(fp: usize) -> (usize, usize) {
    // SAFETY: per the contract, the backchain and r14 save slot are readable.
    unsafe { (*((fp + 14 * 8) as *const usize), *(fp as *const usize)) }
}

/// Transfers control to an exception handler block of a Cranelift frame:
/// `r15 = sp`, payload in r6 and r7 zeroed (Cranelift's exception payload
/// registers for the SystemV and tail conventions on s390x). There is no
/// frame-pointer register to restore: the handler addresses its frame
/// from r15, and the frame's backchain word at `[sp]` is still intact
/// because unwinding only abandons frames below it. `fp` (the frame's
/// backchain value) is implied by `sp`.
///
/// # Safety
///
/// `pc`/`sp` must be a handler found in the exception tables of a frame
/// live on this thread's stack (or the entry trampoline's resume point),
/// above every Rust frame that is still running: those frames are
/// abandoned (they must own nothing that needs dropping).
pub(crate) unsafe fn resume_to_handler(pc: usize, sp: usize, _fp: usize, payload: usize) -> ! {
    // SAFETY: per the contract. `pc` is in an address register (`reg_addr`
    // excludes r0, which as a branch target would mean "no branch"), and
    // neither input can be r6/r7, which carry the payload.
    unsafe {
        std::arch::asm!(
            "lgr %r15, {sp}",
            "br {pc}",
            sp = in(reg) sp,
            pc = in(reg_addr) pc,
            in("r6") payload,
            in("r7") 0usize,
            options(noreturn),
        )
    }
}
