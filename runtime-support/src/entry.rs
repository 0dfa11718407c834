//! Entering wasm and getting back out when it traps.
//!
//! Every call from the host into wasm goes through [`enter`]: it pushes an
//! [`Activation`] on this thread's activation list, then calls the
//! module's entry trampoline, which records where to resume (fp, sp,
//! handler pc) in the activation before calling the wasm function.
//!
//! When wasm faults or executes a trap instruction, the signal handler
//! ([`handle_trap`]) finds the innermost activation, checks that the pc is
//! a registered trap site, records the trap and a frame-pointer backtrace
//! into the activation's fixed buffer, and rewrites the signal context to
//! resume at the trampoline's handler, which returns 0. No setjmp/longjmp,
//! no Rust frame is skipped, and the handler allocates nothing.
//!
//! Host functions and libcalls report traps by storing a [`Trap`] in the
//! innermost activation ([`raise`]) and returning a non-zero status; the
//! compiled code then executes a `TRAP_RAISED` trap instruction, which
//! takes the same path.

use crate::abi::{VMEntryRecord, VMFuncRef};
use crate::sys::{arch, signals};
use crate::trap::Trap;
use crate::values::ValRaw;
use std::cell::Cell;
use std::ffi::c_void;

/// How many frames a trap records (deeper stacks are truncated).
pub(crate) const MAX_FRAMES: usize = 128;

/// The entry trampoline's type.
pub(crate) type EntryFn =
    unsafe extern "C" fn(*const VMFuncRef, *mut ValRaw, *mut VMEntryRecord) -> i32;

/// One host-to-wasm call in progress on this thread.
pub(crate) struct Activation {
    /// Written by the entry trampoline.
    record: VMEntryRecord,
    prev: *mut Activation,
    /// Set by the signal handler.
    trapped: bool,
    kind: u8,
    fault_addr: usize,
    frames: [usize; MAX_FRAMES],
    num_frames: usize,
    /// Frames past `MAX_FRAMES` that the walk counted but did not keep.
    omitted_frames: usize,
    /// Set by [`raise`].
    raised: Option<Trap>,
}

thread_local! {
    static CURRENT: Cell<*mut Activation> = const { Cell::new(std::ptr::null_mut()) };
    static STACK_LIMIT: Cell<usize> = const { Cell::new(0) };
}

/// What a trapped call reports, before symbolication.
pub(crate) struct RawTrap {
    /// A `TrapKind` byte, or `TRAP_RAISED`.
    pub(crate) kind: u8,
    pub(crate) fault_addr: usize,
    /// Frame 0 is the trapping pc, then return addresses, innermost first.
    pub(crate) frames: Vec<usize>,
    /// How many more frames the stack had (beyond `MAX_FRAMES`).
    pub(crate) omitted_frames: usize,
    /// The trap a host function or libcall raised, if any.
    pub(crate) raised: Option<Trap>,
}

/// Records `trap` for the innermost activation; the caller must then
/// return a failure status to compiled code.
pub(crate) fn raise(trap: Trap) {
    CURRENT.with(|c| {
        let act = c.get();
        assert!(!act.is_null(), "smelt: raise outside of a wasm call");
        // SAFETY: the innermost activation lives on the stack of an `enter`
        // further down this thread's stack, and nothing else borrows it now.
        unsafe { (*act).raised = Some(trap) };
    });
}

/// The innermost activation's entry frame pointer (where a frame walk
/// stops), if wasm is running on this thread.
pub(crate) fn entry_fp() -> Option<usize> {
    let act = CURRENT.with(|c| c.get());
    // SAFETY: a non-null CURRENT is the live activation of an `enter` below.
    (!act.is_null()).then(|| unsafe { (*act).record.fp })
}

/// Takes the trap [`raise`] recorded for the innermost activation.
pub(crate) fn take_raised() -> Option<Trap> {
    CURRENT.with(|c| {
        let act = c.get();
        // SAFETY: as in `raise`.
        (!act.is_null())
            .then(|| unsafe { (*act).raised.take() })
            .flatten()
    })
}

/// Ends the innermost activation with `trap` (backtrace `frames`, return
/// addresses innermost first): records it, and returns where the entry
/// trampoline resumes (its handler returns 0 to [`enter`]).
pub(crate) fn finish_with_trap(trap: Trap, frames: &[usize]) -> VMEntryRecord {
    CURRENT.with(|c| {
        let act = c.get();
        assert!(!act.is_null(), "smelt: trap outside of a wasm call");
        // SAFETY: the innermost activation lives on the stack of an `enter`
        // further down this thread's stack, and nothing else borrows it now.
        let act = unsafe { &mut *act };
        act.trapped = true;
        act.kind = crate::abi::TRAP_RAISED;
        act.fault_addr = 0;
        let n = frames.len().min(MAX_FRAMES);
        act.frames[..n].copy_from_slice(&frames[..n]);
        act.num_frames = n;
        act.omitted_frames = frames.len() - n;
        act.raised = Some(trap);
        act.record
    })
}

