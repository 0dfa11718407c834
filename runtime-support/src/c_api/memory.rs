//! The C API's memories (`smelt_rt_memory`, declared in `include/smelt.h`):
//! reading and growing a linear memory, creating memories (plain or
//! shared) that a host imports into modules, and the host heap of
//! `allocator.rs`.
//!
//! A `smelt_rt_memory *` is a counted reference to the memory: the
//! handles an instance hands out (export accessors,
//! `smelt_rt_instance_memory`) live as long as the instance; the ones
//! `smelt_rt_memory_new`/`smelt_rt_shared_memory_new` return are the
//! caller's, freed with `smelt_rt_memory_delete` (the memory itself stays
//! alive while an instance imports it).

use crate::allocator::AllocError;
use crate::memory::{LinearMemory, SharedMemory};
use crate::types::MemoryType;
use std::ffi::c_char;

/// A memory handle as C sees it (`smelt_rt_memory`).
pub struct SmeltMemory {
    pub(crate) mem: LinearMemory,
}

/// `smelt_rt_memory_alloc`'s error codes (`SMELT_ALLOC_*`).
const ALLOC_OUT_OF_MEMORY: i32 = 1;
const ALLOC_DOUBLE_FREE: i32 = 2;
const ALLOC_INVALID_ADDRESS: i32 = 3;
const ALLOC_INVALID_ALIGNMENT: i32 = 4;
const ALLOC_INVALID_REGION: i32 = 5;

fn alloc_code(e: &AllocError) -> i32 {
    match e {
        AllocError::OutOfMemory { .. } => ALLOC_OUT_OF_MEMORY,
        AllocError::DoubleFree(_) => ALLOC_DOUBLE_FREE,
        AllocError::InvalidAddress(_) => ALLOC_INVALID_ADDRESS,
        AllocError::InvalidAlignment(_) => ALLOC_INVALID_ALIGNMENT,
        AllocError::InvalidRegion { .. } => ALLOC_INVALID_REGION,
    }
}

fn boxed(mem: LinearMemory) -> *mut SmeltMemory {
    Box::into_raw(Box::new(SmeltMemory { mem }))
}

fn limits(min_pages: u64, max_pages: u64) -> MemoryType {
    MemoryType::new(min_pages, (max_pages != u64::MAX).then_some(max_pages))
}

/// A new memory of `min_pages` 64 KiB pages (at most `max_pages`, or
/// unlimited with `UINT64_MAX`), to import into modules. NULL if it cannot
/// be reserved.
#[unsafe(no_mangle)]
pub extern "C" fn smelt_rt_memory_new(min_pages: u64, max_pages: u64) -> *mut SmeltMemory {
    match LinearMemory::new(limits(min_pages, max_pages), None, true) {
        Ok(mem) => boxed(mem),
        Err(_) => std::ptr::null_mut(),
    }
}

/// A new shared memory (threads proposal): one memory that instances on
/// several threads import at once. `max_pages` is required.
#[unsafe(no_mangle)]
pub extern "C" fn smelt_rt_shared_memory_new(min_pages: u64, max_pages: u64) -> *mut SmeltMemory {
    let mut ty = limits(min_pages, max_pages);
    ty.shared = true;
    match SharedMemory::new(ty) {
        Ok(shared) => boxed(shared.0),
        Err(_) => std::ptr::null_mut(),
    }
}

/// Frees a handle from `smelt_rt_memory_new`/`smelt_rt_shared_memory_new`.
///
/// # Safety
///
/// `memory` must come from one of those functions (or be NULL), once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory_delete(memory: *mut SmeltMemory) {
    if !memory.is_null() {
        // SAFETY: per the contract, we own it.
        drop(unsafe { Box::from_raw(memory) });
    }
}

/// The memory's first byte. It never moves, also when the memory grows.
///
/// # Safety
///
/// `memory` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory_data(memory: *const SmeltMemory) -> *mut u8 {
    // SAFETY: the caller guarantees `memory` is a live handle (not yet
    // freed), so dereferencing it to reach the memory is sound.
    unsafe { (*memory).mem.base() }
}

