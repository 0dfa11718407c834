//! x86_64: signal-context registers and the frame-record layout.
//!
//! Cranelift frames (with `preserve_frame_pointers`) start with the
//! standard record: `[fp]` = caller's fp, `[fp + 8]` = return address.

use std::ffi::c_void;

/// Registers read from a signal context.
#[derive(Copy, Clone, Debug)]
pub(crate) struct TrapRegisters {
    pub(crate) pc: usize,
    pub(crate) fp: usize,
}

/// Reads pc and fp from a signal's `ucontext_t`.
///
/// # Safety
///
/// `ucontext` must be the context pointer passed to an `SA_SIGINFO` handler.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn trap_registers(ucontext: *mut c_void) -> TrapRegisters {
    // SAFETY: per the contract, `ucontext` points to a valid ucontext_t.
    let uc = unsafe { &*(ucontext as *const libc::ucontext_t) };
    TrapRegisters {
        pc: uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize,
        fp: uc.uc_mcontext.gregs[libc::REG_RBP as usize] as usize,
    }
}

/// Makes the interrupted thread continue at `pc` with the given stack and
/// frame pointers when the handler returns. The exception payload
/// registers (rax, rdx) are zeroed.
///
/// # Safety
///
/// `ucontext` must be the context pointer passed to an `SA_SIGINFO` handler,
/// and `pc`/`sp`/`fp` a valid resumption point on the same thread's stack.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn resume_at(ucontext: *mut c_void, pc: usize, sp: usize, fp: usize) {
    // SAFETY: per the contract, `ucontext` points to a valid ucontext_t that
    // the kernel restores when the handler returns.
    let uc = unsafe { &mut *(ucontext as *mut libc::ucontext_t) };
    let gregs = &mut uc.uc_mcontext.gregs;
    gregs[libc::REG_RIP as usize] = pc as i64;
    gregs[libc::REG_RSP as usize] = sp as i64;
    gregs[libc::REG_RBP as usize] = fp as i64;
    gregs[libc::REG_RAX as usize] = 0;
    gregs[libc::REG_RDX as usize] = 0;
}

/// The trap-table pc for a fault reported at `pc` (x86 reports the
/// faulting instruction itself).
pub(crate) fn trap_pc(pc: usize, _signum: i32) -> usize {
    pc
}

/// Return address and caller frame pointer of the frame at `fp`.
///
/// # Safety
///
/// `fp` must point to a live frame record.
pub(crate) unsafe fn next_frame(fp: usize) -> (usize, usize) {
    // SAFETY: per the contract, [fp] and [fp + 8] are readable.
    unsafe { (*((fp + 8) as *const usize), *(fp as *const usize)) }
}

/// Transfers control to an exception handler block of a Cranelift frame:
/// sets rsp and rbp, puts the `exnref` in the first exception payload
/// register (rax; rdx is zeroed) and jumps. Cranelift treats every
/// register as clobbered on the exceptional edge, so nothing else needs
/// restoring.
///
/// # Safety
///
/// `pc`/`sp`/`fp` must be a handler found in the exception tables of a
/// frame live on this thread's stack, above every Rust frame that is
/// still running: those frames are abandoned (they must own nothing that
/// needs dropping).
pub(crate) unsafe fn resume_to_handler(pc: usize, sp: usize, fp: usize, payload: usize) -> ! {
    // SAFETY: per the contract; the three inputs are in registers distinct
    // from rax/rdx, and rsp is set last-but-one, just before the jump.
    unsafe {
        std::arch::asm!(
            "mov rbp, {fp}",
            "mov rsp, {sp}",
            "jmp {pc}",
            fp = in(reg) fp,
            sp = in(reg) sp,
            pc = in(reg) pc,
            in("rax") payload,
            in("rdx") 0usize,
            options(noreturn),
        )
    }
}
