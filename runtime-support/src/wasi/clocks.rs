//! `clock_res_get` and `clock_time_get`: realtime, monotonic and
//! process/thread CPU-time clocks, in nanoseconds.

use super::abi;
use super::errno::{Errno, check};
use super::{HostDef, I, L, arg32, def};

pub(crate) const FUNCS: &[HostDef] = &[
    def("clock_res_get", &[I, I], |cx, a| {
        let id = host_clock(arg32(a, 0))?;
        // SAFETY: an all-zero timespec is valid.
        let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
        // SAFETY: `ts` is a valid out pointer.
        check(unsafe { libc::clock_getres(id, &mut ts) })?;
        cx.mem.write_u64(arg32(a, 1), to_nanos(&ts).max(1))?;
        Ok(())
    }),
    def("clock_time_get", &[I, L, I], |cx, a| {
        let t = now(arg32(a, 0))?;
        cx.mem.write_u64(arg32(a, 2), t)?;
        Ok(())
    }),
];

/// The host clock for a WASI clock id.
pub(crate) fn host_clock(id: u32) -> Result<libc::clockid_t, Errno> {
    Ok(match id {
        abi::CLOCK_REALTIME => libc::CLOCK_REALTIME,
        abi::CLOCK_MONOTONIC => libc::CLOCK_MONOTONIC,
        abi::CLOCK_PROCESS_CPUTIME => libc::CLOCK_PROCESS_CPUTIME_ID,
        abi::CLOCK_THREAD_CPUTIME => libc::CLOCK_THREAD_CPUTIME_ID,
        _ => return Err(Errno::INVAL),
    })
}

fn to_nanos(ts: &libc::timespec) -> u64 {
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// The current time of WASI clock `id`, in nanoseconds.
pub(crate) fn now(id: u32) -> Result<u64, Errno> {
    let clock = host_clock(id)?;
    // SAFETY: an all-zero timespec is valid.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: `ts` is a valid out pointer.
    check(unsafe { libc::clock_gettime(clock, &mut ts) })?;
    Ok(to_nanos(&ts))
}
