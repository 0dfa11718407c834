//! `fd_*`: reading, writing, seeking, metadata, flags and lifetime of open
//! descriptors (`fd_readdir` is in `readdir.rs`). The calls on file data
//! (read, write, pread, pwrite, seek, tell, allocate, set_size) are
//! `EBADF` on a directory, as in Wasmtime ([`FdTable::get`]).
//!
//! [`FdTable::get`]: super::table::FdTable::get

use super::abi::*;
use super::errno::{Errno, check};
use super::memory::GuestMemory;
use super::table::filetype_of_mode;
use super::{Cx, HostDef, I, L, WasiResult, arg32, arg64, def};
use std::os::fd::RawFd;

pub(crate) const FUNCS: &[HostDef] = &[
    def("fd_read", &[I, I, I, I], |cx, a| {
        let fd = cx.ctx.get().table.get(arg32(a, 0), RIGHT_FD_READ)?.raw();
        let iovs = cx.mem.iovecs(arg32(a, 1), arg32(a, 2))?;
        // SAFETY: the iovecs point into guest memory, checked in bounds.
        let n = cx
            .ctx
            .unlocked(|| retry(|| unsafe { libc::readv(fd, iovs.as_ptr(), iovs.len() as i32) }))?;
        cx.mem.write_u32(arg32(a, 3), n as u32)?;
        Ok(())
    }),
    def("fd_write", &[I, I, I, I], |cx, a| {
        let fd = cx.ctx.get().table.get(arg32(a, 0), RIGHT_FD_WRITE)?.raw();
        let iovs = cx.mem.iovecs(arg32(a, 1), arg32(a, 2))?;
        // SAFETY: the iovecs point into guest memory, checked in bounds.
        let n = cx
            .ctx
            .unlocked(|| retry(|| unsafe { libc::writev(fd, iovs.as_ptr(), iovs.len() as i32) }))?;
        cx.mem.write_u32(arg32(a, 3), n as u32)?;
        Ok(())
    }),
    def("fd_pread", &[I, I, I, L, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get(arg32(a, 0), RIGHT_FD_READ | RIGHT_FD_SEEK)?
            .raw();
        let iovs = cx.mem.iovecs(arg32(a, 1), arg32(a, 2))?;
        let off = offset(arg64(a, 3))?;
        let n = cx.ctx.unlocked(|| {
            // SAFETY: the iovecs point into guest memory, checked in bounds.
            retry(|| unsafe { libc::preadv(fd, iovs.as_ptr(), iovs.len() as i32, off) })
        })?;
        cx.mem.write_u32(arg32(a, 4), n as u32)?;
        Ok(())
    }),
    def("fd_pwrite", &[I, I, I, L, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get(arg32(a, 0), RIGHT_FD_WRITE | RIGHT_FD_SEEK)?
            .raw();
        let iovs = cx.mem.iovecs(arg32(a, 1), arg32(a, 2))?;
        let off = offset(arg64(a, 3))?;
        let n = cx.ctx.unlocked(|| {
            // SAFETY: the iovecs point into guest memory, checked in bounds.
            retry(|| unsafe { libc::pwritev(fd, iovs.as_ptr(), iovs.len() as i32, off) })
        })?;
        cx.mem.write_u32(arg32(a, 4), n as u32)?;
        Ok(())
    }),
    def("fd_seek", &[I, L, I, I], |cx, a| {
        let (delta, whence) = (arg64(a, 1) as i64, arg32(a, 2));
        let right = if whence == u32::from(WHENCE_CUR) && delta == 0 {
            RIGHT_FD_TELL
        } else {
            RIGHT_FD_SEEK
        };
        let fd = cx.ctx.get().table.get(arg32(a, 0), right)?.raw();
        let whence = match u8::try_from(whence).map_err(|_| Errno::INVAL)? {
            WHENCE_SET => libc::SEEK_SET,
            WHENCE_CUR => libc::SEEK_CUR,
            WHENCE_END => libc::SEEK_END,
            _ => return Err(Errno::INVAL.into()),
        };
        // SAFETY: lseek has no memory-safety preconditions.
        let pos = check(unsafe { libc::lseek(fd, delta, whence) })?;
        cx.mem.write_u64(arg32(a, 3), pos as u64)?;
        Ok(())
    }),
    def("fd_tell", &[I, I], |cx, a| {
        let fd = cx.ctx.get().table.get(arg32(a, 0), RIGHT_FD_TELL)?.raw();
        // SAFETY: lseek has no memory-safety preconditions.
        let pos = check(unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) })?;
        cx.mem.write_u64(arg32(a, 1), pos as u64)?;
        Ok(())
    }),
    def("fd_close", &[I], |cx, a| {
        // Dropping the descriptor closes an owned host fd.
        cx.ctx.get().table.remove(arg32(a, 0))?;
        Ok(())
    }),
    def("fd_renumber", &[I, I], |cx, a| {
        cx.ctx.get().table.renumber(arg32(a, 0), arg32(a, 1))?;
        Ok(())
    }),
    def("fd_sync", &[I], |cx, a| {
        let fd = cx.ctx.get().table.get(arg32(a, 0), RIGHT_FD_SYNC)?.raw();
        // SAFETY: no memory-safety preconditions.
        check(unsafe { libc::fsync(fd) })?;
        Ok(())
    }),
    def("fd_datasync", &[I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get(arg32(a, 0), RIGHT_FD_DATASYNC)?
            .raw();
        // SAFETY: no memory-safety preconditions.
        check(unsafe { libc::fdatasync(fd) })?;
        Ok(())
    }),
    def("fd_advise", &[I, L, L, I], |cx, a| {
        let fd = cx.ctx.get().table.get(arg32(a, 0), RIGHT_FD_ADVISE)?.raw();
        let advice = match arg32(a, 3) {
            0 => libc::POSIX_FADV_NORMAL,
            1 => libc::POSIX_FADV_SEQUENTIAL,
            2 => libc::POSIX_FADV_RANDOM,
            3 => libc::POSIX_FADV_WILLNEED,
            4 => libc::POSIX_FADV_DONTNEED,
            5 => libc::POSIX_FADV_NOREUSE,
            _ => return Err(Errno::INVAL.into()),
        };
        let (off, len) = (offset(arg64(a, 1))?, offset(arg64(a, 2))?);
        // SAFETY: no memory-safety preconditions.
        let r = unsafe { libc::posix_fadvise(fd, off, len, advice) };
        // Advice is only a hint: pipes and the like may refuse it.
        if r != 0 && r != libc::ESPIPE {
            return Err(Errno::from_host(r).into());
        }
        Ok(())
    }),
    def("fd_allocate", &[I, L, L], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get(arg32(a, 0), RIGHT_FD_ALLOCATE)?
            .raw();
        let (off, len) = (offset(arg64(a, 1))?, offset(arg64(a, 2))?);
        // SAFETY: no memory-safety preconditions.
        let r = unsafe { libc::posix_fallocate(fd, off, len) };
        if r != 0 {
            return Err(Errno::from_host(r).into());
        }
        Ok(())
    }),
    def("fd_fdstat_get", &[I, I], |cx, a| {
        let d = cx.ctx.get().table.get(arg32(a, 0), 0)?;
        let (fd, base, inheriting) = (d.raw(), d.rights_base, d.rights_inheriting);
        let st = fstat(fd)?;
        let filetype = filetype_of(fd, &st);
        // SAFETY: F_GETFL has no memory-safety preconditions.
        let fl = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
        let mut flags = 0;
        if fl & libc::O_APPEND != 0 {
            flags |= FDFLAGS_APPEND;
        }
        if fl & libc::O_NONBLOCK != 0 {
            flags |= FDFLAGS_NONBLOCK;
        }
        if fl & libc::O_SYNC == libc::O_SYNC {
            flags |= FDFLAGS_SYNC;
        } else if fl & libc::O_DSYNC != 0 {
            flags |= FDFLAGS_DSYNC;
        }
        if fl & libc::O_RSYNC == libc::O_RSYNC && fl & libc::O_SYNC == libc::O_SYNC {
            flags |= FDFLAGS_RSYNC;
        }
        let p = arg32(a, 1);
        cx.mem.slice_mut(p, 24)?.fill(0);
        cx.mem.write_u8(p, filetype)?;
        cx.mem.write_u16(p + 2, flags)?;
        cx.mem.write_u64(p + 8, base)?;
        cx.mem.write_u64(p + 16, inheriting)?;
        Ok(())
    }),
    def("fd_fdstat_set_flags", &[I, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get(arg32(a, 0), RIGHT_FD_FDSTAT_SET_FLAGS)?
            .raw();
        let flags = arg32(a, 1) as u16;
        // SAFETY: F_GETFL has no memory-safety preconditions.
        let mut fl = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
        fl &= !(libc::O_APPEND | libc::O_NONBLOCK);
        if flags & FDFLAGS_APPEND != 0 {
            fl |= libc::O_APPEND;
        }
        if flags & FDFLAGS_NONBLOCK != 0 {
            fl |= libc::O_NONBLOCK;
        }
        // The sync flags cannot be changed on an open file (as on Linux).
        if flags & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC) != 0 {
            return Err(Errno::NOTSUP.into());
        }
        // SAFETY: F_SETFL has no memory-safety preconditions.
        check(unsafe { libc::fcntl(fd, libc::F_SETFL, fl) })?;
        Ok(())
    }),
    def("fd_fdstat_set_rights", &[I, L, L], |cx, a| {
        let d = cx.ctx.get().table.get(arg32(a, 0), 0)?;
        let (base, inheriting) = (arg64(a, 1), arg64(a, 2));
        // Rights can only be dropped, never gained.
        if base & !d.rights_base != 0 || inheriting & !d.rights_inheriting != 0 {
            return Err(Errno::NOTCAPABLE.into());
        }
        d.rights_base = base;
        d.rights_inheriting = inheriting;
        Ok(())
    }),
    def("fd_filestat_get", &[I, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get(arg32(a, 0), RIGHT_FD_FILESTAT_GET)?
            .raw();
        let st = fstat(fd)?;
        let ft = filetype_of(fd, &st);
        write_filestat(&mut cx.mem, arg32(a, 1), &st, ft)?;
        Ok(())
    }),
    def("fd_filestat_set_size", &[I, L], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get(arg32(a, 0), RIGHT_FD_FILESTAT_SET_SIZE)?
            .raw();
        let size = offset(arg64(a, 1))?;
        // SAFETY: no memory-safety preconditions.
        check(unsafe { libc::ftruncate(fd, size) })?;
        Ok(())
    }),
    def("fd_filestat_set_times", &[I, L, L, I], |cx, a| {
        let fd = cx
            .ctx
            .get()
            .table
            .get(arg32(a, 0), RIGHT_FD_FILESTAT_SET_TIMES)?
            .raw();
        let ts = times(arg64(a, 1), arg64(a, 2), arg32(a, 3) as u16)?;
        // SAFETY: `ts` holds two timespecs.
        check(unsafe { libc::futimens(fd, ts.as_ptr()) })?;
        Ok(())
    }),
    def("fd_prestat_get", &[I, I], |cx, a| {
        let d = cx.ctx.get().table.get(arg32(a, 0), 0)?;
        let name_len = d.preopen.as_ref().ok_or(Errno::BADF)?.len() as u32;
        let p = arg32(a, 1);
        cx.mem.write_u32(p, 0)?; // tag 0: a directory; padding zeroed
        cx.mem.write_u32(p + 4, name_len)?;
        Ok(())
    }),
    def("fd_prestat_dir_name", &[I, I, I], |cx, a| {
        prestat_dir_name(cx, arg32(a, 0), arg32(a, 1), arg32(a, 2))
    }),
];

