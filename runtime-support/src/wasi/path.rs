//! `path_*`: opening, creating, linking, renaming and removing files and
//! directories by path — every path resolved inside its directory fd by
//! the [`sandbox`](super::sandbox).

use super::abi::*;
use super::errno::{Errno, check};
use super::fd::{filetype_of, fstat, times, write_filestat};
use super::sandbox::{Resolved, read_link_at, resolve};
use super::table::{Descriptor, HostFd, filetype_of_mode};
use super::{Cx, HostDef, I, L, WasiResult, arg32, arg64, def};
use std::os::fd::{FromRawFd, OwnedFd};

pub(crate) const FUNCS: &[HostDef] = &[
    def("path_open", &[I, I, I, I, I, L, L, I, I], path_open),
    def("path_create_directory", &[I, I, I], |cx, a| {
        let r = lookup(
            cx,
            arg32(a, 0),
            RIGHT_PATH_CREATE_DIRECTORY,
            arg32(a, 1),
            arg32(a, 2),
            false,
        )?;
        // SAFETY: `name` is NUL-terminated.
        check(unsafe { libc::mkdirat(r.dir(), r.name.as_ptr(), 0o777) })?;
        Ok(())
    }),
    def("path_remove_directory", &[I, I, I], |cx, a| {
        let r = lookup(
            cx,
            arg32(a, 0),
            RIGHT_PATH_REMOVE_DIRECTORY,
            arg32(a, 1),
            arg32(a, 2),
            false,
        )?;
        // SAFETY: `name` is NUL-terminated.
        check(unsafe { libc::unlinkat(r.dir(), r.name.as_ptr(), libc::AT_REMOVEDIR) })?;
        Ok(())
    }),
    def("path_unlink_file", &[I, I, I], |cx, a| {
        let r = lookup(
            cx,
            arg32(a, 0),
            RIGHT_PATH_UNLINK_FILE,
            arg32(a, 1),
            arg32(a, 2),
            false,
        )?;
        if r.must_be_dir {
            // `unlink("file/")`: POSIX says ENOTDIR for a non-directory.
            let st = stat_at(&r, false)?;
            return Err(if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
                Errno::ISDIR
            } else {
                Errno::NOTDIR
            }
            .into());
        }
        // SAFETY: `name` is NUL-terminated.
        check(unsafe { libc::unlinkat(r.dir(), r.name.as_ptr(), 0) })?;
        Ok(())
    }),
    def("path_filestat_get", &[I, I, I, I, I], |cx, a| {
        let follow = arg32(a, 1) & LOOKUP_SYMLINK_FOLLOW != 0;
        let r = lookup(
            cx,
            arg32(a, 0),
            RIGHT_PATH_FILESTAT_GET,
            arg32(a, 2),
            arg32(a, 3),
            follow,
        )?;
        let st = stat_at(&r, r.must_be_dir)?;
        write_filestat(&mut cx.mem, arg32(a, 4), &st, filetype_of_mode(st.st_mode))?;
        Ok(())
    }),
    def(
        "path_filestat_set_times",
        &[I, I, I, I, L, L, I],
        |cx, a| {
            let follow = arg32(a, 1) & LOOKUP_SYMLINK_FOLLOW != 0;
            let r = lookup(
                cx,
                arg32(a, 0),
                RIGHT_PATH_FILESTAT_SET_TIMES,
                arg32(a, 2),
                arg32(a, 3),
                follow,
            )?;
            let ts = times(arg64(a, 4), arg64(a, 5), arg32(a, 6) as u16)?;
            // SAFETY: `name` is NUL-terminated and `ts` holds two timespecs.
            check(unsafe {
                libc::utimensat(
                    r.dir(),
                    r.name.as_ptr(),
                    ts.as_ptr(),
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            })?;
            Ok(())
        },
    ),
    def("path_readlink", &[I, I, I, I, I, I], |cx, a| {
        let r = lookup(
            cx,
            arg32(a, 0),
            RIGHT_PATH_READLINK,
            arg32(a, 1),
            arg32(a, 2),
            false,
        )?;
        let target = read_link_at(r.dir(), &r.name)?;
        // Like readlink(2): truncated to the buffer, no NUL.
        let n = target.len().min(arg32(a, 4) as usize);
        cx.mem.write(arg32(a, 3), &target[..n])?;
        cx.mem.write_u32(arg32(a, 5), n as u32)?;
        Ok(())
    }),
    def("path_symlink", &[I, I, I, I, I], |cx, a| {
        // The link's contents are only data: creating a link that points
        // outside is allowed (as natively); following it never escapes.
        let target = cx.mem.bytes(arg32(a, 0), arg32(a, 1))?;
        let target = std::ffi::CString::new(target).map_err(|_| Errno::INVAL)?;
        let r = lookup(
            cx,
            arg32(a, 2),
            RIGHT_PATH_SYMLINK,
            arg32(a, 3),
            arg32(a, 4),
            false,
        )?;
        // SAFETY: both strings are NUL-terminated.
        check(unsafe { libc::symlinkat(target.as_ptr(), r.dir(), r.name.as_ptr()) })?;
        Ok(())
    }),
    def("path_link", &[I, I, I, I, I, I, I], |cx, a| {
        let follow = arg32(a, 1) & LOOKUP_SYMLINK_FOLLOW != 0;
        let old = lookup(
            cx,
            arg32(a, 0),
            RIGHT_PATH_LINK_SOURCE,
            arg32(a, 2),
            arg32(a, 3),
            follow,
        )?;
        let new = lookup(
            cx,
            arg32(a, 4),
            RIGHT_PATH_LINK_TARGET,
            arg32(a, 5),
            arg32(a, 6),
            false,
        )?;
        // SAFETY: both names are NUL-terminated.
        check(unsafe {
            libc::linkat(
                old.dir(),
                old.name.as_ptr(),
                new.dir(),
                new.name.as_ptr(),
                0,
            )
        })?;
        Ok(())
    }),
    def("path_rename", &[I, I, I, I, I, I], |cx, a| {
        let old = lookup(
            cx,
            arg32(a, 0),
            RIGHT_PATH_RENAME_SOURCE,
            arg32(a, 1),
            arg32(a, 2),
            false,
        )?;
        let new = lookup(
            cx,
            arg32(a, 3),
            RIGHT_PATH_RENAME_TARGET,
            arg32(a, 4),
            arg32(a, 5),
            false,
        )?;
        // SAFETY: both names are NUL-terminated.
        check(unsafe {
            libc::renameat(old.dir(), old.name.as_ptr(), new.dir(), new.name.as_ptr())
        })?;
        Ok(())
    }),
];

