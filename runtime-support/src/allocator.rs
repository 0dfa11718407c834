//! A heap allocator for the host, in a module's linear memory.
//!
//! A host often has to hand a module a buffer (a string, an image) that the
//! module reads at some address of its memory. If the module exports its
//! own allocator (`malloc`/`free`, or the component model's
//! `cabi_realloc`), **use that**: the module's allocator knows which memory
//! the module's own code uses, and memory it hands out can be freed by the
//! module itself (`free(ptr)` inside wasm). This heap is for the other
//! cases: a module with no allocator export (hand-written wat, `-nostdlib`
//! C, a module that only takes `(ptr, len)` arguments), or memory the host
//! creates and imports into modules, where the host owns the layout.
//!
//! The heap never takes memory the module may be using: it manages only
//!
//! - pages it adds itself with `memory.grow` when it runs out, and
//! - regions the host hands it explicitly ([`Memory::add_heap_region`]),
//!   e.g. a whole memory the host created for buffers.
//!
//! ```text
//!  linear memory
//!  0          module's data, stack, own heap     old length          new length
//!  [..........................................][ heap region added by grow ]
//!                                               [used][free ][used ][free  ]
//! ```
//!
//! Its bookkeeping lives in the host, not in linear memory: a guest that
//! scribbles over its memory can corrupt the bytes of a buffer, but never
//! the allocator's state, so `free` can tell a double free or a bad address
//! from a good one every time. The free list is ordered by address;
//! allocation is first fit (the lowest block that fits), splitting the
//! block; freeing coalesces the block with free neighbours. Block starts
//! and sizes are multiples of 8 (the minimum alignment), and the heap never
//! returns address 0 (which a C guest reads as NULL). One heap belongs to
//! each memory, shared by every handle to it, so a shared memory's heap
//! may be used from several threads (a lock serializes it).
//!
//! [`Memory::add_heap_region`]: crate::Memory::add_heap_region

use crate::externals::Memory;
use crate::memory::{LinearMemory, SharedMemory};
use crate::store::AsStoreMut;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Alignment (and size granule) of every block.
pub const MIN_ALIGN: u64 = 8;

/// Why an allocation or a free failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// No free block fits and the memory cannot grow enough (its maximum
    /// or the store's limit is reached).
    OutOfMemory {
        /// The size that was asked for.
        size: u64,
    },
    /// `free` of an address whose block is already free.
    DoubleFree(u64),
    /// `free` of an address the heap never returned: inside a block, or
    /// outside the heap.
    InvalidAddress(u64),
    /// An alignment that is not a power of two.
    InvalidAlignment(u64),
    /// A region for [`Memory::add_heap_region`] that is outside the
    /// memory or overlaps the heap.
    ///
    /// [`Memory::add_heap_region`]: crate::Memory::add_heap_region
    InvalidRegion {
        /// Start of the region.
        start: u64,
        /// Length of the region.
        len: u64,
    },
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::OutOfMemory { size } => write!(
                f,
                "out of memory: no free block of {size} bytes and the memory cannot grow enough"
            ),
            AllocError::DoubleFree(a) => write!(f, "double free of address {a:#x}"),
            AllocError::InvalidAddress(a) => write!(
                f,
                "free of address {a:#x}, which is not the start of a block the heap allocated"
            ),
            AllocError::InvalidAlignment(a) => {
                write!(f, "alignment {a} is not a power of two")
            }
            AllocError::InvalidRegion { start, len } => write!(
                f,
                "heap region {start:#x}+{len:#x} is outside the memory or overlaps the heap"
            ),
        }
    }
}

impl std::error::Error for AllocError {}

/// The allocator's bookkeeping: which parts of the managed regions are
/// free and which are allocated.
#[derive(Debug, Default)]
pub(crate) struct Heap {
    /// Free blocks, start -> length. Never two adjacent ones (they are
    /// coalesced).
    free: BTreeMap<u64, u64>,
    /// Allocated blocks, start -> length (rounded up).
    used: BTreeMap<u64, u64>,
    /// Starts of blocks freed since; `free` of one of these is a double
    /// free. An address leaves the set when an allocation covers it again.
    freed: BTreeSet<u64>,
}