/// The memory's current length in bytes.
///
/// # Safety
///
/// `memory` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory_length(memory: *const SmeltMemory) -> usize {
    // SAFETY: the caller guarantees `memory` is a live handle (not yet
    // freed), so dereferencing it to reach the memory is sound.
    unsafe { (*memory).mem.byte_len() }
}

/// The memory's current size in pages.
///
/// # Safety
///
/// `memory` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory_pages(memory: *const SmeltMemory) -> u64 {
    // SAFETY: the caller guarantees `memory` is a live handle (not yet
    // freed), so dereferencing it to reach the memory is sound.
    unsafe { (*memory).mem.pages() }
}

/// `memory.grow`: the old size in pages, or -1.
///
/// # Safety
///
/// `memory` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory_grow(memory: *const SmeltMemory, delta_pages: u64) -> i64 {
    // SAFETY: the caller guarantees `memory` is a live handle (not yet
    // freed), so dereferencing it to reach the memory is sound.
    match unsafe { (*memory).mem.grow(delta_pages) } {
        Some(old) => old as i64,
        None => -1,
    }
}

/// Allocates `size` bytes aligned to `align` from the memory's host heap;
/// returns the address in the memory, or 0 (with `*error` set to a
/// `SMELT_ALLOC_*` code if `error` is not NULL).
///
/// # Safety
///
/// `memory` must be a live handle, `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory_alloc(
    memory: *const SmeltMemory,
    size: u64,
    align: u64,
    error: *mut i32,
) -> u64 {
    // SAFETY: the caller guarantees `memory` is a live handle (not yet
    // freed), so dereferencing it to reach the memory is sound.
    let result = unsafe { (*memory).mem.heap_alloc(size, align) };
    let (addr, code) = match result {
        Ok(a) => (a, 0),
        Err(e) => (0, alloc_code(&e)),
    };
    if !error.is_null() {
        // SAFETY: `error` is not NULL here, and the caller guarantees a
        // non-NULL `error` is writable.
        unsafe { *error = code };
    }
    addr
}

/// Frees a block of the host heap: 0, or a `SMELT_ALLOC_*` code.
///
/// # Safety
///
/// `memory` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory_free(memory: *const SmeltMemory, addr: u64) -> i32 {
    // SAFETY: the caller guarantees `memory` is a live handle (not yet
    // freed), so dereferencing it to reach the memory is sound.
    match unsafe { (*memory).mem.heap_free(addr) } {
        Ok(()) => 0,
        Err(e) => alloc_code(&e),
    }
}

/// Hands `[start, start + len)` to the host heap: 0, or a `SMELT_ALLOC_*`
/// code.
///
/// # Safety
///
/// `memory` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory_add_heap_region(
    memory: *const SmeltMemory,
    start: u64,
    len: u64,
) -> i32 {
    // SAFETY: the caller guarantees `memory` is a live handle (not yet
    // freed), so dereferencing it to reach the memory is sound.
    match unsafe { (*memory).mem.heap_add_region(start, len) } {
        Ok(()) => 0,
        Err(e) => alloc_code(&e),
    }
}

/// A static description of a `SMELT_ALLOC_*` code.
#[unsafe(no_mangle)]
pub extern "C" fn smelt_rt_alloc_error_message(code: i32) -> *const c_char {
    let s: &'static [u8] = match code {
        0 => b"success\0",
        ALLOC_OUT_OF_MEMORY => b"out of memory: the memory cannot grow enough\0",
        ALLOC_DOUBLE_FREE => b"double free\0",
        ALLOC_INVALID_ADDRESS => b"invalid address: not a block the heap allocated\0",
        ALLOC_INVALID_ALIGNMENT => b"alignment is not a power of two\0",
        ALLOC_INVALID_REGION => b"region outside the memory or overlapping the heap\0",
        _ => b"unknown error\0",
    };
    s.as_ptr().cast()
}