/// Resolves the guest path (`ptr`, `len`) in directory `fd`, which must
/// hold `right`.
fn lookup(
    cx: &mut Cx<'_>,
    fd: u32,
    right: u64,
    ptr: u32,
    len: u32,
    follow: bool,
) -> Result<Resolved, Errno> {
    let path = cx.mem.bytes(ptr, len)?;
    let dir = cx.ctx.get().table.get(fd, right)?.raw();
    resolve(dir, &path, follow)
}

/// `fstatat` on a resolved path, never following a final symlink (the
/// walk already did if asked to).
fn stat_at(r: &Resolved, must_be_dir: bool) -> Result<libc::stat, Errno> {
    // SAFETY: an all-zero stat is valid.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is NUL-terminated and `st` a valid out pointer.
    check(unsafe { libc::fstatat(r.dir(), r.name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) })?;
    if must_be_dir && st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(Errno::NOTDIR);
    }
    Ok(st)
}

/// `path_open(fd, dirflags, path, path_len, oflags, rights_base,
/// rights_inheriting, fdflags, *fd)`.
fn path_open(cx: &mut Cx<'_>, a: &[super::ValRaw]) -> WasiResult {
    let (dirfd, dirflags, oflags) = (arg32(a, 0), arg32(a, 1), arg32(a, 4) as u16);
    let (want_base, want_inheriting, fdflags) = (arg64(a, 5), arg64(a, 6), arg32(a, 7) as u16);
    // Check the result pointer first, so a bad one cannot leak an fd.
    cx.mem.slice(arg32(a, 8), 4)?;
    let mut needed = RIGHT_PATH_OPEN;
    if oflags & OFLAGS_CREAT != 0 {
        needed |= RIGHT_PATH_CREATE_FILE;
    }
    if oflags & OFLAGS_TRUNC != 0 {
        needed |= RIGHT_PATH_FILESTAT_SET_SIZE;
    }
    // `O_CREAT | O_DIRECTORY` is EINVAL on Linux since 6.4 (older kernels
    // made a regular file); refuse it here so every host agrees.
    if oflags & OFLAGS_CREAT != 0 && oflags & OFLAGS_DIRECTORY != 0 {
        return Err(Errno::INVAL.into());
    }
    let inheriting = cx.ctx.get().table.get(dirfd, needed)?.rights_inheriting;
    let follow = dirflags & LOOKUP_SYMLINK_FOLLOW != 0;
    let (ptr, len) = (arg32(a, 2), arg32(a, 3));
    let r = lookup(cx, dirfd, needed, ptr, len, follow)?;

    // What the guest may do with the new fd: what it asked for, within
    // what the directory passes on.
    let base = want_base & inheriting;
    let write = base & RIGHTS_WRITE != 0;
    // Asking to write (FD_WRITE, as open's O_WRONLY/O_RDWR) makes a
    // directory EISDIR, as in POSIX and Wasmtime, whatever the parent
    // passes on and with or without O_DIRECTORY.
    let wants_write = want_base & RIGHT_FD_WRITE != 0;
    let mut flags = libc::O_CLOEXEC | libc::O_NOFOLLOW | libc::O_NOCTTY;
    flags |= if oflags & OFLAGS_DIRECTORY != 0 || r.must_be_dir {
        libc::O_RDONLY | libc::O_DIRECTORY
    } else if write && base & RIGHT_FD_READ != 0 {
        libc::O_RDWR
    } else if write {
        libc::O_WRONLY
    } else {
        libc::O_RDONLY
    };
    if oflags & OFLAGS_CREAT != 0 {
        flags |= libc::O_CREAT;
    }
    if oflags & OFLAGS_EXCL != 0 {
        flags |= libc::O_EXCL;
    }
    if oflags & OFLAGS_TRUNC != 0 {
        flags |= libc::O_TRUNC;
    }
    if fdflags & FDFLAGS_APPEND != 0 {
        flags |= libc::O_APPEND;
    }
    if fdflags & FDFLAGS_NONBLOCK != 0 {
        flags |= libc::O_NONBLOCK;
    }
    if fdflags & FDFLAGS_SYNC != 0 {
        flags |= libc::O_SYNC;
    }
    if fdflags & FDFLAGS_DSYNC != 0 {
        flags |= libc::O_DSYNC;
    }
    if fdflags & FDFLAGS_RSYNC != 0 {
        flags |= libc::O_RSYNC;
    }
    let open = |flags| {
        // SAFETY: `name` is NUL-terminated.
        check(unsafe { libc::openat(r.dir(), r.name.as_ptr(), flags, 0o666) })
    };
    let fd = match open(flags) {
        // Opened for writing only because of FD_ALLOCATE, FD_DATASYNC or
        // FD_FILESTAT_SET_SIZE, which a directory just does not get: open
        // it as one (Wasmtime does too).
        Err(Errno::ISDIR) if !wants_write && oflags & (OFLAGS_CREAT | OFLAGS_TRUNC) == 0 => {
            open((flags & !libc::O_ACCMODE) | libc::O_RDONLY | libc::O_DIRECTORY)?
        }
        r => r?,
    };
    // SAFETY: `fd` was just opened and is owned by nobody else.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let st = fstat(fd)?;
    let filetype = filetype_of(fd, &st);
    let (base, inheriting) = if filetype == FILETYPE_DIRECTORY {
        if wants_write {
            return Err(Errno::ISDIR.into());
        }
        // No read, write, seek or tell on a directory: those calls are
        // EBADF on it, and fd_fdstat_get says so.
        (base & RIGHTS_DIRECTORY, want_inheriting & inheriting)
    } else {
        // A file passes nothing on; like Wasmtime, report its own rights
        // as the inheriting ones.
        let base = base & !RIGHT_FD_READDIR;
        (base, base)
    };
    let new = cx.ctx.get().table.insert(Descriptor::new(
        HostFd::Owned(owned),
        filetype,
        base,
        inheriting,
    ))?;
    cx.mem.write_u32(arg32(a, 8), new)?;
    Ok(())
}
