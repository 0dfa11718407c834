//! Signal handlers that turn faults in compiled wasm code into traps.
//!
//! SECURITY / ROBUSTNESS: this file needs two reviews (CONTRIBUTING.md).
//!
//! Installed once per process for SIGSEGV, SIGBUS, SIGILL and SIGFPE with
//! `SA_SIGINFO` (we need the context), `SA_ONSTACK` (a stack-overflow trap
//! must not run on the exhausted stack) and `SA_NODEFER` (a wasm trap
//! inside a host function called from a trap-handling path must still be
//! delivered; we never longjmp, so the mask is restored on return anyway).
//!
//! The handler takes no locks and allocates nothing: it asks
//! [`crate::entry::handle_trap`] whether the pc is a wasm trap site
//! of the current thread's activation. If so, the context is rewritten to
//! resume in the entry trampoline and the handler returns. Otherwise the
//! previous handler runs (or, for default dispositions, is reinstated so
//! the fault repeats and the process dies as it would without smelt).

use std::cell::Cell;
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::sync::Once;

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// The dispositions that were installed before ours, in `SIGNALS` order.
/// Written once inside `INSTALL` before any of our handlers can run.
static mut PREVIOUS: [MaybeUninit<libc::sigaction>; 4] = [MaybeUninit::uninit(); 4];
static INSTALL: Once = Once::new();

/// Installs the process-wide handlers (idempotent).
pub(crate) fn install_handlers() {
    INSTALL.call_once(|| {
        for (i, sig) in SIGNALS.iter().enumerate() {
            // SAFETY: we build a valid sigaction, and PREVIOUS is only written
            // here, under `Once`, before our handler is installed for `sig`.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                let prev = &raw mut PREVIOUS[i];
                if libc::sigaction(*sig, &action, (*prev).as_mut_ptr()) != 0 {
                    abort_with("smelt: failed to install a signal handler\n");
                }
            }
        }
    });
}

/// Writes a message and aborts, without allocating.
pub(crate) fn abort_with(msg: &str) -> ! {
    // SAFETY: write(2) on stderr with a valid buffer; abort has no preconditions.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::abort();
    }
}

extern "C" fn handler(signum: libc::c_int, info: *mut libc::siginfo_t, ucontext: *mut c_void) {
    // SAFETY: called by the kernel as an SA_SIGINFO handler, so `info` and
    // `ucontext` are valid for the duration of the call.
    if unsafe { crate::entry::handle_trap(signum, info, ucontext) } {
        return;
    }
    let Some(i) = SIGNALS.iter().position(|s| *s == signum) else {
        return;
    };
    // SAFETY: taking the address of a static creates no reference.
    let slot: *const MaybeUninit<libc::sigaction> = unsafe { &raw const PREVIOUS[i] };
    // SAFETY: PREVIOUS[i] was initialized before this handler was installed.
    let prev = unsafe { (*slot).assume_init_ref() };
    if prev.sa_flags & libc::SA_SIGINFO != 0 {
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) =
            // SAFETY: SA_SIGINFO means sa_sigaction holds a three-argument handler.
            unsafe { std::mem::transmute(prev.sa_sigaction) };
        f(signum, info, ucontext);
    } else if prev.sa_sigaction == libc::SIG_DFL || prev.sa_sigaction == libc::SIG_IGN {
        // Reinstate the previous disposition and return: the faulting
        // instruction runs again and the default action (a crash) happens.
        // SAFETY: restoring a disposition the process had before.
        unsafe { libc::sigaction(signum, prev, std::ptr::null_mut()) };
    } else {
        let f: extern "C" fn(libc::c_int) =
            // SAFETY: without SA_SIGINFO, sa_sigaction holds a one-argument handler.
            unsafe { std::mem::transmute(prev.sa_sigaction) };
        f(signum);
    }
}

/// Size of the per-thread alternate signal stack. The handler itself needs
/// little, but a chained handler (a crash reporter, Rust's own) may need
/// more; wasmtime uses the same size.
const ALTSTACK_SIZE: usize = 64 * 4096;

struct AltStack {
    mapping: Option<super::mmap::Mmap>,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        if self.mapping.is_some() {
            // SAFETY: disabling this thread's alternate stack before unmapping it.
            unsafe {
                let ss = libc::stack_t {
                    ss_sp: std::ptr::null_mut(),
                    ss_flags: libc::SS_DISABLE,
                    ss_size: ALTSTACK_SIZE,
                };
                libc::sigaltstack(&ss, std::ptr::null_mut());
            }
        }
    }
}

thread_local! {
    static ALTSTACK_READY: Cell<bool> = const { Cell::new(false) };
    static ALTSTACK: std::cell::RefCell<Option<AltStack>> = const { std::cell::RefCell::new(None) };
}

/// Makes sure this thread has an alternate signal stack large enough for
/// the handler (keeping an existing one that is big enough).
pub(crate) fn ensure_altstack() {
    if ALTSTACK_READY.with(|r| r.get()) {
        return;
    }
    // SAFETY: querying the current alternate stack.
    let mut old: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: `old` is a valid out-pointer.
    unsafe { libc::sigaltstack(std::ptr::null(), &mut old) };
    if old.ss_flags & libc::SS_DISABLE == 0 && old.ss_size >= ALTSTACK_SIZE {
        ALTSTACK_READY.with(|r| r.set(true));
        return;
    }
    let page = super::mmap::page_size();
    let Ok(mapping) = super::mmap::Mmap::reserve(ALTSTACK_SIZE + page) else {
        abort_with("smelt: cannot allocate a signal stack\n");
    };
    // The lowest page stays inaccessible as a guard.
    if mapping
        .protect(page, ALTSTACK_SIZE, super::mmap::Protection::ReadWrite)
        .is_err()
    {
        abort_with("smelt: cannot allocate a signal stack\n");
    }
    let ss = libc::stack_t {
        // SAFETY: `page` is inside the mapping.
        ss_sp: unsafe { mapping.as_ptr().add(page) }.cast(),
        ss_flags: 0,
        ss_size: ALTSTACK_SIZE,
    };
    // SAFETY: the new stack is a valid, owned, read-write region.
    if unsafe { libc::sigaltstack(&ss, std::ptr::null_mut()) } != 0 {
        abort_with("smelt: sigaltstack failed\n");
    }
    ALTSTACK.with(|a| {
        *a.borrow_mut() = Some(AltStack {
            mapping: Some(mapping),
        })
    });
    ALTSTACK_READY.with(|r| r.set(true));
}

/// The fault address of a SIGSEGV/SIGBUS.
///
/// # Safety
///
/// `info` must be the `siginfo_t` passed to an `SA_SIGINFO` handler.
pub(crate) unsafe fn fault_address(info: *mut libc::siginfo_t) -> usize {
    // SAFETY: per the contract, `info` is valid.
    unsafe { (*info).si_addr() as usize }
}
