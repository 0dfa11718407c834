//! Path resolution inside a preopened directory, openat-style.
//!
//! The guest names files by (directory fd, relative path). The kernel would
//! happily follow `..`, absolute paths and symlinks out of that directory,
//! so we never hand it a path with more than one component. Instead, as
//! cap-std does, we walk the path one component at a time from the
//! directory fd:
//!
//! - `.` and empty components are skipped;
//! - `..` pops the stack of directories we opened; popping past the start
//!   is an escape and fails with `ENOTCAPABLE`;
//! - every intermediate directory is opened with `O_NOFOLLOW`, so the
//!   kernel never follows a link for us;
//! - a symlink is read with `readlinkat` and its target's components are
//!   spliced into the walk (an absolute target is an escape); at most
//!   [`MAX_SYMLINKS`] expansions, then `ELOOP`.
//!
//! The walk ends with a directory fd and one final component, on which the
//! caller operates with an `*at` call that does not follow symlinks
//! (`AT_SYMLINK_NOFOLLOW`, `O_NOFOLLOW`). If a component is swapped for a
//! symlink between our check and our use, that call fails (`ELOOP`,
//! `ENOTDIR`) instead of escaping.
//!
//! Two reviews for any change here: it is the whole sandbox.

use super::errno::{Errno, check};
use std::collections::VecDeque;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Symlink expansions allowed in one resolution (Linux's limit).
const MAX_SYMLINKS: u32 = 40;

/// Flags for the directories we open while walking: a handle only
/// (`O_PATH` on Linux, enough for `*at` calls), never following a link.
#[cfg(target_os = "linux")]
const WALK_FLAGS: i32 = libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
#[cfg(not(target_os = "linux"))]
const WALK_FLAGS: i32 = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;

/// The result of a walk: the directory holding the final component, and
/// that component (`.` when the path names the directory itself).
pub(crate) struct Resolved {
    base: RawFd,
    opened: Option<OwnedFd>,
    pub(crate) name: CString,
    /// The path ended in `/` (or `/.`): the final component must be a
    /// directory.
    pub(crate) must_be_dir: bool,
}

impl Resolved {
    /// The directory fd to use with `name`.
    pub(crate) fn dir(&self) -> RawFd {
        self.opened.as_ref().map_or(self.base, AsRawFd::as_raw_fd)
    }
}

/// Splits a guest path into components, reporting whether it ended in a
/// separator or `.` (which makes the last component a directory).
fn components(path: &[u8]) -> (VecDeque<Vec<u8>>, bool) {
    let trailing = path.ends_with(b"/") || path.ends_with(b"/.") || path == b".";
    let comps = path
        .split(|b| *b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
        .collect();
    (comps, trailing)
}

fn cstring(bytes: &[u8]) -> Result<CString, Errno> {
    CString::new(bytes).map_err(|_| Errno::INVAL)
}

fn lstat_at(dir: RawFd, name: &CString) -> Result<libc::stat, Errno> {
    // SAFETY: an all-zero `stat` is a valid value to be overwritten.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is NUL-terminated and `st` is a valid out pointer.
    check(unsafe { libc::fstatat(dir, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) })?;
    Ok(st)
}

/// Reads the symlink `name` in `dir`.
pub(crate) fn read_link_at(dir: RawFd, name: &CString) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: `buf` is writable for `buf.len()` bytes.
        let n = unsafe { libc::readlinkat(dir, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        let n = check(n)? as usize;
        if n < buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        buf.resize(buf.len() * 2, 0);
    }
}

/// Resolves `path` relative to the directory `base`. With `follow`, a
/// symlink in the final position is expanded too (the result then never
/// names a symlink, unless it changes under us).
pub(crate) fn resolve(base: RawFd, path: &[u8], follow: bool) -> Result<Resolved, Errno> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.contains(&0) {
        return Err(Errno::INVAL);
    }
    if path[0] == b'/' {
        return Err(Errno::NOTCAPABLE);
    }
    let (mut pending, mut must_be_dir) = components(path);
    let mut stack: Vec<OwnedFd> = Vec::new();
    let mut links = 0;
    let cur = |stack: &Vec<OwnedFd>| stack.last().map_or(base, AsRawFd::as_raw_fd);
    loop {
        let Some(comp) = pending.pop_front() else {
            return Ok(Resolved {
                base,
                opened: stack.pop(),
                name: cstring(b".")?,
                must_be_dir: true,
            });
        };
        let last = pending.is_empty();
        if comp == b".." {
            if stack.pop().is_none() {
                return Err(Errno::NOTCAPABLE);
            }
            continue;
        }
        let name = cstring(&comp)?;
        if last && !follow && !must_be_dir {
            return Ok(Resolved {
                base,
                opened: stack.pop(),
                name,
                must_be_dir,
            });
        }
        let dir = cur(&stack);
        let st = match lstat_at(dir, &name) {
            Ok(st) => st,
            // A missing final component is what creating calls want.
            Err(Errno::NOENT) if last => {
                return Ok(Resolved {
                    base,
                    opened: stack.pop(),
                    name,
                    must_be_dir,
                });
            }
            Err(e) => return Err(e),
        };
        match st.st_mode & libc::S_IFMT {
            libc::S_IFLNK => {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(Errno::LOOP);
                }
                let target = read_link_at(dir, &name)?;
                if target.first() == Some(&b'/') {
                    return Err(Errno::NOTCAPABLE);
                }
                let (comps, trailing) = components(&target);
                if last {
                    must_be_dir |= trailing;
                }
                for c in comps.into_iter().rev() {
                    pending.push_front(c);
                }
            }
            libc::S_IFDIR if !last => {
                // SAFETY: `name` is NUL-terminated.
                let fd = check(unsafe { libc::openat(dir, name.as_ptr(), WALK_FLAGS) })?;
                // SAFETY: `fd` was just opened and is owned by nobody else.
                stack.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
            libc::S_IFDIR => {
                return Ok(Resolved {
                    base,
                    opened: stack.pop(),
                    name,
                    must_be_dir,
                });
            }
            _ if last && !must_be_dir => {
                return Ok(Resolved {
                    base,
                    opened: stack.pop(),
                    name,
                    must_be_dir,
                });
            }
            _ => return Err(Errno::NOTDIR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn open_dir(p: &std::path::Path) -> OwnedFd {
        std::fs::File::open(p).unwrap().into()
    }

    #[test]
    fn escapes_are_refused() {
        let root = std::env::temp_dir().join(format!("smelt-sandbox-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("box/sub")).unwrap();
        std::fs::write(root.join("secret"), "x").unwrap();
        std::fs::write(root.join("box/sub/f"), "y").unwrap();
        symlink("../secret", root.join("box/out")).unwrap();
        symlink("/etc/passwd", root.join("box/abs")).unwrap();
        symlink("sub/f", root.join("box/in")).unwrap();
        symlink("loop", root.join("box/loop")).unwrap();
        let fd = open_dir(&root.join("box"));
        let b = fd.as_raw_fd();
        let e = |p: &[u8], follow| resolve(b, p, follow).err();
        assert_eq!(e(b"../secret", true), Some(Errno::NOTCAPABLE));
        assert_eq!(e(b"sub/../../secret", true), Some(Errno::NOTCAPABLE));
        assert_eq!(e(b"/etc/passwd", true), Some(Errno::NOTCAPABLE));
        assert_eq!(e(b"out", true), Some(Errno::NOTCAPABLE));
        assert_eq!(e(b"abs", true), Some(Errno::NOTCAPABLE));
        assert_eq!(e(b"loop", true), Some(Errno::LOOP));
        assert_eq!(e(b"", true), Some(Errno::NOENT));
        // Not following the final link names the link itself.
        assert_eq!(resolve(b, b"out", false).unwrap().name.as_bytes(), b"out");
        let r = resolve(b, b"in", true).unwrap();
        assert_eq!(r.name.as_bytes(), b"f");
        assert_ne!(r.dir(), b);
        let r = resolve(b, b"sub/../sub/./f", true).unwrap();
        assert_eq!(r.name.as_bytes(), b"f");
        assert_eq!(resolve(b, b"sub/f/x", true).err(), Some(Errno::NOTDIR));
        assert_eq!(resolve(b, b"new", true).unwrap().name.as_bytes(), b"new");
        let _ = std::fs::remove_dir_all(&root);
    }
}
