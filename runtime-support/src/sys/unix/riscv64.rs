//! riscv64: signal-context registers and the frame-record layout.
//!
//! Cranelift's riscv64 prologue is `addi sp,sp,-16; sd ra,8(sp);
//! sd fp,0(sp); mv fp,sp`, so the record reads like the other 64-bit
//! targets: `[fp]` = caller's fp, `[fp + 8]` = return address.

use std::ffi::c_void;

#[derive(Copy, Clone, Debug)]
pub(crate) struct TrapRegisters {
    pub(crate) pc: usize,
    pub(crate) fp: usize,
}

const REG_PC: usize = 0;
const REG_SP: usize = 2;
const REG_S0: usize = 8;
const REG_A0: usize = 10;

/// # Safety
///
/// `ucontext` must be the context pointer passed to an `SA_SIGINFO` handler.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn trap_registers(ucontext: *mut c_void) -> TrapRegisters {
    // SAFETY: per the contract, `ucontext` points to a valid ucontext_t.
    let uc = unsafe { &*(ucontext as *const libc::ucontext_t) };
    let gregs = &uc.uc_mcontext.__gregs;
    TrapRegisters {
        pc: gregs[REG_PC] as usize,
        fp: gregs[REG_S0] as usize,
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
    let gregs = &mut uc.uc_mcontext.__gregs;
    gregs[REG_PC] = pc as _;
    gregs[REG_SP] = sp as _;
    gregs[REG_S0] = fp as _;
    gregs[REG_A0] = 0;
    gregs[REG_A0 + 1] = 0;
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

/// Transfers control to an exception handler block of a Cranelift frame
/// (sp, fp = s0, payload in a0, a1 zeroed).
///
/// # Safety
///
/// As for the x86_64 version: a live handler above every running Rust
/// frame, which is abandoned.
pub(crate) unsafe fn resume_to_handler(pc: usize, sp: usize, fp: usize, payload: usize) -> ! {
    // SAFETY: the caller guarantees a live handler at `pc`/`sp`/`fp` above
    // every running Rust frame, so jumping there abandons only frames
    // it may abandon.
    unsafe {
        std::arch::asm!(
            "mv s0, {fp}",
            "mv sp, {sp}",
            "jr {pc}",
            fp = in(reg) fp,
            sp = in(reg) sp,
            pc = in(reg) pc,
            in("a0") payload,
            in("a1") 0usize,
            options(noreturn),
        )
    }
}