fn prestat_dir_name(cx: &mut Cx<'_>, fd: u32, ptr: u32, len: u32) -> WasiResult {
    let d = cx.ctx.get().table.get(fd, 0)?;
    let name = d.preopen.as_ref().ok_or(Errno::BADF)?;
    if (len as usize) < name.len() {
        return Err(Errno::NAMETOOLONG.into());
    }
    cx.mem.write(ptr, name)?;
    Ok(())
}

/// Runs a syscall that returns a byte count, retrying on `EINTR`.
fn retry(mut f: impl FnMut() -> isize) -> Result<usize, Errno> {
    loop {
        match check(f()) {
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e),
            Ok(n) => return Ok(n as usize),
        }
    }
}

/// A guest file offset or length as the host's `off_t`.
fn offset(v: u64) -> Result<libc::off_t, Errno> {
    libc::off_t::try_from(v).map_err(|_| Errno::INVAL)
}

pub(crate) fn fstat(fd: RawFd) -> Result<libc::stat, Errno> {
    // SAFETY: an all-zero stat is valid.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid out pointer.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    Ok(st)
}

/// The WASI filetype of an open fd, telling stream and datagram sockets
/// apart.
pub(crate) fn filetype_of(fd: RawFd, st: &libc::stat) -> u8 {
    let ft = filetype_of_mode(st.st_mode);
    if ft != FILETYPE_SOCKET_STREAM {
        return ft;
    }
    let mut ty: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `ty` and `len` are valid out pointers of the right size.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TYPE,
            (&raw mut ty).cast(),
            &mut len,
        )
    };
    match (r, ty) {
        (0, libc::SOCK_DGRAM) => FILETYPE_SOCKET_DGRAM,
        _ => FILETYPE_SOCKET_STREAM,
    }
}

