//! Implementations of the libcalls that compiled code calls through the
//! vmctx's libcall table (the list is `abi::foreach_libcall!`).
//!
//! Each receives the calling instance's vmctx. Status-returning libcalls
//! record a trap with [`raise`] and return 1; compiled code then traps.

use crate::abi::TrapKind;
use crate::entry::raise;
use crate::exceptions::{exn_new, throw_ref};
use crate::instance::{self, InstanceData, LibcallTable};
use crate::parking;
use crate::store::StoreOpaque;
use crate::trap::Trap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The store and instance index behind a vmctx.
///
/// # Safety
///
/// `vmctx` must be a live instance's vmctx, called from its compiled code
/// (so nothing else is using the store).
unsafe fn context<'a>(vmctx: *mut u8) -> (&'a mut StoreOpaque, usize) {
    // SAFETY: per the contract; we read the two fields through the raw
    // pointer before creating the only live reference, to the store.
    unsafe {
        let data: *mut InstanceData = InstanceData::from_vmctx(vmctx);
        let index = (*data).index;
        (&mut *(*data).store, index)
    }
}

fn status(result: Result<(), TrapKind>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(kind) => {
            raise(Trap::new(kind));
            1
        }
    }
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn memory_grow(vmctx: *mut u8, memory: u32, delta: u64) -> u64 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    let m = store.instances[i].memories[memory as usize];
    store.memories[m].grow(delta).unwrap_or(u64::MAX)
}

