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
//! The directories the walk opens are real children of one another (each
//! is opened by name, with `O_NOFOLLOW`, from the one before), so the
//! stack is the physical chain below the directory fd and its height is
//! the final directory's real depth. [`symlink_target_allowed`] uses that
//! depth to refuse, at creation, links whose target would climb out of
//! the directory fd: other programs on the host follow links with the
//! kernel, not with this resolver.
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
    /// How many directories below `base` the one holding `name` is (0:
    /// `base` itself). Physical, not lexical: see the module comment.
    pub(crate) depth: usize,
}

impl Resolved {
    /// The directory fd the path was resolved from.
    pub(crate) fn base(&self) -> RawFd {
        self.base
    }

    /// The directory fd to use with `name`.
    pub(crate) fn dir(&self) -> RawFd {
        self.opened.as_ref().map_or(self.base, AsRawFd::as_raw_fd)
    }
}

/// Splits a guest path into components, reporting whether it ended in a
/// separator or `.` (which makes the last component a directory).
///
/// `.` components are dropped, except a final one (`x/.`, `x/./`): it
/// keeps `x` from being the last component, so `x` must exist and be a
/// directory (`mkdir("x/.")` is `ENOENT` when `x` is missing, not a new
/// `x`; `rmdir("x/.")` is `EINVAL`, not a removal of `x`), as POSIX
/// resolves it.
fn components(path: &[u8]) -> (VecDeque<Vec<u8>>, bool) {
    let trimmed = trim_slashes(path);
    let trailing = trimmed.len() < path.len() || trimmed.ends_with(b"/.") || trimmed == b".";
    let mut comps: VecDeque<Vec<u8>> = trimmed
        .split(|b| *b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
        .collect();
    if trimmed.ends_with(b"/.") && !comps.is_empty() {
        comps.push_back(b".".to_vec());
    }
    (comps, trailing)
}

/// `path` without its trailing separators (a lone `/` stays).
fn trim_slashes(path: &[u8]) -> &[u8] {
    let mut end = path.len();
    while end > 1 && path[end - 1] == b'/' {
        end -= 1;
    }
    &path[..end]
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
    // The directory on top of the stack (or `base`) and `name` in it.
    let found = |mut stack: Vec<OwnedFd>, name: CString, must_be_dir: bool| Resolved {
        base,
        depth: stack.len(),
        opened: stack.pop(),
        name,
        must_be_dir,
    };
    loop {
        let Some(comp) = pending.pop_front() else {
            return Ok(found(stack, cstring(b".")?, true));
        };
        let last = pending.is_empty();
        if comp == b".." {
            if stack.pop().is_none() {
                return Err(Errno::NOTCAPABLE);
            }
            continue;
        }
        if comp == b"." {
            // Only a final `.` is kept (see `components`): the directory
            // reached so far is the result.
            continue;
        }
        let name = cstring(&comp)?;
        if last && !follow && !must_be_dir {
            return Ok(found(stack, name, must_be_dir));
        }
        let dir = cur(&stack);
        let st = match lstat_at(dir, &name) {
            Ok(st) => st,
            // A missing final component is what creating calls want.
            Err(Errno::NOENT) if last => return Ok(found(stack, name, must_be_dir)),
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
            libc::S_IFDIR => return Ok(found(stack, name, must_be_dir)),
            _ if last && !must_be_dir => return Ok(found(stack, name, must_be_dir)),
            _ => return Err(Errno::NOTDIR),
        }
    }
}

/// Whether `path` can only name a directory, by its spelling: it ends in
/// `/`, or its last component is `.` or `..`. Exactly the paths for which
/// [`resolve_entry`] answers `must_be_dir` (or fails), so a caller can skip
/// that walk for every other path.
pub(crate) fn names_a_directory(path: &[u8]) -> bool {
    let trimmed = trim_slashes(path);
    let last = trimmed.rsplit(|b| *b == b'/').next().unwrap_or_default();
    trimmed.len() < path.len() || last == b"." || last == b".."
}

/// Resolves `path` to the directory entry it names, never following a
/// final symlink, not even with a trailing `/`: what the calls that create,
/// remove or rename a name work on (`mkdir`, `rmdir`, `rename`, `symlink`,
/// `link` in POSIX, which do not follow the last component). A trailing
/// `/` is remembered in `must_be_dir`; a final `.` or `..` (`x/.`) names
/// the directory itself, as `.` in it.
pub(crate) fn resolve_entry(base: RawFd, path: &[u8]) -> Result<Resolved, Errno> {
    let trimmed = trim_slashes(path);
    let last = trimmed.rsplit(|b| *b == b'/').next().unwrap_or_default();
    if trimmed.len() == path.len() || last == b"." || last == b".." || trimmed == b"/" {
        return resolve(base, path, false);
    }
    let mut r = resolve(base, trimmed, false)?;
    r.must_be_dir = true;
    Ok(r)
}

/// Whether a symlink whose contents are `target`, placed `depth`
/// directories below a directory fd, stays inside that directory when the
/// kernel follows it — the rule for links a guest creates (`path_symlink`)
/// or moves (`path_rename`, `path_link`), since programs on the host
/// other than smelt follow them with the kernel:
///
/// - an absolute target is refused;
/// - `..` components may only lead the target, and at most `depth` of
///   them (`sub/l -> ../x` is fine, `l -> ../x` is not);
/// - a `..` after a name (`a/../x`) is refused: `a` may itself be a link,
///   and the kernel then climbs from wherever `a` points, not from here.
///
/// The names after the leading `..`s only descend; a link met among them
/// was itself checked by this rule, or was put there by the host (then
/// [`leads_out_through_links`] catches a way out through it).
pub(crate) fn symlink_target_allowed(target: &[u8], depth: usize) -> bool {
    if target.first() == Some(&b'/') {
        return false;
    }
    let mut climbs = 0usize;
    let mut descended = false;
    for comp in target.split(|b| *b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." if descended => return false,
            b".." => climbs += 1,
            _ => descended = true,
        }
    }
    climbs <= depth
}