/// Calls `callee` through `entry` with arguments/results in `values`.
///
/// # Safety
///
/// `entry` must be the entry trampoline for `callee`'s type, `callee` a
/// valid `VMFuncRef` whose instance outlives the call, and `values` large
/// enough for the type's params and results.
pub(crate) unsafe fn enter(
    entry: EntryFn,
    callee: *const VMFuncRef,
    values: *mut ValRaw,
) -> Result<(), RawTrap> {
    signals::install_handlers();
    signals::ensure_altstack();
    let mut act = Activation {
        record: VMEntryRecord::default(),
        prev: CURRENT.with(|c| c.get()),
        trapped: false,
        kind: 0,
        fault_addr: 0,
        frames: [0; MAX_FRAMES],
        num_frames: 0,
        omitted_frames: 0,
        raised: None,
    };
    let act_ptr: *mut Activation = &mut act;
    CURRENT.with(|c| c.set(act_ptr));
    // SAFETY: per this function's contract; the trampoline writes only to
    // `record` and `values`, and the signal handler only to the activation
    // published in CURRENT, which stays valid until we restore `prev`.
    let ok = unsafe { entry(callee, values, &raw mut (*act_ptr).record) };
    // SAFETY: act_ptr is still our local activation.
    let act = unsafe { &mut *act_ptr };
    CURRENT.with(|c| c.set(act.prev));
    if ok != 0 {
        return Ok(());
    }
    if !act.trapped {
        signals::abort_with("smelt: entry trampoline reported a trap that was never recorded\n");
    }
    Err(RawTrap {
        kind: act.kind,
        fault_addr: act.fault_addr,
        frames: act.frames[..act.num_frames].to_vec(),
        omitted_frames: act.omitted_frames,
        raised: act.raised.take(),
    })
}

/// Decides whether a signal is a wasm trap and, if so, arranges to resume
/// in the innermost entry trampoline. Async-signal-safe.
///
/// # Safety
///
/// Must be called from an `SA_SIGINFO` signal handler with its arguments.
pub(crate) unsafe fn handle_trap(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    ucontext: *mut c_void,
) -> bool {
    let act = CURRENT.with(|c| c.get());
    if act.is_null() {
        return false;
    }
    // SAFETY: per the contract, `ucontext` is the signal's context.
    let regs = unsafe { arch::trap_registers(ucontext) };
    let pc = arch::trap_pc(regs.pc, signum);
    let Some(kind) = crate::registry::lookup_trap(pc) else {
        return false;
    };
    // SAFETY: CURRENT points to the live activation of the `enter` that this
    // thread's wasm code runs under; the interrupted code does not touch it.
    let act = unsafe { &mut *act };
    act.trapped = true;
    act.kind = kind;
    act.fault_addr = if signum == libc::SIGSEGV || signum == libc::SIGBUS {
        // SAFETY: `info` is the signal's siginfo.
        unsafe { signals::fault_address(info) }
    } else {
        0
    };
    // Walk wasm frames up to the trampoline's frame. Frame pointers only
    // grow towards the entry frame; anything else ends the walk.
    act.frames[0] = pc;
    let mut n = 1;
    let mut omitted = 0;
    let mut fp = regs.fp;
    let entry_fp = act.record.fp;
    while fp != 0 && fp.is_multiple_of(8) && fp < entry_fp {
        // SAFETY: fp lies between the faulting frame and the entry
        // trampoline's frame on this thread's stack: a live frame record.
        let (ret, next) = unsafe { arch::next_frame(fp) };
        if next == entry_fp {
            break;
        }
        // Past the buffer, keep walking only to count what is left out.
        if n < MAX_FRAMES {
            act.frames[n] = ret;
            n += 1;
        } else {
            omitted += 1;
        }
        if next <= fp {
            break;
        }
        fp = next;
    }
    act.num_frames = n;
    act.omitted_frames = omitted;
    // SAFETY: the record was written by the trampoline of this activation,
    // whose frame is still live below us on the interrupted stack.
    unsafe { arch::resume_at(ucontext, act.record.handler, act.record.sp, act.record.fp) };
    true
}

/// Stack space left below the wasm stack limit for host functions that
/// wasm calls (WASI, libcalls) and for the runtime itself.
const HOST_STACK_RESERVE: usize = 128 * 1024;

/// The lowest stack address wasm code on this thread may use: the bottom
/// of the thread's stack plus room for host code.
pub(crate) fn thread_stack_limit() -> usize {
    let cached = STACK_LIMIT.with(|s| s.get());
    if cached != 0 {
        return cached;
    }
    let here = {
        let marker = 0u8;
        &marker as *const u8 as usize
    };
    let low = crate::sys::stack::thread_stack_low().unwrap_or(here.saturating_sub(1 << 20));
    let usable = here.saturating_sub(low);
    let limit = low + HOST_STACK_RESERVE.min(usable / 2);
    STACK_LIMIT.with(|s| s.set(limit));
    limit
}
