//! `path_*`: opening, creating, linking, renaming and removing files and
//! directories by path — every path resolved inside its directory fd by
//! the [`sandbox`](super::sandbox).
//!
//! Trailing slashes follow POSIX (Linux), as Wasmtime does: a path ending
//! in `/` names a directory. Calls that look a name up (`open`, `stat`,
//! `unlink`, `readlink`) then follow a final symlink; calls that make,
//! remove or move the name itself (`mkdir`, `rmdir`, `rename`, `symlink`,
//! `link`) never do ([`resolve_entry`]). Creating anything but a directory
//! at `name/` fails and creates nothing.

use super::abi::*;
use super::errno::{Errno, check};
use super::fd::{filetype_of, fstat, times, write_filestat};
use super::sandbox::{
    Resolved, leads_out_through_links, names_a_directory, read_link_at, resolve, resolve_entry,
    symlink_target_allowed,
};
use super::table::{Descriptor, HostFd, filetype_of_mode};
use super::{Cx, HostDef, I, L, WasiResult, arg32, arg64, def};
use std::os::fd::{FromRawFd, OwnedFd};

pub(crate) const FUNCS: &[HostDef] = &[
    def("path_open", &[I, I, I, I, I, L, L, I, I], path_open),
    def("path_create_directory", &[I, I, I], |cx, a| {
        // `mkdir("d/")` is fine; `mkdir("link/")` is `EEXIST`, not a
        // directory made where the link points.
        let r = lookup_entry(
            cx,
            arg32(a, 0),
            RIGHT_PATH_CREATE_DIRECTORY,
            arg32(a, 1),
            arg32(a, 2),
        )?;
        // SAFETY: `name` is NUL-terminated.
        check(unsafe { libc::mkdirat(r.dir(), r.name.as_ptr(), 0o777) })?;
        Ok(())
    }),
    def("path_remove_directory", &[I, I, I], |cx, a| {
        // `rmdir("d/")` removes `d` (POSIX; Wasmtime 50 says `EINVAL`);
        // `rmdir("link/")` is `ENOTDIR`, never a removal of the link's
        // target; `rmdir("d/.")` is `EINVAL`.
        let r = lookup_entry(
            cx,
            arg32(a, 0),
            RIGHT_PATH_REMOVE_DIRECTORY,
            arg32(a, 1),
            arg32(a, 2),
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
        let target = cx.mem.bytes(arg32(a, 0), arg32(a, 1))?;
        let target = std::ffi::CString::new(target).map_err(|_| Errno::INVAL)?;
        let (dirfd, ptr, len) = (arg32(a, 2), arg32(a, 3), arg32(a, 4));
        let link = cx.mem.bytes(ptr, len)?;
        let dir = cx.ctx.get().table.get(dirfd, RIGHT_PATH_SYMLINK)?.raw();
        let r = resolve_entry(dir, &link)?;
        if r.must_be_dir {
            return Err(trailing_slash_error(cx, dirfd, ptr, len).into());
        }
        check_link_target(&r, &link, target.as_bytes())?;
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
        let (new_fd, new_ptr, new_len) = (arg32(a, 4), arg32(a, 5), arg32(a, 6));
        let new = lookup_entry(cx, new_fd, RIGHT_PATH_LINK_TARGET, new_ptr, new_len)?;
        if new.must_be_dir {
            // A hard link is never a directory.
            return Err(trailing_slash_error(cx, new_fd, new_ptr, new_len).into());
        }
        check_moved_symlink(cx, &old, &new, (new_ptr, new_len))?;
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
        let old = lookup_entry(
            cx,
            arg32(a, 0),
            RIGHT_PATH_RENAME_SOURCE,
            arg32(a, 1),
            arg32(a, 2),
        )?;
        let new = lookup_entry(
            cx,
            arg32(a, 3),
            RIGHT_PATH_RENAME_TARGET,
            arg32(a, 4),
            arg32(a, 5),
        )?;
        // A trailing `/` on either side: the source must be a directory
        // (not a link to one: rename moves the link itself), as in POSIX.
        if (old.must_be_dir || new.must_be_dir)
            && stat_at(&old, false)?.st_mode & libc::S_IFMT != libc::S_IFDIR
        {
            return Err(Errno::NOTDIR.into());
        }
        check_moved_symlink(cx, &old, &new, (arg32(a, 4), arg32(a, 5)))?;
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

/// Resolves the guest path (`ptr`, `len`) in directory `fd` (which must
/// hold `right`) to the entry it names, not following a final symlink even
/// with a trailing `/` ([`resolve_entry`]).
fn lookup_entry(
    cx: &mut Cx<'_>,
    fd: u32,
    right: u64,
    ptr: u32,
    len: u32,
) -> Result<Resolved, Errno> {
    let path = cx.mem.bytes(ptr, len)?;
    let dir = cx.ctx.get().table.get(fd, right)?.raw();
    resolve_entry(dir, &path)
}

/// The errno for making a symlink or hard link at a path ending in `/`,
/// which can only name a directory: `ENOENT` when nothing is there,
/// `EEXIST` for a directory (or a link to one), `ENOTDIR` for anything
/// else — what Linux and Wasmtime return. Nothing is created.
fn trailing_slash_error(cx: &mut Cx<'_>, fd: u32, ptr: u32, len: u32) -> Errno {
    // Rights were checked by the caller's lookup of the same path.
    match lookup(cx, fd, 0, ptr, len, true).and_then(|r| stat_at(&r, true)) {
        Ok(_) => Errno::EXIST,
        Err(e) => e,
    }
}

/// Whether a symlink with contents `target` may be at `r` (the guest
/// wrote `path` for it): smelt never follows a link out of the sandbox,
/// but every other program on the host would, so a link that leads out
/// for the kernel — absolute, climbing above the directory fd
/// ([`symlink_target_allowed`]), or leaving through links already there
/// ([`leads_out_through_links`]: the guest would add a way out of its
/// own) — is refused with `EPERM`, what Wasmtime returns for an absolute
/// target.
fn check_link_target(r: &Resolved, path: &[u8], target: &[u8]) -> Result<(), Errno> {
    if symlink_target_allowed(target, r.depth) && !leads_out_through_links(r.base(), path, target) {
        Ok(())
    } else {
        Err(Errno::PERM)
    }
}

/// `path_rename` and `path_link` of a symlink move its contents to
/// another directory, where the same relative target may lead elsewhere:
/// the moved link must pass [`check_link_target`] at its new place
/// (the guest's path `new_path`, in memory), as `path_symlink` does.
fn check_moved_symlink(
    cx: &mut Cx<'_>,
    old: &Resolved,
    new: &Resolved,
    (ptr, len): (u32, u32),
) -> Result<(), Errno> {
    let st = match stat_at(old, false) {
        Ok(st) => st,
        // The call itself reports the missing source.
        Err(_) => return Ok(()),
    };
    if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
        let target = read_link_at(old.dir(), &old.name)?;
        check_link_target(new, &cx.mem.bytes(ptr, len)?, &target)?;
    }
    Ok(())
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
    let inheriting = cx.ctx.get().table.get_dir(dirfd, needed)?.rights_inheriting;
    let follow = dirflags & LOOKUP_SYMLINK_FOLLOW != 0;
    let (ptr, len) = (arg32(a, 2), arg32(a, 3));
    // `open("name/", O_CREAT)` is EISDIR whatever `name` is (missing, a
    // file, a directory): only a directory could be there, and open never
    // creates one. The directories on the way are still resolved first.
    // Only a path spelled as a directory can be one: the extra walk is
    // for those.
    if oflags & OFLAGS_CREAT != 0 && names_a_directory(&cx.mem.bytes(ptr, len)?) {
        let entry = lookup_entry(cx, dirfd, needed, ptr, len)?;
        if entry.must_be_dir {
            return Err(Errno::ISDIR.into());
        }
    }
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
        let base = base & !RIGHTS_DIRECTORY_ONLY;
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