/// Whether a symlink at `link_path` (relative to `base`) with contents
/// `target` would, followed now, leave `base` through links already there:
/// `l -> out/x` with a host-made `out -> ../outside` passes
/// [`symlink_target_allowed`] (it only descends) but a native follower of
/// `l` ends up outside. Refused too, so a guest never adds a way out; a
/// target that does not exist (yet) is fine, as a dangling link is.
pub(crate) fn leads_out_through_links(base: RawFd, link_path: &[u8], target: &[u8]) -> bool {
    let dir = match link_path.iter().rposition(|b| *b == b'/') {
        Some(i) => &link_path[..=i],
        None => &[][..],
    };
    let mut through = dir.to_vec();
    through.extend_from_slice(target);
    // Missing components, loops and non-directories end the walk inside.
    matches!(resolve(base, &through, true), Err(Errno::NOTCAPABLE))
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

    #[test]
    fn final_dot_needs_the_directory_and_depth_is_physical() {
        let root = std::env::temp_dir().join(format!("smelt-sandbox-dot-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("f"), "").unwrap();
        // A link to a deeper directory: names below it are at its real
        // depth, not one below the link.
        symlink("a/b", root.join("deep")).unwrap();
        let fd = open_dir(&root);
        let b = fd.as_raw_fd();
        // `missing/.` must not resolve to a creatable `missing`.
        assert_eq!(resolve(b, b"missing/.", false).err(), Some(Errno::NOENT));
        assert_eq!(resolve(b, b"f/.", false).err(), Some(Errno::NOTDIR));
        // `a/.` and `a/./` name `a` itself, as `.` inside it.
        for path in [&b"a/."[..], b"a/./"] {
            let r = resolve(b, path, false).unwrap();
            assert_eq!(
                (r.name.as_bytes(), r.depth, r.must_be_dir),
                (&b"."[..], 1, true)
            );
        }
        let r = resolve(b, b"a/", false).unwrap();
        assert_eq!((r.name.as_bytes(), r.depth), (&b"a"[..], 0));
        assert_eq!(resolve(b, b"x", false).unwrap().depth, 0);
        assert_eq!(resolve(b, b"a/b/x", false).unwrap().depth, 2);
        assert_eq!(resolve(b, b"a/../a/b/x", false).unwrap().depth, 2);
        assert_eq!(resolve(b, b"deep/x", false).unwrap().depth, 2);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn entries_are_never_followed() {
        let root = std::env::temp_dir().join(format!("smelt-sandbox-entry-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("d")).unwrap();
        symlink("d", root.join("ld")).unwrap();
        let fd = open_dir(&root);
        let b = fd.as_raw_fd();
        // With a trailing slash, a lookup follows `ld` to `d`; the entry
        // is `ld` itself, marked as needing to be a directory.
        assert_eq!(resolve(b, b"ld/", false).unwrap().name.as_bytes(), b"d");
        let r = resolve_entry(b, b"ld//").unwrap();
        assert_eq!((r.name.as_bytes(), r.must_be_dir), (&b"ld"[..], true));
        let r = resolve_entry(b, b"ld").unwrap();
        assert_eq!((r.name.as_bytes(), r.must_be_dir), (&b"ld"[..], false));
        let r = resolve_entry(b, b"d/./").unwrap();
        assert_eq!((r.name.as_bytes(), r.must_be_dir), (&b"."[..], true));
        assert_eq!(resolve_entry(b, b"/").err(), Some(Errno::NOTCAPABLE));
        assert_eq!(resolve_entry(b, b"../x/").err(), Some(Errno::NOTCAPABLE));
        assert_eq!(resolve_entry(b, b"").err(), Some(Errno::NOENT));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn paths_spelled_as_directories() {
        for p in [
            &b"d/"[..],
            b"d//",
            b"d/.",
            b"d/./",
            b".",
            b"..",
            b"a/..",
            b"a/../",
        ] {
            assert!(names_a_directory(p), "{}", String::from_utf8_lossy(p));
        }
        for p in [&b"d"[..], b"a/b", b"a/.b", b"a/..b", b"/"] {
            assert!(!names_a_directory(p), "{}", String::from_utf8_lossy(p));
        }
    }

    #[test]
    fn links_through_links_that_lead_out() {
        let root = std::env::temp_dir().join(format!("smelt-sandbox-thru-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("box/sub")).unwrap();
        std::fs::create_dir_all(root.join("outside")).unwrap();
        symlink("../outside", root.join("box/out")).unwrap();
        let fd = open_dir(&root.join("box"));
        let out = |link: &[u8], t: &[u8]| leads_out_through_links(fd.as_raw_fd(), link, t);
        assert!(out(b"l", b"out/secret"));
        assert!(out(b"sub/l", b"../out"));
        assert!(!out(b"l", b"sub/missing/x"));
        assert!(!out(b"sub/l", b"../sub"));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn symlink_targets_must_stay_below_the_directory_fd() {
        let ok = |t: &[u8], depth| symlink_target_allowed(t, depth);
        assert!(!ok(b"/", 0));
        assert!(!ok(b"/etc/passwd", 5));
        assert!(!ok(b"//x", 0));
        assert!(!ok(b"..", 0));
        assert!(!ok(b"../x", 0));
        assert!(ok(b"../x", 1));
        assert!(!ok(b"../../../etc", 2));
        assert!(ok(b"../../../etc", 3));
        assert!(ok(b"./.././x/", 1));
        assert!(ok(b"x/y/z", 0));
        assert!(ok(b"", 0));
        assert!(ok(b".", 0));
        // `..` after a name: refused whatever the depth.
        assert!(!ok(b"x/..", 4));
        assert!(!ok(b"../x/../y", 4));
    }
}
