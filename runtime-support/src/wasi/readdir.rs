//! `fd_readdir`: directory listings with resumable cookies.
//!
//! A listing is read whole (including `.` and `..`) when the guest starts
//! at cookie 0, and kept with the descriptor; entry `i` has cookie `i` and
//! `d_next = i + 1`. So a guest that resumes at the `d_next` of the last
//! entry it saw continues exactly where it stopped, whatever the host's
//! `telldir` values look like, and a `rewinddir` (cookie 0) sees changes.

use super::abi::*;
use super::errno::{Errno, check};
use super::table::{DirEntry, filetype_of_mode};
use super::{HostDef, I, L, arg32, arg64, def};
use std::ffi::CStr;
use std::os::fd::RawFd;

pub(crate) const FUNCS: &[HostDef] = &[def("fd_readdir", &[I, I, I, L, I], |cx, a| {
    let (buf, buf_len, cookie, used_ptr) = (arg32(a, 1), arg32(a, 2), arg64(a, 3), arg32(a, 4));
    let d = cx.ctx.get().table.get(arg32(a, 0), RIGHT_FD_READDIR)?;
    if cookie == 0 || d.listing.is_none() {
        d.listing = Some(list(d.raw())?);
    }
    let entries = d.listing.as_deref().unwrap_or_default();
    // Serialize entries from `cookie` on, cutting the last one short when
    // the buffer is full (the guest then knows to call again).
    let mut out = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, e) in entries.iter().enumerate().skip(start) {
        if out.len() >= buf_len as usize {
            break;
        }
        let mut header = [0u8; DIRENT_SIZE];
        header[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        header[8..16].copy_from_slice(&e.ino.to_le_bytes());
        header[16..20].copy_from_slice(&(e.name.len() as u32).to_le_bytes());
        header[20] = e.filetype;
        out.extend_from_slice(&header);
        out.extend_from_slice(&e.name);
    }
    out.truncate(buf_len as usize);
    cx.mem.write(buf, &out)?;
    cx.mem.write_u32(used_ptr, out.len() as u32)?;
    Ok(())
})];

/// Reads the whole listing of the directory open at `fd` (through a fresh
/// descriptor, so the guest's fd offset is untouched).
fn list(fd: RawFd) -> Result<Vec<DirEntry>, Errno> {
    // SAFETY: the path is a NUL-terminated literal.
    let dfd = check(unsafe {
        libc::openat(
            fd,
            c".".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: `dfd` is an open directory fd; `fdopendir` takes it over.
    let dir = unsafe { libc::fdopendir(dfd) };
    if dir.is_null() {
        let e = Errno::last();
        // SAFETY: `dfd` was not taken over, so we still own it.
        unsafe { libc::close(dfd) };
        return Err(e);
    }
    let mut entries = Vec::new();
    loop {
        // SAFETY: `dir` is an open DIR stream.
        let ent = unsafe { libc::readdir64(dir) };
        if ent.is_null() {
            break;
        }
        // SAFETY: a non-null readdir result is valid until the next call.
        let ent = unsafe { &*ent };
        // SAFETY: `d_name` is NUL-terminated.
        let name = unsafe { CStr::from_ptr(ent.d_name.as_ptr()) }
            .to_bytes()
            .to_vec();
        let filetype = match ent.d_type {
            libc::DT_REG => FILETYPE_REGULAR_FILE,
            libc::DT_DIR => FILETYPE_DIRECTORY,
            libc::DT_LNK => FILETYPE_SYMBOLIC_LINK,
            libc::DT_CHR => FILETYPE_CHARACTER_DEVICE,
            libc::DT_BLK => FILETYPE_BLOCK_DEVICE,
            libc::DT_SOCK => FILETYPE_SOCKET_STREAM,
            // SAFETY: `d_name` is NUL-terminated; `st` is a valid out pointer.
            _ => unsafe {
                let mut st: libc::stat = std::mem::zeroed();
                if libc::fstatat(
                    libc::dirfd(dir),
                    ent.d_name.as_ptr(),
                    &mut st,
                    libc::AT_SYMLINK_NOFOLLOW,
                ) == 0
                {
                    filetype_of_mode(st.st_mode)
                } else {
                    FILETYPE_UNKNOWN
                }
            },
        };
        entries.push(DirEntry {
            ino: ent.d_ino,
            filetype,
            name,
        });
    }
    // SAFETY: `dir` is open and closed once.
    unsafe { libc::closedir(dir) };
    Ok(entries)
}