impl Heap {
    /// Adds `[start, start + len)` to the heap, trimmed to `MIN_ALIGN`
    /// boundaries and never including address 0.
    pub(crate) fn add_region(&mut self, start: u64, len: u64) -> Result<(), AllocError> {
        let invalid = AllocError::InvalidRegion { start, len };
        let end = start.checked_add(len).ok_or(invalid.clone())?;
        let start_a = start.max(MIN_ALIGN).next_multiple_of(MIN_ALIGN);
        let end_a = end - end % MIN_ALIGN;
        let overlaps = |map: &BTreeMap<u64, u64>| {
            map.range(..end)
                .next_back()
                .is_some_and(|(s, l)| s + l > start)
        };
        if overlaps(&self.free) || overlaps(&self.used) {
            return Err(invalid);
        }
        if end_a <= start_a {
            return Ok(());
        }
        self.insert_free(start_a, end_a - start_a);
        Ok(())
    }

    /// Allocates `size` bytes aligned to `align` from the free list (first
    /// fit), or `None` if no free block fits.
    pub(crate) fn alloc(&mut self, size: u64, align: u64) -> Result<Option<u64>, AllocError> {
        if !align.is_power_of_two() {
            return Err(AllocError::InvalidAlignment(align));
        }
        let align = align.max(MIN_ALIGN);
        let Some(size) = size.max(1).checked_next_multiple_of(MIN_ALIGN) else {
            return Ok(None);
        };
        let found = self.free.iter().find_map(|(&start, &len)| {
            let at = start.checked_next_multiple_of(align)?;
            let end = at.checked_add(size)?;
            (end <= start + len).then_some((start, len, at))
        });
        let Some((start, len, at)) = found else {
            return Ok(None);
        };
        // Split: what is left before and after the block stays free.
        self.free.remove(&start);
        if at > start {
            self.free.insert(start, at - start);
        }
        let end = at + size;
        if end < start + len {
            self.free.insert(end, start + len - end);
        }
        self.used.insert(at, size);
        let reused: Vec<u64> = self.freed.range(at..end).copied().collect();
        for a in reused {
            self.freed.remove(&a);
        }
        Ok(Some(at))
    }

    /// Frees the block at `addr`, coalescing it with free neighbours.
    pub(crate) fn free(&mut self, addr: u64) -> Result<(), AllocError> {
        let Some(len) = self.used.remove(&addr) else {
            return Err(if self.freed.contains(&addr) {
                AllocError::DoubleFree(addr)
            } else {
                AllocError::InvalidAddress(addr)
            });
        };
        self.freed.insert(addr);
        self.insert_free(addr, len);
        Ok(())
    }

    /// Adds a free block, merging it with the blocks right before and
    /// right after it.
    fn insert_free(&mut self, mut start: u64, mut len: u64) {
        if let Some((&p, &plen)) = self.free.range(..start).next_back()
            && p + plen == start
        {
            self.free.remove(&p);
            start = p;
            len += plen;
        }
        if let Some(nlen) = self.free.remove(&(start + len)) {
            len += nlen;
        }
        self.free.insert(start, len);
    }

    /// The allocated block containing `addr`, if any: `(start, len)`.
    #[cfg(test)]
    fn block_at(&self, addr: u64) -> Option<(u64, u64)> {
        let (&s, &l) = self.used.range(..=addr).next_back()?;
        (addr < s + l).then_some((s, l))
    }

    #[cfg(test)]
    fn free_blocks(&self) -> Vec<(u64, u64)> {
        self.free.iter().map(|(s, l)| (*s, *l)).collect()
    }
}

/// How many bytes to add so that an allocation of `size` at `align`
/// surely fits in a fresh region of that many bytes.
fn growth_needed(size: u64, align: u64) -> Option<u64> {
    size.max(1)
        .checked_next_multiple_of(MIN_ALIGN)?
        .checked_add(align.max(MIN_ALIGN))
}

impl LinearMemory {
    /// Allocates from this memory's heap, growing the memory when no free
    /// block fits.
    pub(crate) fn heap_alloc(&self, size: u64, align: u64) -> Result<u64, AllocError> {
        let mut heap = self.heap().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = heap.alloc(size, align)? {
            return Ok(at);
        }
        let oom = AllocError::OutOfMemory { size };
        let need = growth_needed(size, align).ok_or(oom.clone())?;
        let page = 1u64 << self.ty().page_size_log2;
        let pages = need.div_ceil(page);
        let old = self.grow(pages).ok_or(oom.clone())?;
        heap.add_region(old * page, pages * page)
            .map_err(|_| oom.clone())?;
        heap.alloc(size, align)?.ok_or(oom)
    }