/// Writes a `filestat` (64 bytes) at `ptr`.
pub(crate) fn write_filestat(
    mem: &mut GuestMemory<'_>,
    ptr: u32,
    st: &libc::stat,
    filetype: u8,
) -> WasiResult {
    let nanos = |s: i64, ns: i64| {
        (s as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(ns as u64)
    };
    mem.slice_mut(ptr, FILESTAT_SIZE as u32)?.fill(0);
    // `dev_t`/`ino_t`/`nlink_t` are u64 on x86_64 but `nlink_t` is u32 on
    // aarch64 and riscv64: widen without a cast that could truncate.
    #[allow(clippy::useless_conversion, reason = "the types differ per target")]
    let (dev, ino, nlink) = (
        u64::from(st.st_dev),
        u64::from(st.st_ino),
        u64::from(st.st_nlink),
    );
    mem.write_u64(ptr, dev)?;
    mem.write_u64(ptr + 8, ino)?;
    mem.write_u8(ptr + 16, filetype)?;
    mem.write_u64(ptr + 24, nlink)?;
    mem.write_u64(ptr + 32, st.st_size as u64)?;
    mem.write_u64(ptr + 40, nanos(st.st_atime, st.st_atime_nsec))?;
    mem.write_u64(ptr + 48, nanos(st.st_mtime, st.st_mtime_nsec))?;
    mem.write_u64(ptr + 56, nanos(st.st_ctime, st.st_ctime_nsec))?;
    Ok(())
}

/// The `[atime, mtime]` pair for `futimens`/`utimensat` from WASI's
/// timestamps and `fstflags`.
pub(crate) fn times(atim: u64, mtim: u64, flags: u16) -> Result<[libc::timespec; 2], Errno> {
    let one = |t: u64, set: u16, now: u16| -> Result<libc::timespec, Errno> {
        Ok(match (flags & set != 0, flags & now != 0) {
            (true, true) => return Err(Errno::INVAL),
            (false, true) => libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            },
            (true, false) => libc::timespec {
                tv_sec: (t / 1_000_000_000) as libc::time_t,
                tv_nsec: (t % 1_000_000_000) as libc::c_long,
            },
            (false, false) => libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
        })
    };
    Ok([
        one(atim, FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW)?,
        one(mtim, FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW)?,
    ])
}
