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
    pub(crate) rights_base: u64,
    pub(crate) rights_inheriting: u64,
    /// The guest-visible name, for preopened directories.
    pub(crate) preopen: Option<Vec<u8>>,
    /// The listing `fd_readdir` hands out by cookie (= index); refreshed
    /// when a listing starts again at cookie 0.
    pub(crate) listing: Option<Vec<DirEntry>>,
}

impl Descriptor {
    pub(crate) fn new(fd: HostFd, rights_base: u64, rights_inheriting: u64) -> Descriptor {
        Descriptor {
            fd,
            rights_base,
            rights_inheriting,
            preopen: None,
            listing: None,
        }
    }

    pub(crate) fn raw(&self) -> RawFd {
        self.fd.raw()
    }
}

/// The fd table. Freed numbers are reused lowest first, as POSIX does.
#[derive(Default)]
pub(crate) struct FdTable {
    entries: Vec<Option<Descriptor>>,
}

impl FdTable {
    /// The descriptor `fd`, which must hold all of `rights`.
    pub(crate) fn get(&mut self, fd: u32, rights: u64) -> Result<&mut Descriptor, Errno> {
        let d = self
            .entries
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::BADF)?;
        if d.rights_base & rights != rights {
            return Err(Errno::NOTCAPABLE);
        }
        Ok(d)
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
        for _ in 0..3 {
            t.insert(Descriptor::new(HostFd::Borrowed(-1), abi::RIGHTS_ALL, 0))
                .unwrap();
        }
        t.remove(1).unwrap();
        assert_eq!(
            t.insert(Descriptor::new(HostFd::Borrowed(-1), 0, 0))
                .unwrap(),
            1
        );
        assert_eq!(t.get(1, abi::RIGHT_FD_READ).err(), Some(Errno::NOTCAPABLE));
        t.renumber(0, 2).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(0, 0).err(), Some(Errno::BADF));
        assert_eq!(t.renumber(0, 1), Err(Errno::BADF));
    }
}
