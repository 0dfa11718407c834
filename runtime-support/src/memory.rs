//! Linear memories.
//!
//! ```text
//!   Store ──owns──> LinearMemory ──owns──> Mmap (reservation)
//!                        │                   [ accessible | inaccessible ...... ]
//!                        │                   ^ base       ^ base + length
//!                        └──owns──> Box<VMMemoryDefinition { base, length }>
//!                                        ^
//!   vmctx.memories[i] ──points to────────┘   (defining and importing instances)
//!   vmctx.memory0_base = base (a copy: the base never moves)
//! ```
//!
//! A 32-bit memory reserves `MEMORY32_RESERVATION` of address space up
//! front; growing only makes more pages accessible, so the base never moves
//! and compiled code needs no bounds checks (see the compiler's bounds.rs).

use crate::abi::{self, VMMemoryDefinition};
use crate::sys::mmap::{Mmap, Protection, page_size};
use crate::types::MemoryType;

/// Absolute limit on 32-bit memories (4 GiB).
const MAX_PAGES_32: u64 = 1 << 16;

#[derive(Debug)]
pub(crate) struct LinearMemory {
    mmap: Mmap,
    pub(crate) def: Box<VMMemoryDefinition>,
    pub(crate) ty: MemoryType,
    /// The largest size this memory may reach, in bytes.
    max_bytes: u64,
    /// Whether the reservation includes the guard region that guard-mode
    /// code relies on.
    pub(crate) guarded: bool,
}

// SAFETY: the definition's base points into `mmap`, owned by this value.
unsafe impl Send for LinearMemory {}

impl LinearMemory {
    /// Creates a memory of type `ty`, with at most `limit_pages` pages if
    /// the embedder set a resource limit. With `guarded`, a 32-bit memory
    /// reserves the full guard region; without, only its maximum size
    /// (enough for code compiled with explicit bounds checks).
    pub(crate) fn new(
        ty: MemoryType,
        limit_pages: Option<u64>,
        guarded: bool,
    ) -> Result<LinearMemory, String> {
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
            return Err(format!(
                "memory minimum of {} pages exceeds the limit",
                ty.limits.min
            ));
        }
        let guarded = guarded && !ty.memory64;
        let reserve = if guarded {
            abi::MEMORY32_RESERVATION + abi::MEMORY32_RESERVATION_SLACK
        } else {
            max_bytes.next_multiple_of(page_size() as u64)
        };
        let mmap =
            Mmap::reserve(reserve as usize).map_err(|e| format!("cannot reserve memory: {e}"))?;
        mmap.protect(
            0,
            (min_bytes as usize).next_multiple_of(page_size()),
            Protection::ReadWrite,
        )
        .map_err(|e| format!("cannot commit memory: {e}"))?;
        let def = Box::new(VMMemoryDefinition {
            base: mmap.as_ptr(),
            length: min_bytes as usize,
        });
        Ok(LinearMemory {
            mmap,
            def,
            ty,
            max_bytes,
            guarded,
        })
    }

    pub(crate) fn base(&self) -> *mut u8 {
        self.def.base
    }

    pub(crate) fn byte_len(&self) -> usize {
        self.def.length
    }

    pub(crate) fn pages(&self) -> u64 {
        self.def.length as u64 >> self.ty.page_size_log2
    }

    /// `memory.grow`: the old size in pages, or `None` when refused.
    pub(crate) fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        let new_bytes = new.checked_mul(1 << self.ty.page_size_log2)?;
        if new_bytes > self.max_bytes {
            return None;
        }
        let old_bytes = self.def.length;
        let start = old_bytes.next_multiple_of(page_size());
        let end = (new_bytes as usize).next_multiple_of(page_size());
        if end > start {
            self.mmap
                .protect(start, end - start, Protection::ReadWrite)
                .ok()?;
        }
        self.def.length = new_bytes as usize;
        Some(old)
    }

    /// The accessible bytes.
    pub(crate) fn data(&self) -> &[u8] {
        // SAFETY: [base, base + length) is mapped read-write and owned by us.
        unsafe { std::slice::from_raw_parts(self.def.base, self.def.length) }
    }

    /// The accessible bytes, mutably.
    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, and `&mut self` gives exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.def.base, self.def.length) }
    }
}
