//! `poll_oneoff`: wait for clocks (relative or absolute, any clock) and fd
//! readiness, with `poll(2)`.

use super::abi::*;
use super::clocks;
use super::errno::Errno;
use super::{Cx, HostDef, I, WasiResult, arg32, def};

pub(crate) const FUNCS: &[HostDef] = &[def("poll_oneoff", &[I, I, I, I], poll_oneoff)];

enum Sub {
    /// Deadline on the monotonic clock, in ns.
    Clock {
        deadline: u64,
    },
    Fd {
        fd: Option<i32>,
        read: bool,
    },
}

struct Event {
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

fn poll_oneoff(cx: &mut Cx<'_>, a: &[super::ValRaw]) -> WasiResult {
    let (ins, outs, nsubs, nevents_ptr) = (arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3));
    if nsubs == 0 {
        return Err(Errno::INVAL.into());
    }
    cx.mem.slice(
        ins,
        nsubs.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::FAULT)?,
    )?;
    cx.mem
        .slice(outs, nsubs.checked_mul(EVENT_SIZE).ok_or(Errno::FAULT)?)?;
    let mono_now = clocks::now(CLOCK_MONOTONIC)?;
    let mut subs = Vec::with_capacity(nsubs as usize);
    for i in 0..nsubs {
        let p = ins + i * SUBSCRIPTION_SIZE;
        let userdata = cx.mem.read_u64(p)?;
        let sub = match cx.mem.read_u8(p + 8)? {
            EVENTTYPE_CLOCK => {
                let id = cx.mem.read_u32(p + 16)?;
                let timeout = cx.mem.read_u64(p + 24)?;
                let flags = cx.mem.read_u16(p + 40)?;
                let deadline = if flags & SUBCLOCK_ABSTIME != 0 {
                    // An absolute time on clock `id`: the wait is the
                    // distance from that clock's now.
                    let now = clocks::now(id)?;
                    mono_now.saturating_add(timeout.saturating_sub(now))
                } else {
                    clocks::host_clock(id)?;
                    mono_now.saturating_add(timeout)
                };
                Sub::Clock { deadline }
            }
            kind @ (EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE) => {
                let fd = cx.mem.read_u32(p + 16)?;
                let fd = cx
                    .ctx
                    .get()
                    .table
                    .get(fd, RIGHT_POLL_FD_READWRITE)
                    .ok()
                    .map(|d| d.raw());
                Sub::Fd {
                    fd,
                    read: kind == EVENTTYPE_FD_READ,
                }
            }
            _ => return Err(Errno::INVAL.into()),
        };
        subs.push((userdata, sub));
    }

    let mut pollfds = Vec::new();
    let mut events = Vec::new();
    for (userdata, sub) in &subs {
        match sub {
            Sub::Fd { fd: None, read } => events.push(Event {
                userdata: *userdata,
                error: Errno::BADF,
                kind: if *read {
                    EVENTTYPE_FD_READ
                } else {
                    EVENTTYPE_FD_WRITE
                },
                nbytes: 0,
                flags: 0,
            }),
            Sub::Fd { fd: Some(fd), read } => pollfds.push(libc::pollfd {
                fd: *fd,
                events: if *read { libc::POLLIN } else { libc::POLLOUT },
                revents: 0,
            }),
            Sub::Clock { .. } => {}
        }
    }
    let earliest = subs
        .iter()
        .filter_map(|(_, s)| match s {
            Sub::Clock { deadline } => Some(*deadline),
            Sub::Fd { .. } => None,
        })
        .min();
    if events.is_empty() {
        cx.ctx.unlocked(|| wait(&mut pollfds, earliest))?;
    }
    let mut fd_ready = false;
    let mut pi = 0;
    for (userdata, sub) in &subs {
        if let Sub::Fd { fd: Some(fd), read } = sub {
            let p = pollfds[pi];
            pi += 1;
            if p.revents == 0 {
                continue;
            }
            fd_ready = true;
            let kind = if *read {
                EVENTTYPE_FD_READ
            } else {
                EVENTTYPE_FD_WRITE
            };
            let error = if p.revents & libc::POLLNVAL != 0 {
                Errno::BADF
            } else {
                Errno::SUCCESS
            };
            let flags = if p.revents & libc::POLLHUP != 0 {
                EVENTRW_HANGUP
            } else {
                0
            };
            let nbytes = if *read { readable_bytes(*fd) } else { 0 };
            events.push(Event {
                userdata: *userdata,
                error,
                kind,
                nbytes,
                flags,
            });
        }
    }
    if !fd_ready {
        let now = clocks::now(CLOCK_MONOTONIC)?;
        for (userdata, sub) in &subs {
            if let Sub::Clock { deadline } = sub
                && *deadline <= now
            {
                events.push(Event {
                    userdata: *userdata,
                    error: Errno::SUCCESS,
                    kind: EVENTTYPE_CLOCK,
                    nbytes: 0,
                    flags: 0,
                });
            }
        }
    }
    for (i, e) in events.iter().enumerate() {
        let p = outs + i as u32 * EVENT_SIZE;
        cx.mem.slice_mut(p, EVENT_SIZE)?.fill(0);
        cx.mem.write_u64(p, e.userdata)?;
        cx.mem.write_u16(p + 8, e.error.0)?;
        cx.mem.write_u8(p + 10, e.kind)?;
        cx.mem.write_u64(p + 16, e.nbytes)?;
        cx.mem.write_u16(p + 24, e.flags)?;
    }
    cx.mem.write_u32(nevents_ptr, events.len() as u32)?;
    Ok(())
}

/// Waits until an fd is ready or the monotonic clock reaches `deadline`
/// (forever if there is neither), restarting after signals.
fn wait(pollfds: &mut [libc::pollfd], deadline: Option<u64>) -> Result<(), Errno> {
    loop {
        let ts = match deadline {
            None => None,
            Some(d) => {
                let left = d.saturating_sub(clocks::now(CLOCK_MONOTONIC)?);
                Some(libc::timespec {
                    tv_sec: (left / 1_000_000_000) as libc::time_t,
                    tv_nsec: (left % 1_000_000_000) as libc::c_long,
                })
            }
        };
        let tsp = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: `pollfds` is a valid array of its length; `tsp` is null
        // or points to a live timespec.
        let r = unsafe {
            libc::ppoll(
                pollfds.as_mut_ptr(),
                pollfds.len() as libc::nfds_t,
                tsp,
                std::ptr::null(),
            )
        };
        if r >= 0 {
            return Ok(());
        }
        let e = Errno::last();
        if e != Errno::INTR {
            return Err(e);
        }
    }
}

/// Bytes readable without blocking: what is left of a regular file, or
/// what a pipe or socket has buffered.
fn readable_bytes(fd: i32) -> u64 {
    if let Ok(st) = super::fd::fstat(fd)
        && st.st_mode & libc::S_IFMT == libc::S_IFREG
    {
        // SAFETY: lseek has no memory-safety preconditions.
        let pos = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
        return (st.st_size as u64).saturating_sub(pos.max(0) as u64);
    }
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int.
    if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } == 0 {
        n.max(0) as u64
    } else {
        0
    }
}