fn range(
    start: u64,
    len: u64,
    limit: u64,
    kind: TrapKind,
) -> Result<std::ops::Range<usize>, TrapKind> {
    match start.checked_add(len) {
        Some(end) if end <= limit => Ok(start as usize..end as usize),
        _ => Err(kind),
    }
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn memory_fill(vmctx: *mut u8, memory: u32, dst: u64, val: u32, len: u64) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    let m = &store.memories[store.instances[i].memories[memory as usize]];
    status(
        range(dst, len, m.byte_len() as u64, TrapKind::MemoryOutOfBounds)
            .map(|r| m.data_mut()[r].fill(val as u8)),
    )
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn memory_copy(
    vmctx: *mut u8,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    let (d, s) = {
        let inst = &store.instances[i];
        (
            inst.memories[dst_mem as usize],
            inst.memories[src_mem as usize],
        )
    };
    let result = (|| {
        let src_range = range(
            src,
            len,
            store.memories[s].byte_len() as u64,
            TrapKind::MemoryOutOfBounds,
        )?;
        let dst_range = range(
            dst,
            len,
            store.memories[d].byte_len() as u64,
            TrapKind::MemoryOutOfBounds,
        )?;
        let src_ptr = store.memories[s].base();
        let dst_ptr = store.memories[d].base();
        // SAFETY: both ranges are inside their memories (checked above);
        // `copy` handles overlap within one memory.
        unsafe {
            std::ptr::copy(
                src_ptr.add(src_range.start),
                dst_ptr.add(dst_range.start),
                src_range.len(),
            )
        };
        Ok(())
    })();
    status(result)
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn memory_init(
    vmctx: *mut u8,
    memory: u32,
    data: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    status(instance::memory_init(
        store,
        i,
        memory,
        data,
        dst,
        u64::from(src),
        u64::from(len),
    ))
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn data_drop(vmctx: *mut u8, data: u32) {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    store.instances[i].dropped_datas[data as usize] = true;
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn table_grow(vmctx: *mut u8, table: u32, init: usize, delta: u64) -> u64 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    let t = store.instances[i].tables[table as usize];
    store.tables[t].grow(delta, init).unwrap_or(u64::MAX)
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn table_fill(vmctx: *mut u8, table: u32, dst: u64, val: usize, len: u64) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    let t = &mut store.tables[store.instances[i].tables[table as usize]];
    status(
        range(dst, len, t.len(), TrapKind::TableOutOfBounds).map(|r| t.elements_mut()[r].fill(val)),
    )
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    src_table: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    let (d, s) = {
        let inst = &store.instances[i];
        (
            inst.tables[dst_table as usize],
            inst.tables[src_table as usize],
        )
    };
    let result = (|| {
        let src_range = range(src, len, store.tables[s].len(), TrapKind::TableOutOfBounds)?;
        let dst_range = range(dst, len, store.tables[d].len(), TrapKind::TableOutOfBounds)?;
        if d == s {
            store.tables[d]
                .elements_mut()
                .copy_within(src_range, dst_range.start);
        } else {
            let items = store.tables[s].elements()[src_range].to_vec();
            store.tables[d].elements_mut()[dst_range].copy_from_slice(&items);
        }
        Ok(())
    })();
    status(result)
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn table_init(
    vmctx: *mut u8,
    table: u32,
    elem: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    status(instance::table_init(
        store,
        i,
        table,
        elem,
        dst,
        u64::from(src),
        u64::from(len),
    ))
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn elem_drop(vmctx: *mut u8, elem: u32) {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    store.instances[i].dropped_elems[elem as usize] = true;
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table;
/// `_vmctx` is not read, the type indices are checked.
unsafe extern "C" fn is_subtype(_vmctx: *mut u8, sub: u32, sup: u32) -> u32 {
    u32::from(sub != 0 && crate::types::is_subtype(sub, sup))
}

/// The absolute address of an atomic access of `size` bytes at `addr` in
/// memory `memory`, after the bounds and alignment checks wasm requires.
fn atomic_address(
    store: &StoreOpaque,
    instance: usize,
    memory: u32,
    addr: u64,
    size: u64,
) -> Result<(usize, bool), TrapKind> {
    let m = &store.memories[store.instances[instance].memories[memory as usize]];
    if !addr.is_multiple_of(size) {
        return Err(TrapKind::UnalignedAtomic);
    }
    range(addr, size, m.byte_len() as u64, TrapKind::MemoryOutOfBounds)?;
    Ok((m.base() as usize + addr as usize, m.ty().shared))
}

/// Turns a result or a trap into the -1-on-trap convention (as the
/// bits of an i32).
fn value_or_trap(result: Result<u32, TrapKind>) -> u32 {
    result.unwrap_or_else(|kind| {
        raise(Trap::new(kind));
        u32::MAX
    })
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn memory_atomic_notify(
    vmctx: *mut u8,
    memory: u32,
    addr: u64,
    count: u32,
) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    value_or_trap(
        atomic_address(store, i, memory, addr, 4).map(|(abs, shared)| {
            // Nobody can wait on an unshared memory, so there is no one to wake.
            if shared {
                parking::notify(abs, count)
            } else {
                0
            }
        }),
    )
}

fn wait(vmctx: *mut u8, memory: u32, addr: u64, size: u64, expected: u64, timeout: i64) -> u32 {
    // SAFETY: called (through the wait libcalls) by compiled code with its
    // own vmctx.
    let (store, i) = unsafe { context(vmctx) };
    value_or_trap(
        atomic_address(store, i, memory, addr, size).and_then(|(abs, shared)| {
            if !shared {
                return Err(TrapKind::ExpectedSharedMemory);
            }
            let still_expected = || {
                // SAFETY: `abs` is an aligned, in-bounds address of a live
                // shared memory (checked above); the access is atomic.
                unsafe {
                    if size == 4 {
                        (*(abs as *const AtomicU32)).load(Ordering::SeqCst) == expected as u32
                    } else {
                        (*(abs as *const AtomicU64)).load(Ordering::SeqCst) == expected
                    }
                }
            };
            // Code with interruption checks can be timed out or
            // interrupted while it waits, too.
            let flag = store.interrupt.clone();
            let interrupted = move || flag.load(Ordering::SeqCst) != 0;
            let interruptible = store.instances[i].module.interruptible();
            match parking::wait(
                abs,
                still_expected,
                timeout,
                interruptible.then_some(&interrupted as &dyn Fn() -> bool),
            ) {
                parking::WaitResult::Interrupted => Err(TrapKind::Interrupted),
                r => Ok(r as u32),
            }
        }),
    )
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn memory_atomic_wait32(
    vmctx: *mut u8,
    memory: u32,
    addr: u64,
    expected: u32,
    timeout: u64,
) -> u32 {
    wait(vmctx, memory, addr, 4, u64::from(expected), timeout as i64)
}

/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
unsafe extern "C" fn memory_atomic_wait64(
    vmctx: *mut u8,
    memory: u32,
    addr: u64,
    expected: u64,
    timeout: u64,
) -> u32 {
    wait(vmctx, memory, addr, 8, expected, timeout as i64)
}

macro_rules! libcall_rust_type {
    (vmctx) => { *mut u8 };
    (i32) => { u32 };
    (i64) => { u64 };
    (ptr) => { usize };
}

macro_rules! build_table {
    ($( $(#[$attr:meta])* $name:ident($($pname:ident: $pty:ident),*) $(-> $ret:ident)?;)*) => {
        /// The table every vmctx points to, in `Libcall` order. Each entry
        /// is type-checked against the signature in the shared list.
        pub(crate) static LIBCALLS: LibcallTable = LibcallTable([
            $({
                let f: unsafe extern "C" fn($(libcall_rust_type!($pty)),*) $(-> libcall_rust_type!($ret))? = $name;
                f as *const ()
            },)*
        ]);
    };
}

crate::foreach_libcall!(build_table);
