//! The process-wide registry of compiled code, read by the signal handler.
//!
//! The handler must not take locks or allocate, yet modules are loaded and
//! dropped concurrently on other threads. The registry is therefore an
//! immutable snapshot behind an atomic pointer (read-copy-update):
//!
//! - readers (the signal handler) increment `READERS`, load `CURRENT`,
//!   binary-search it, copy out what they need, and decrement `READERS`;
//! - writers (module load/unload, under `WRITER`) publish a new snapshot,
//!   then wait until `READERS` drops to zero before freeing the old one.
//!
//! All operations on the two atomics are `SeqCst`, so a reader that
//! increments after a writer saw zero also loads the new snapshot. A
//! module's trap table is only freed after its entry left the registry
//! and no reader can still hold the old snapshot.

use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::SeqCst};

/// One trap site: absolute pc and the trap-table code.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TrapSite {
    pub(crate) pc: usize,
    pub(crate) kind: u8,
}

/// A registered code range and its sorted trap sites.
#[derive(Copy, Clone, Debug)]
struct Entry {
    start: usize,
    end: usize,
    traps: *const TrapSite,
    num_traps: usize,
    /// The module the range belongs to (for the exception unwinder).
    module: *const crate::module::ModuleInner,
}

// SAFETY: entries point into trap tables that stay alive and unchanged for
// as long as the entry is registered (see `unregister`).
unsafe impl Send for Entry {}

struct Snapshot {
    entries: Box<[Entry]>,
}

static CURRENT: AtomicPtr<Snapshot> = AtomicPtr::new(std::ptr::null_mut());
static READERS: AtomicUsize = AtomicUsize::new(0);
static WRITER: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

fn publish(list: &[Entry]) {
    let new = Box::into_raw(Box::new(Snapshot {
        entries: list.to_vec().into_boxed_slice(),
    }));
    let old = CURRENT.swap(new, SeqCst);
    while READERS.load(SeqCst) != 0 {
        std::hint::spin_loop();
        std::thread::yield_now();
    }
    if !old.is_null() {
        // SAFETY: `old` came from Box::into_raw in an earlier publish, and no
        // reader can hold it any more (READERS was zero after the swap).
        drop(unsafe { Box::from_raw(old) });
    }
}

/// Registers the code range `[start, end)` with its trap sites, which must
/// be sorted by pc and stay alive and unchanged until [`unregister`].
pub(crate) fn register(
    start: usize,
    end: usize,
    traps: &[TrapSite],
    module: *const crate::module::ModuleInner,
) {
    let mut list = WRITER.lock().unwrap_or_else(|e| e.into_inner());
    let at = list.partition_point(|e| e.start < start);
    list.insert(
        at,
        Entry {
            start,
            end,
            traps: traps.as_ptr(),
            num_traps: traps.len(),
            module,
        },
    );
    publish(&list);
}

/// Removes the range `module` registered. After this returns, the signal
/// handler no longer refers to its trap sites. (By module, not by address:
/// the same code may be registered twice, by two `Module`s made from one
/// linked-in descriptor, and dropping one must not unregister the other.)
pub(crate) fn unregister(module: *const crate::module::ModuleInner) {
    let mut list = WRITER.lock().unwrap_or_else(|e| e.into_inner());
    list.retain(|e| !std::ptr::eq(e.module, module));
    publish(&list);
}

/// The trap-table code at exactly `pc`, if `pc` is a registered trap site.
/// Async-signal-safe: no locks, no allocation.
pub(crate) fn lookup_trap(pc: usize) -> Option<u8> {
    READERS.fetch_add(1, SeqCst);
    let snapshot = CURRENT.load(SeqCst);
    let result = if snapshot.is_null() {
        None
    } else {
        // SAFETY: a published snapshot stays alive while READERS > 0.
        let entries = unsafe { &(*snapshot).entries };
        let i = entries.partition_point(|e| e.start <= pc);
        match i.checked_sub(1).map(|i| entries[i]) {
            Some(e) if pc < e.end => {
                // SAFETY: the entry's trap table outlives its registration.
                let traps = unsafe { std::slice::from_raw_parts(e.traps, e.num_traps) };
                traps
                    .binary_search_by_key(&pc, |t| t.pc)
                    .ok()
                    .map(|j| traps[j].kind)
            }
            _ => None,
        }
    };
    READERS.fetch_sub(1, SeqCst);
    result
}

/// The module whose code contains `pc`. The pointer stays valid while
/// code of the module is running on this thread (its instances keep it
/// alive). Lock-free like [`lookup_trap`].
pub(crate) fn lookup_module(pc: usize) -> Option<*const crate::module::ModuleInner> {
    READERS.fetch_add(1, SeqCst);
    let snapshot = CURRENT.load(SeqCst);
    let result = if snapshot.is_null() {
        None
    } else {
        // SAFETY: a published snapshot stays alive while READERS > 0.
        let entries = unsafe { &(*snapshot).entries };
        let i = entries.partition_point(|e| e.start <= pc);
        match i.checked_sub(1).map(|i| entries[i]) {
            Some(e) if pc < e.end => Some(e.module),
            _ => None,
        }
    };
    READERS.fetch_sub(1, SeqCst);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_lookup_unregister() {
        let traps = vec![
            TrapSite {
                pc: 0x1_0010,
                kind: 3,
            },
            TrapSite {
                pc: 0x1_0020,
                kind: 5,
            },
        ];
        let (a, b) = (0x10 as *const _, 0x20 as *const _);
        register(0x1_0000, 0x1_1000, &traps, a);
        assert_eq!(lookup_trap(0x1_0010), Some(3));
        assert_eq!(lookup_trap(0x1_0020), Some(5));
        assert_eq!(lookup_trap(0x1_0011), None);
        // The same range registered again by another module survives the
        // first one's unregistration.
        register(0x1_0000, 0x1_1000, &traps, b);
        unregister(a);
        assert_eq!(lookup_trap(0x1_0010), Some(3));
        unregister(b);
        assert_eq!(lookup_trap(0x1_0010), None);
    }
}
