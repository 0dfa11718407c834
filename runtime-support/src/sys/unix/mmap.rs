//! Virtual memory: reservations that start inaccessible and are made
//! accessible (or executable) page range by page range.

use std::io;
use std::ptr::NonNull;

/// The system page size.
pub(crate) fn page_size() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    match PAGE.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf has no preconditions.
            let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
            PAGE.store(p, Ordering::Relaxed);
            p
        }
        p => p,
    }
}

/// An owned anonymous mapping, unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mmap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; moving the
// owner between threads is fine (accesses are synchronized by its users).
unsafe impl Send for Mmap {}
// SAFETY: `&Mmap` only exposes the address and length.
unsafe impl Sync for Mmap {}

/// Access rights for a page range. Only the in-process loader maps
/// read-only and executable pages.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "loader"), allow(dead_code))]
pub(crate) enum Protection {
    ReadOnly,
    ReadWrite,
    Execute,
}

impl Protection {
    fn bits(self) -> libc::c_int {
        match self {
            Protection::ReadOnly => libc::PROT_READ,
            Protection::ReadWrite => libc::PROT_READ | libc::PROT_WRITE,
            Protection::Execute => libc::PROT_READ | libc::PROT_EXEC,
        }
    }
}

impl Mmap {
    /// Reserves `len` bytes (rounded up to pages) of inaccessible address
    /// space. No memory is committed until pages are made accessible.
    pub(crate) fn reserve(len: usize) -> io::Result<Mmap> {
        let len = len.next_multiple_of(page_size()).max(page_size());
        // SAFETY: an anonymous private mapping at a kernel-chosen address
        // does not alias anything.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mmap {
            ptr: NonNull::new(ptr.cast()).expect("mmap never returns null on success"),
            len,
        })
    }

    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Size of the reservation in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Asks for transparent huge pages over the whole mapping, for large
    /// memories that are mostly touched: one TLB entry per 2 MiB instead of
    /// per 4 KiB, and 512 times fewer page faults. Only a hint: where the
    /// kernel has THP off (or always on), or on other systems, it changes
    /// nothing, and small accessible ranges keep small pages.
    pub(crate) fn prefer_huge_pages(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        // SAFETY: advice on our own mapping; MADV_HUGEPAGE changes neither
        // contents nor protections.
        unsafe {
            libc::madvise(self.ptr.as_ptr().cast(), self.len, libc::MADV_HUGEPAGE);
        }
    }

    /// Changes the protection of `[offset, offset + len)` (page aligned).
    pub(crate) fn protect(&self, offset: usize, len: usize, prot: Protection) -> io::Result<()> {
        assert!(offset.is_multiple_of(page_size()) && offset + len <= self.len);
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range is inside our own mapping (asserted above).
        let r = unsafe { libc::mprotect(self.ptr.as_ptr().add(offset).cast(), len, prot.bits()) };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: we own the mapping and nothing refers to it any more.
        let r = unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
        debug_assert_eq!(r, 0, "munmap failed");
    }
}