    pub(crate) fn heap_free(&self, addr: u64) -> Result<(), AllocError> {
        let mut heap = self.heap().lock().unwrap_or_else(|e| e.into_inner());
        heap.free(addr)
    }

    pub(crate) fn heap_add_region(&self, start: u64, len: u64) -> Result<(), AllocError> {
        let invalid = AllocError::InvalidRegion { start, len };
        if start
            .checked_add(len)
            .is_none_or(|end| end > self.byte_len() as u64)
        {
            return Err(invalid);
        }
        let mut heap = self.heap().lock().unwrap_or_else(|e| e.into_inner());
        heap.add_region(start, len)
    }
}

impl Memory {
    /// Allocates `size` bytes aligned to `align` (a power of two; at least
    /// 8 is used) in this memory, growing it when needed, and returns the
    /// block's address in the memory.
    ///
    /// The heap uses only pages it adds itself with `memory.grow` and
    /// regions given with [`Memory::add_heap_region`], never memory the
    /// module may be using, and keeps its bookkeeping outside linear
    /// memory: first fit from an address-ordered free list, blocks split
    /// and coalesced with free neighbours. If the module exports its own
    /// allocator (`malloc`/`free`, `cabi_realloc`), prefer that: the
    /// module can then free or reallocate the buffer itself.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use smelt_runtime::{Memory, Store}; let mut store = Store::new();
    /// # let memory: Memory = unimplemented!();
    /// let text = b"hello";
    /// let ptr = memory.alloc(&mut store, text.len() as u64, 1)?;
    /// memory.write(&mut store, ptr, text)?;
    /// // ... pass (ptr, len) to the module ...
    /// memory.free(&mut store, ptr)?;
    /// # Ok(()) }
    /// ```
    pub fn alloc(&self, store: impl AsStoreMut, size: u64, align: u64) -> Result<u64, AllocError> {
        self.linear(store).heap_alloc(size, align)
    }

    /// Frees a block [`Memory::alloc`] returned.
    pub fn free(&self, store: impl AsStoreMut, addr: u64) -> Result<(), AllocError> {
        self.linear(store).heap_free(addr)
    }

    /// Hands `[start, start + len)` of this memory to the heap, e.g. all
    /// of a memory the host created only for buffers. The region must be
    /// inside the memory and not overlap the heap.
    pub fn add_heap_region(
        &self,
        store: impl AsStoreMut,
        start: u64,
        len: u64,
    ) -> Result<(), AllocError> {
        self.linear(store).heap_add_region(start, len)
    }
}

impl SharedMemory {
    /// [`Memory::alloc`] for a shared memory, from any thread.
    pub fn alloc(&self, size: u64, align: u64) -> Result<u64, AllocError> {
        self.0.heap_alloc(size, align)
    }

    /// [`Memory::free`] for a shared memory, from any thread.
    pub fn free(&self, addr: u64) -> Result<(), AllocError> {
        self.0.heap_free(addr)
    }

