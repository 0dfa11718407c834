//! Linear memories.
//!
//! ```text
//!   Store ──> LinearMemory ──Arc──> MemoryInner
//!                                    ├── Mmap (reservation)
//!                                    │     [ accessible | inaccessible .......... ]
//!                                    │     ^ base       ^ base + length
//!                                    └── def: VMMemoryDefinition { base, length }
//!                                              ^
//!   vmctx.memories[i] ──points to──────────────┘  (defining and importing instances)
//!   vmctx.memory0_base = base (a copy: the base never moves)
//! ```
//!
//! A 32-bit memory reserves `MEMORY32_RESERVATION` of address space up
//! front; growing only makes more pages accessible, so the base never moves
//! and compiled code needs no bounds checks (see the compiler's bounds.rs).
//!
//! A shared memory (threads proposal) is the same object behind an `Arc`
//! that several stores, on several threads, hold at once
//! ([`SharedMemory`]); its length is updated atomically under a grow lock.

use crate::abi::{self, VMMemoryDefinition};
use crate::error::MemoryError;
use crate::sys::mmap::{Mmap, Protection, page_size};
use crate::types::MemoryType;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Absolute limit on 32-bit memories (4 GiB).
const MAX_PAGES_32: u64 = 1 << 16;

/// Layout-compatible with `VMMemoryDefinition`, with an atomic length so
/// shared memories can grow while other threads read it.
#[repr(C)]
#[derive(Debug)]
struct Definition {
    base: *mut u8,
    length: AtomicUsize,
}

const _: () =
    assert!(std::mem::size_of::<Definition>() == std::mem::size_of::<VMMemoryDefinition>());
const _: () = assert!(std::mem::offset_of!(Definition, length) == abi::VMMEMORY_LENGTH as usize);

#[derive(Debug)]
struct MemoryInner {
    mmap: Mmap,
    def: Definition,
    ty: MemoryType,
    /// The largest size this memory may reach, in bytes.
    max_bytes: u64,
    /// Whether the reservation includes the guard region that guard-mode
    /// code relies on.
    guarded: bool,
    /// Serializes `grow` (shared memories grow from several threads).
    grow_lock: Mutex<()>,
    /// The host's heap in this memory (see allocator.rs); empty until used.
    heap: Mutex<crate::allocator::Heap>,
}

// SAFETY: the definition's base points into `mmap`, owned by this value;
// the length is atomic and growth is serialized by `grow_lock`. Concurrent
// access to the bytes is the guest's business (wasm's shared-memory
// semantics), exactly as with any other engine.
unsafe impl Send for MemoryInner {}
// SAFETY: as above.
unsafe impl Sync for MemoryInner {}

/// A memory as a store holds it.
#[derive(Debug, Clone)]
pub(crate) struct LinearMemory(Arc<MemoryInner>);

/// A shared memory that can be sent to other threads and imported into
/// instances of other stores (threads proposal).
#[derive(Debug, Clone)]
pub struct SharedMemory(pub(crate) LinearMemory);

impl SharedMemory {
    /// Creates a shared memory; `ty` must be shared and have a maximum.
    pub fn new(ty: MemoryType) -> Result<SharedMemory, MemoryError> {
        SharedMemory::with_limit(ty, None)
    }

    /// Creates a shared memory that never grows past `limit_pages` (a
    /// store's `max_memory_pages`); a minimum above it is an error.
    pub fn with_limit(
        ty: MemoryType,
        limit_pages: Option<u64>,
    ) -> Result<SharedMemory, MemoryError> {
        if !ty.shared || ty.limits.max.is_none() {
            return Err(MemoryError::NotShared);
        }
        Ok(SharedMemory(LinearMemory::new(ty, limit_pages, true)?))
    }

    pub fn ty(&self) -> MemoryType {
        self.0.0.ty
    }

    /// Current size in pages.
    pub fn size(&self) -> u64 {
        self.0.pages()
    }

    /// The memory's base address and current length in bytes. Other
    /// threads may be reading and writing it concurrently.
    pub fn raw(&self) -> (*mut u8, usize) {
        (self.0.base(), self.0.byte_len())
    }
}

impl LinearMemory {
    /// Creates a memory of type `ty`, with at most `limit_pages` pages if
    /// the embedder set a resource limit. With `guarded`, a 32-bit memory
    /// reserves the full guard region; without, only its maximum size
    /// (enough for code compiled with explicit bounds checks).
    pub(crate) fn new(
        ty: MemoryType,
        limit_pages: Option<u64>,
        guarded: bool,
    ) -> Result<LinearMemory, MemoryError> {
        let page = 1u64 << ty.page_size_log2;
        let absolute_max_bytes = if ty.memory64 {
            // Reserve what a 64-bit memory may grow to, capped so that the
            // reservation stays reasonable (explicit bounds checks apply).
            1u64 << 36
        } else {
            MAX_PAGES_32 * abi::WASM_PAGE_SIZE
        };
        let mut max_bytes = ty
            .limits
            .max
            .map_or(absolute_max_bytes, |m| m.saturating_mul(page))
            .min(absolute_max_bytes);
        if let Some(l) = limit_pages {
            max_bytes = max_bytes.min(l.saturating_mul(page));
        }
        let min_bytes = ty.limits.min.saturating_mul(page);
        if min_bytes > max_bytes {
            return Err(MemoryError::MinimumExceedsLimit {
                pages: ty.limits.min,
            });
        }
        let guarded = guarded && !ty.memory64;
        let reserve = if guarded {
            abi::MEMORY32_RESERVATION + abi::MEMORY32_RESERVATION_SLACK
        } else {
            max_bytes.next_multiple_of(page_size() as u64)
        };
        let mmap = Mmap::reserve(reserve as usize).map_err(MemoryError::Reserve)?;
        mmap.prefer_huge_pages();
        mmap.protect(
            0,
            (min_bytes as usize).next_multiple_of(page_size()),
            Protection::ReadWrite,
        )
        .map_err(MemoryError::Commit)?;
        let def = Definition {
            base: mmap.as_ptr(),
            length: AtomicUsize::new(min_bytes as usize),
        };
        Ok(LinearMemory(Arc::new(MemoryInner {
            mmap,
            def,
            ty,
            max_bytes,
            guarded,
            grow_lock: Mutex::new(()),
            heap: Mutex::new(crate::allocator::Heap::default()),
        })))
    }

