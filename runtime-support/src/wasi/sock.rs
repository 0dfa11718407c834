//! `sock_*` on sockets the embedder preopened (preview1 cannot create or
//! connect sockets itself): accept, receive, send, shut down. Any other
//! descriptor is `ENOTSOCK`, before its rights are looked at.

use super::abi::*;
use super::errno::{Errno, check};
use super::table::{Descriptor, HostFd};
use super::{HostDef, I, arg32, def};
use std::os::fd::{FromRawFd, OwnedFd};

pub(crate) const FUNCS: &[HostDef] = &[
    def("sock_accept", &[I, I, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get_socket(arg32(a, 0), RIGHT_SOCK_ACCEPT)?
            .raw();
        let flags = arg32(a, 1) as u16;
        if flags & !FDFLAGS_NONBLOCK != 0 {
            return Err(Errno::INVAL.into());
        }
        cx.mem.slice(arg32(a, 2), 4)?;
        let mut host_flags = libc::SOCK_CLOEXEC;
        if flags & FDFLAGS_NONBLOCK != 0 {
            host_flags |= libc::SOCK_NONBLOCK;
        }
        // SAFETY: null address pointers are allowed.
        let conn = check(unsafe {
            libc::accept4(fd, std::ptr::null_mut(), std::ptr::null_mut(), host_flags)
        })?;
        // SAFETY: `conn` was just created and is owned by nobody else.
        let owned = unsafe { OwnedFd::from_raw_fd(conn) };
        let rights = RIGHTS_SOCKET & !RIGHT_SOCK_ACCEPT;
        let new = cx.ctx.get().table.insert(Descriptor::new(
            HostFd::Owned(owned),
            FILETYPE_SOCKET_STREAM,
            rights,
            0,
        ))?;
        cx.mem.write_u32(arg32(a, 2), new)?;
        Ok(())
    }),
    def("sock_recv", &[I, I, I, I, I, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get_socket(arg32(a, 0), RIGHT_FD_READ)?
            .raw();
        let mut iovs = cx.mem.iovecs(arg32(a, 1), arg32(a, 2))?;
        let ri = arg32(a, 3) as u16;
        let mut flags = 0;
        if ri & RIFLAGS_RECV_PEEK != 0 {
            flags |= libc::MSG_PEEK;
        }
        if ri & RIFLAGS_RECV_WAITALL != 0 {
            flags |= libc::MSG_WAITALL;
        }
        // SAFETY: an all-zero msghdr is valid (no name, no control data).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = iovs.as_mut_ptr();
        msg.msg_iovlen = iovs.len() as _;
        // SAFETY: the iovecs point into guest memory, checked in bounds.
        let n = check(
            cx.ctx
                .unlocked(|| unsafe { libc::recvmsg(fd, &mut msg, flags) }),
        )?;
        let ro = if msg.msg_flags & libc::MSG_TRUNC != 0 {
            ROFLAGS_RECV_DATA_TRUNCATED
        } else {
            0
        };
        cx.mem.write_u32(arg32(a, 4), n as u32)?;
        cx.mem.write_u16(arg32(a, 5), ro)?;
        Ok(())
    }),
    def("sock_send", &[I, I, I, I, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get_socket(arg32(a, 0), RIGHT_FD_WRITE)?
            .raw();
        let mut iovs = cx.mem.iovecs(arg32(a, 1), arg32(a, 2))?;
        // SAFETY: an all-zero msghdr is valid.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = iovs.as_mut_ptr();
        msg.msg_iovlen = iovs.len() as _;
        // SAFETY: the iovecs point into guest memory, checked in bounds.
        // MSG_NOSIGNAL: a closed peer is EPIPE, not a process-killing SIGPIPE.
        let n = check(
            cx.ctx
                .unlocked(|| unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL) }),
        )?;
        cx.mem.write_u32(arg32(a, 4), n as u32)?;
        Ok(())
    }),
    def("sock_shutdown", &[I, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get_socket(arg32(a, 0), RIGHT_SOCK_SHUTDOWN)?
            .raw();
        let how = match arg32(a, 1) as u8 {
            x if x == SDFLAGS_RD | SDFLAGS_WR => libc::SHUT_RDWR,
            SDFLAGS_RD => libc::SHUT_RD,
            SDFLAGS_WR => libc::SHUT_WR,
            _ => return Err(Errno::INVAL.into()),
        };
        // SAFETY: no memory-safety preconditions.
        check(unsafe { libc::shutdown(fd, how) })?;
        Ok(())
    }),
];
