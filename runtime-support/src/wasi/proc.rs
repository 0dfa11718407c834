//! `proc_exit`, `proc_raise` and `sched_yield`.

use super::errno::Errno;
use super::{HostDef, I, WasiError, arg32, def};
use crate::Trap;

pub(crate) const FUNCS: &[HostDef] = &[
    HostDef {
        name: "proc_exit",
        params: &[I],
        returns_errno: false,
        // The exit unwinds out of wasm as a trap carrying the status; the
        // embedder (`smelt run`, an executable's `main`) turns it into the
        // process's exit status.
        body: |_, a| Err(WasiError::Trap(Trap::exit(arg32(a, 0) as i32))),
    },
    def("proc_raise", &[I], |_, a| {
        let sig = host_signal(arg32(a, 0))?;
        if sig != 0 {
            // The signal's default action applies to the whole process,
            // as it would to a native program.
            // SAFETY: raising a signal has no memory-safety preconditions.
            unsafe { libc::raise(sig) };
        }
        Ok(())
    }),
    def("sched_yield", &[], |_, _| {
        // SAFETY: no preconditions.
        unsafe { libc::sched_yield() };
        Ok(())
    }),
];

/// The host signal for a WASI signal number (0 = none).
fn host_signal(sig: u32) -> Result<i32, Errno> {
    Ok(match sig {
        0 => 0,
        1 => libc::SIGHUP,
        2 => libc::SIGINT,
        3 => libc::SIGQUIT,
        4 => libc::SIGILL,
        5 => libc::SIGTRAP,
        6 => libc::SIGABRT,
        7 => libc::SIGBUS,
        8 => libc::SIGFPE,
        9 => libc::SIGKILL,
        10 => libc::SIGUSR1,
        11 => libc::SIGSEGV,
        12 => libc::SIGUSR2,
        13 => libc::SIGPIPE,
        14 => libc::SIGALRM,
        15 => libc::SIGTERM,
        16 => libc::SIGCHLD,
        17 => libc::SIGCONT,
        18 => libc::SIGSTOP,
        19 => libc::SIGTSTP,
        20 => libc::SIGTTIN,
        21 => libc::SIGTTOU,
        22 => libc::SIGURG,
        23 => libc::SIGXCPU,
        24 => libc::SIGXFSZ,
        25 => libc::SIGVTALRM,
        26 => libc::SIGPROF,
        27 => libc::SIGWINCH,
        28 => libc::SIGIO,
        29 => libc::SIGPWR,
        30 => libc::SIGSYS,
        _ => return Err(Errno::INVAL),
    })
}