    pub(crate) fn ty(&self) -> MemoryType {
        self.0.ty
    }

    pub(crate) fn guarded(&self) -> bool {
        self.0.guarded
    }

    /// The definition compiled code reads.
    pub(crate) fn definition(&self) -> *const VMMemoryDefinition {
        (&raw const self.0.def).cast()
    }

    pub(crate) fn base(&self) -> *mut u8 {
        self.0.def.base
    }

    pub(crate) fn byte_len(&self) -> usize {
        self.0.def.length.load(Ordering::Acquire)
    }

    pub(crate) fn pages(&self) -> u64 {
        self.byte_len() as u64 >> self.0.ty.page_size_log2
    }

    /// `memory.grow`: the old size in pages, or `None` when refused.
    pub(crate) fn grow(&self, delta: u64) -> Option<u64> {
        let inner = &self.0;
        let _guard = inner.grow_lock.lock().unwrap_or_else(|e| e.into_inner());
        let old = self.pages();
        let new = old.checked_add(delta)?;
        let new_bytes = new.checked_mul(1 << inner.ty.page_size_log2)?;
        if new_bytes > inner.max_bytes {
            return None;
        }
        let old_bytes = self.byte_len();
        let start = old_bytes.next_multiple_of(page_size());
        let end = (new_bytes as usize).next_multiple_of(page_size());
        if end > start {
            inner
                .mmap
                .protect(start, end - start, Protection::ReadWrite)
                .ok()?;
        }
        inner
            .def
            .length
            .store(new_bytes as usize, Ordering::Release);
        Some(old)
    }

    /// The accessible bytes.
    pub(crate) fn data(&self) -> &[u8] {
        // SAFETY: [base, base + length) is mapped read-write and owned by
        // us; for shared memories other threads may write concurrently,
        // which is the guest's documented shared-memory semantics.
        unsafe { std::slice::from_raw_parts(self.base(), self.byte_len()) }
    }

    /// The accessible bytes, mutably.
    #[allow(
        clippy::mut_from_ref,
        reason = "the store hands out one borrow at a time; shared memories are racy by definition"
    )]
    pub(crate) fn data_mut(&self) -> &mut [u8] {
        // SAFETY: as in `data`; the store's `&mut` borrow rules keep host
        // code from aliasing this slice.
        unsafe { std::slice::from_raw_parts_mut(self.base(), self.byte_len()) }
    }

    /// The host heap's bookkeeping for this memory.
    pub(crate) fn heap(&self) -> &Mutex<crate::allocator::Heap> {
        &self.0.heap
    }

    /// Whether two handles are the same memory.
    pub(crate) fn same(&self, other: &LinearMemory) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The VmFlags of the mapping in /proc/self/smaps that holds `addr`.
    fn vm_flags(addr: usize) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("read /proc/self/smaps");
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split_whitespace().next().unwrap_or("");
            if let Some((start, end)) = range.split_once('-')
                && let (Ok(start), Ok(end)) = (
                    usize::from_str_radix(start, 16),
                    usize::from_str_radix(end, 16),
                )
            {
                inside = (start..end).contains(&addr);
            } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                return flags.to_string();
            }
        }
        panic!("no mapping holds {addr:#x}");
    }

    #[test]
    fn linear_memory_asks_for_transparent_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            eprintln!("kernel without transparent huge pages: nothing to check");
            return;
        }
        // 4 MiB accessible, in the full guarded reservation and in an
        // explicit-bounds one.
        for guarded in [true, false] {
            let memory = LinearMemory::new(MemoryType::new(64, Some(128)), None, guarded).unwrap();
            let flags = vm_flags(memory.base() as usize);
            assert!(
                flags.split_whitespace().any(|f| f == "hg"),
                "guarded={guarded}: VmFlags{flags} lacks hg (MADV_HUGEPAGE)"
            );
            // Growing keeps the advice (mprotect splits the mapping).
            assert_eq!(memory.grow(32), Some(64));
            let flags = vm_flags(memory.base() as usize + 64 * 65536);
            assert!(
                flags.split_whitespace().any(|f| f == "hg"),
                "after grow: {flags}"
            );
        }
    }
}
