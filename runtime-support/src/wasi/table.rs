//! The guest's file descriptor table: WASI fd number -> host descriptor
//! plus the rights the guest holds on it.

use super::abi;
use super::errno::Errno;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// A host file descriptor: owned (closed when the guest closes it) or
/// borrowed from the process (inherited stdio, which must stay open).
pub(crate) enum HostFd {
    Owned(OwnedFd),
    Borrowed(RawFd),
}

impl HostFd {
    pub(crate) fn raw(&self) -> RawFd {
        match self {
            HostFd::Owned(fd) => fd.as_raw_fd(),
            HostFd::Borrowed(fd) => *fd,
        }
    }
}

/// One entry of a directory listing, as `fd_readdir` reports it.
pub(crate) struct DirEntry {
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
    pub(crate) name: Vec<u8>,
}

/// What a WASI fd refers to.
pub(crate) struct Descriptor {
    pub(crate) fd: HostFd,
    /// The WASI filetype, fixed when the fd is made (a host fd never
    /// changes type): directories and sockets are told apart from files
    /// before any rights check, for the errnos Wasmtime gives.
    pub(crate) filetype: u8,
    pub(crate) rights_base: u64,
    pub(crate) rights_inheriting: u64,
    /// The guest-visible name, for preopened directories.
    pub(crate) preopen: Option<Vec<u8>>,
    /// The listing `fd_readdir` hands out by cookie (= index); refreshed
    /// when a listing starts again at cookie 0.
    pub(crate) listing: Option<Vec<DirEntry>>,
}

impl Descriptor {
    pub(crate) fn new(
        fd: HostFd,
        filetype: u8,
        rights_base: u64,
        rights_inheriting: u64,
    ) -> Descriptor {
        Descriptor {
            fd,
            filetype,
            rights_base,
            rights_inheriting,
            preopen: None,
            listing: None,
        }
    }

    pub(crate) fn raw(&self) -> RawFd {
        self.fd.raw()
    }

    pub(crate) fn is_dir(&self) -> bool {
        self.filetype == abi::FILETYPE_DIRECTORY
    }

    fn is_socket(&self) -> bool {
        matches!(
            self.filetype,
            abi::FILETYPE_SOCKET_STREAM | abi::FILETYPE_SOCKET_DGRAM
        )
    }
}

/// The fd table. Freed numbers are reused lowest first, as POSIX does.
#[derive(Default)]
pub(crate) struct FdTable {
    entries: Vec<Option<Descriptor>>,
}

impl FdTable {
    /// The descriptor `fd`, which must hold all of `rights`: `EBADF` if
    /// there is none, or if the call does not apply to its kind (file data
    /// on a directory, paths or listings on anything else: Wasmtime's
    /// errno, whatever the rights), else `ENOTCAPABLE` for a missing right.
    pub(crate) fn get(&mut self, fd: u32, rights: u64) -> Result<&mut Descriptor, Errno> {
        let d = self
            .entries
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::BADF)?;
        let foreign = if d.is_dir() {
            abi::RIGHTS_FILE_ONLY
        } else {
            abi::RIGHTS_DIRECTORY_ONLY
        };
        if rights & foreign != 0 {
            return Err(Errno::BADF);
        }
        if d.rights_base & rights != rights {
            return Err(Errno::NOTCAPABLE);
        }
        Ok(d)
    }

    /// The directory `fd` a path is resolved from (`path_open`):
    /// `ENOTDIR` for anything but a directory, as `openat(2)` says.
    pub(crate) fn get_dir(&mut self, fd: u32, rights: u64) -> Result<&mut Descriptor, Errno> {
        if !self.get(fd, 0)?.is_dir() {
            return Err(Errno::NOTDIR);
        }
        self.get(fd, rights)
    }

    /// The descriptor `fd` for a `sock_*` call: `ENOTSOCK` unless it is a
    /// socket, before its rights are looked at.
    pub(crate) fn get_socket(&mut self, fd: u32, rights: u64) -> Result<&mut Descriptor, Errno> {
        if !self.get(fd, 0)?.is_socket() {
            return Err(Errno::NOTSOCK);
        }
        self.get(fd, rights)
    }

    /// Adds `d` at the lowest free number.
    pub(crate) fn insert(&mut self, d: Descriptor) -> Result<u32, Errno> {
        let slot = match self.entries.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.entries.push(None);
                self.entries.len() - 1
            }
        };
        self.entries[slot] = Some(d);
        u32::try_from(slot).map_err(|_| Errno::MFILE)
    }

    /// Removes `fd` (closing it if owned).
    pub(crate) fn remove(&mut self, fd: u32) -> Result<Descriptor, Errno> {
        self.entries
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::BADF)
    }

    /// `fd_renumber`: moves `from` onto `to`, closing what `to` held. Both
    /// must be open.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from, 0)?;
        self.get(to, 0)?;
        if from == to {
            return Ok(());
        }
        let d = self.remove(from)?;
        self.entries[to as usize] = Some(d);
        Ok(())
    }

    /// All open fds (for tests and diagnostics).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.iter().filter(|e| e.is_some()).count()
    }
}