    /// [`Memory::add_heap_region`] for a shared memory.
    pub fn add_heap_region(&self, start: u64, len: u64) -> Result<(), AllocError> {
        self.0.heap_add_region(start, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heap(start: u64, len: u64) -> Heap {
        let mut h = Heap::default();
        h.add_region(start, len).unwrap();
        h
    }

    /// Free blocks are sorted, disjoint, never adjacent, and disjoint from
    /// the used blocks; together they cover exactly `total` bytes.
    fn check_invariants(h: &Heap, total: u64) {
        let mut all: Vec<(u64, u64, bool)> = h
            .free
            .iter()
            .map(|(s, l)| (*s, *l, true))
            .chain(h.used.iter().map(|(s, l)| (*s, *l, false)))
            .collect();
        all.sort();
        for w in all.windows(2) {
            let ((s0, l0, f0), (s1, _, f1)) = (w[0], w[1]);
            assert!(s0 + l0 <= s1, "blocks overlap: {w:?}");
            assert!(
                !(f0 && f1 && s0 + l0 == s1),
                "free blocks not coalesced: {w:?}"
            );
        }
        assert_eq!(all.iter().map(|b| b.1).sum::<u64>(), total);
        assert!(
            all.iter()
                .all(|b| b.0 % MIN_ALIGN == 0 && b.1 % MIN_ALIGN == 0 && b.1 > 0)
        );
    }

    #[test]
    fn first_fit_splits_blocks() {
        let mut h = heap(0x100, 0x100);
        assert_eq!(h.alloc(0x10, 8).unwrap(), Some(0x100));
        assert_eq!(h.alloc(0x20, 8).unwrap(), Some(0x110));
        assert_eq!(h.free_blocks(), [(0x130, 0xd0)]);
        // Alignment leaves the gap before the block free.
        assert_eq!(h.alloc(8, 0x40).unwrap(), Some(0x140));
        assert_eq!(h.free_blocks(), [(0x130, 0x10), (0x148, 0xb8)]);
        // First fit: the lowest block that fits, not the best one.
        assert_eq!(h.alloc(8, 8).unwrap(), Some(0x130));
        check_invariants(&h, 0x100);
    }

    #[test]
    fn sizes_round_up_and_zero_is_never_returned() {
        let mut h = heap(0, 64);
        assert_eq!(h.alloc(0, 1).unwrap(), Some(8));
        assert_eq!(h.alloc(3, 1).unwrap(), Some(16));
        assert_eq!(h.block_at(18), Some((16, 8)));
        assert_eq!(h.alloc(100, 8).unwrap(), None);
        assert_eq!(h.alloc(8, 3), Err(AllocError::InvalidAlignment(3)));
        check_invariants(&h, 56);
    }

    #[test]
    fn free_coalesces_neighbours() {
        let mut h = heap(0x1000, 0x40);
        let a = h.alloc(0x10, 8).unwrap().unwrap();
        let b = h.alloc(0x10, 8).unwrap().unwrap();
        let c = h.alloc(0x10, 8).unwrap().unwrap();
        assert_eq!(h.free_blocks(), [(0x1030, 0x10)]);
        h.free(a).unwrap();
        h.free(c).unwrap(); // merges with the tail
        assert_eq!(h.free_blocks(), [(0x1000, 0x10), (0x1020, 0x20)]);
        h.free(b).unwrap(); // merges with both neighbours
        assert_eq!(h.free_blocks(), [(0x1000, 0x40)]);
        check_invariants(&h, 0x40);
    }

    #[test]
    fn bad_frees_are_reported() {
        let mut h = heap(0x100, 0x100);
        let a = h.alloc(0x20, 8).unwrap().unwrap();
        assert_eq!(h.free(a + 8), Err(AllocError::InvalidAddress(a + 8)));
        assert_eq!(h.free(0x5000), Err(AllocError::InvalidAddress(0x5000)));
        h.free(a).unwrap();
        assert_eq!(h.free(a), Err(AllocError::DoubleFree(a)));
        // Once the address is handed out again it is valid once more.
        assert_eq!(h.alloc(0x8, 8).unwrap(), Some(a));
        h.free(a).unwrap();
        assert_eq!(
            AllocError::DoubleFree(0x120).to_string(),
            "double free of address 0x120"
        );
        check_invariants(&h, 0x100);
    }

    #[test]
    fn regions_must_not_overlap() {
        let mut h = heap(0x100, 0x100);
        assert!(h.add_region(0x180, 0x100).is_err());
        assert!(h.add_region(0x80, 0x81).is_err());
        h.add_region(0x200, 0x100).unwrap(); // adjacent: coalesced
        assert_eq!(h.free_blocks(), [(0x100, 0x200)]);
        // Unaligned edges are trimmed.
        h.add_region(0x403, 0x20).unwrap();
        assert_eq!(h.free_blocks(), [(0x100, 0x200), (0x408, 0x18)]);
    }

    #[test]
    fn memory_grows_when_full() {
        let mem = LinearMemory::new(crate::MemoryType::new(1, Some(4)), None, false).unwrap();
        let page = crate::abi::WASM_PAGE_SIZE;
        // The heap starts empty: the first allocation grows the memory and
        // never touches the module's first page.
        let a = mem.heap_alloc(100, 8).unwrap();
        assert_eq!(a, page);
        assert_eq!(mem.pages(), 2);
        // A big allocation adds pages; the new region is coalesced with
        // the free tail of the last one.
        let b = mem.heap_alloc(page + 16, 16).unwrap();
        assert!(b > a && b.is_multiple_of(16));
        assert_eq!(mem.pages(), 4);
        mem.data_mut()[b as usize..(b + page + 16) as usize].fill(7);
        assert_eq!(
            mem.heap_alloc(3 * page, 8),
            Err(AllocError::OutOfMemory { size: 3 * page })
        );
        mem.heap_free(a).unwrap();
        assert_eq!(mem.heap_free(a), Err(AllocError::DoubleFree(a)));
        assert_eq!(mem.heap_alloc(64, 8).unwrap(), a);
        // Explicit regions must lie inside the memory.
        assert!(mem.heap_add_region(0, 5 * page).is_err());
        mem.heap_add_region(0, 1024).unwrap();
        assert_eq!(mem.heap_alloc(16, 8).unwrap(), 8);
    }

    /// Random operations against a model that tracks every byte.
    #[test]
    fn randomized_against_a_model() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for round in 0..20 {
            let mut h = Heap::default();
            let mut total = 0u64;
            // Model: live blocks (start -> requested size, rounded size),
            // addresses freed and not reused, and the regions added.
            let mut live: BTreeMap<u64, u64> = BTreeMap::new();
            let mut freed: BTreeSet<u64> = BTreeSet::new();
            let mut regions: Vec<(u64, u64)> = Vec::new();
            let mut next_region = 0x1_0000u64 * (round + 1);
            for step in 0..2000 {
                match rand(10) {
                    0..=4 => {
                        let size = rand(300);
                        let align = 1 << rand(8);
                        let got = match h.alloc(size, align).unwrap() {
                            Some(a) => a,
                            None => {
                                // "Grow": add a region, sometimes adjacent to
                                // the last one, sometimes with a gap.
                                let need = growth_needed(size, align).unwrap();
                                let len = need.next_multiple_of(0x400);
                                let start = next_region + rand(2) * 0x800;
                                h.add_region(start, len).unwrap();
                                regions.push((start, len));
                                total += len;
                                next_region = start + len;
                                h.alloc(size, align).unwrap().expect("fits after growing")
                            }
                        };
                        assert!(got != 0 && got % align.max(MIN_ALIGN) == 0);
                        let rounded = size.max(1).next_multiple_of(MIN_ALIGN);
                        assert!(
                            runs_of(&regions)
                                .iter()
                                .any(|(s, e)| got >= *s && got + rounded <= *e),
                            "block outside the regions"
                        );
                        // No overlap with any live block.
                        if let Some((s, l)) = live.range(..got + rounded).next_back() {
                            assert!(s + l <= got, "step {step}: overlap");
                        }
                        live.insert(got, rounded);
                        let covered: Vec<u64> = freed.range(got..got + rounded).copied().collect();
                        for c in covered {
                            freed.remove(&c);
                        }
                    }
                    5..=7 if !live.is_empty() => {
                        let k = rand(live.len() as u64) as usize;
                        let a = *live.keys().nth(k).unwrap();
                        live.remove(&a);
                        freed.insert(a);
                        h.free(a).unwrap();
                    }
                    8 if !freed.is_empty() => {
                        let k = rand(freed.len() as u64) as usize;
                        let a = *freed.iter().nth(k).unwrap();
                        assert_eq!(h.free(a), Err(AllocError::DoubleFree(a)));
                    }
                    _ => {
                        let a = rand(next_region + 0x100);
                        let expected = if live.contains_key(&a) {
                            None
                        } else if freed.contains(&a) {
                            Some(AllocError::DoubleFree(a))
                        } else {
                            Some(AllocError::InvalidAddress(a))
                        };
                        match expected {
                            Some(e) => assert_eq!(h.free(a), Err(e)),
                            None => {
                                h.free(a).unwrap();
                                live.remove(&a);
                                freed.insert(a);
                            }
                        }
                    }
                }
                check_invariants(&h, total);
                assert_eq!(h.used.len(), live.len());
            }
            // Freeing everything leaves one free block per run of
            // adjacent regions.
            for a in live.keys().copied().collect::<Vec<_>>() {
                h.free(a).unwrap();
            }
            check_invariants(&h, total);
            assert_eq!(h.free_blocks().len(), runs_of(&regions).len());
        }
    }

    /// Regions merged where they touch: `(start, end)` runs.
    fn runs_of(regions: &[(u64, u64)]) -> Vec<(u64, u64)> {
        let mut sorted = regions.to_vec();
        sorted.sort();
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for (s, l) in sorted {
            match runs.last_mut() {
                Some(last) if last.1 == s => last.1 = s + l,
                _ => runs.push((s, s + l)),
            }
        }
        runs
    }
}