/// The WASI filetype of a host `st_mode`.
pub(crate) fn filetype_of_mode(mode: libc::mode_t) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFREG => abi::FILETYPE_REGULAR_FILE,
        libc::S_IFDIR => abi::FILETYPE_DIRECTORY,
        libc::S_IFLNK => abi::FILETYPE_SYMBOLIC_LINK,
        libc::S_IFCHR => abi::FILETYPE_CHARACTER_DEVICE,
        libc::S_IFBLK => abi::FILETYPE_BLOCK_DEVICE,
        // Sockets are refined by `SO_TYPE` where the fd is at hand.
        libc::S_IFSOCK => abi::FILETYPE_SOCKET_STREAM,
        _ => abi::FILETYPE_UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_free_slot_and_renumber() {
        let mut t = FdTable::default();
        let file = abi::FILETYPE_REGULAR_FILE;
        for _ in 0..3 {
            t.insert(Descriptor::new(
                HostFd::Borrowed(-1),
                file,
                abi::RIGHTS_ALL,
                0,
            ))
            .unwrap();
        }
        t.remove(1).unwrap();
        assert_eq!(
            t.insert(Descriptor::new(HostFd::Borrowed(-1), file, 0, 0))
                .unwrap(),
            1
        );
        assert_eq!(t.get(1, abi::RIGHT_FD_READ).err(), Some(Errno::NOTCAPABLE));
        t.renumber(0, 2).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(0, 0).err(), Some(Errno::BADF));
        assert_eq!(t.renumber(0, 1), Err(Errno::BADF));
    }

    #[test]
    fn directories_and_sockets_are_told_apart_before_rights() {
        let mut t = FdTable::default();
        let dir = Descriptor::new(
            HostFd::Borrowed(-1),
            abi::FILETYPE_DIRECTORY,
            abi::RIGHTS_ALL,
            0,
        );
        let dir = t.insert(dir).unwrap();
        let file = Descriptor::new(HostFd::Borrowed(-1), abi::FILETYPE_REGULAR_FILE, 0, 0);
        let file = t.insert(file).unwrap();
        let sock = Descriptor::new(HostFd::Borrowed(-1), abi::FILETYPE_SOCKET_STREAM, 0, 0);
        let sock = t.insert(sock).unwrap();
        // A directory is EBADF for file calls even with every right.
        assert_eq!(t.get(dir, abi::RIGHT_FD_READ).err(), Some(Errno::BADF));
        assert_eq!(
            t.get(file, abi::RIGHT_FD_READ).err(),
            Some(Errno::NOTCAPABLE)
        );
        assert_eq!(t.get(9, 0).err(), Some(Errno::BADF));
        assert_eq!(t.get_socket(dir, 0).err(), Some(Errno::NOTSOCK));
        assert_eq!(t.get_socket(file, 0).err(), Some(Errno::NOTSOCK));
        assert_eq!(
            t.get_socket(sock, abi::RIGHT_SOCK_SHUTDOWN).err(),
            Some(Errno::NOTCAPABLE)
        );
        assert_eq!(t.get_socket(9, 0).err(), Some(Errno::BADF));
        assert!(t.get_socket(sock, 0).is_ok());
    }
}
