//! The C API declared in `include/smelt.h`.
//!
//! Every function is `extern "C"`, never unwinds (panics abort at the FFI
//! boundary), and reports failures through return values.

use crate::values::Val;
use crate::{Instance, Linker, Module, Store, Trap};
use std::ffi::{CStr, CString, c_char, c_void};

/// An instance together with the store that owns it.
pub struct SmeltInstance {
    store: Store,
    instance: Instance,
}

/// A trap (or instantiation failure) handed to C.
pub struct SmeltTrap {
    trap: Trap,
    message: CString,
    report: CString,
}

/// A value as C sees it (`smelt_rt_val`).
#[repr(C)]
#[derive(Copy, Clone)]
pub struct SmeltVal {
    pub kind: u8,
    pub of: SmeltValUnion,
}

#[repr(C)]
#[derive(Copy, Clone)]
pub union SmeltValUnion {
    pub i32: i32,
    pub i64: i64,
    pub f32: f32,
    pub f64: f64,
}

const KIND_I32: u8 = 0;
const KIND_I64: u8 = 1;
const KIND_F32: u8 = 2;
const KIND_F64: u8 = 3;

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "?")).expect("NULs were replaced")
}

fn boxed_trap(trap: Trap) -> *mut SmeltTrap {
    let message = cstring(trap.message());
    let report = cstring(&trap.report());
    Box::into_raw(Box::new(SmeltTrap {
        trap,
        message,
        report,
    }))
}

/// Instantiates the module behind `descriptor` (a `smelt_mod_<name>_descriptor`
/// symbol) in a new store. Returns NULL on failure and, if `trap_out` is
/// not NULL, stores the reason there.
///
/// # Safety
///
/// `descriptor` must be a module descriptor linked into this program;
/// `trap_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_instantiate(
    descriptor: *const c_void,
    trap_out: *mut *mut SmeltTrap,
) -> *mut SmeltInstance {
    let fail = |trap: Trap| {
        if !trap_out.is_null() {
            // SAFETY: per the contract, trap_out is writable.
            unsafe { *trap_out = boxed_trap(trap) };
        }
        std::ptr::null_mut()
    };
    // SAFETY: per the contract.
    let module = match unsafe { Module::from_descriptor(descriptor.cast()) } {
        Ok(m) => m,
        Err(e) => return fail(Trap::host(e.to_string())),
    };
    let mut store = Store::new();
    match Linker::new().instantiate(&mut store, &module) {
        Ok(instance) => Box::into_raw(Box::new(SmeltInstance { store, instance })),
        Err(crate::InstantiationError::Trap(t)) => fail(t),
        Err(e) => fail(Trap::host(e.to_string())),
    }
}

/// Frees an instance and its store.
///
/// # Safety
///
/// `instance` must come from `smelt_rt_instantiate` (or be NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_instance_free(instance: *mut SmeltInstance) {
    if !instance.is_null() {
        // SAFETY: per the contract, we own it.
        drop(unsafe { Box::from_raw(instance) });
    }
}

/// Calls the exported function `name`. Returns NULL on success (results
/// written to `results`), or a trap the caller must free.
///
/// # Safety
///
/// `instance` valid, `name` a C string, `args`/`results` arrays of
/// `nargs`/`nresults` values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_call(
    instance: *mut SmeltInstance,
    name: *const c_char,
    args: *const SmeltVal,
    nargs: usize,
    results: *mut SmeltVal,
    nresults: usize,
) -> *mut SmeltTrap {
    // SAFETY: per the contract.
    let inst = unsafe { &mut *instance };
    // SAFETY: per the contract.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    let Some(func) = inst.instance.get_func(&mut inst.store, &name) else {
        return boxed_trap(Trap::host(format!("no exported function `{name}`")));
    };
    // SAFETY: per the contract.
    let args = unsafe { std::slice::from_raw_parts(args, nargs) };
    let vals: Vec<Val> = args
        .iter()
        // SAFETY: the kind says which union field is initialized.
        .map(|a| unsafe {
            match a.kind {
                KIND_I32 => Val::I32(a.of.i32),
                KIND_I64 => Val::I64(a.of.i64),
                KIND_F32 => Val::F32(a.of.f32.to_bits()),
                _ => Val::F64(a.of.f64.to_bits()),
            }
        })
        .collect();
    match func.call(&mut inst.store, &vals) {
        Ok(out) => {
            // SAFETY: per the contract.
            let results = unsafe { std::slice::from_raw_parts_mut(results, nresults) };
            for (slot, v) in results.iter_mut().zip(out) {
                *slot = match v {
                    Val::I32(x) => SmeltVal {
                        kind: KIND_I32,
                        of: SmeltValUnion { i32: x },
                    },
                    Val::I64(x) => SmeltVal {
                        kind: KIND_I64,
                        of: SmeltValUnion { i64: x },
                    },
                    Val::F32(x) => SmeltVal {
                        kind: KIND_F32,
                        of: SmeltValUnion {
                            f32: f32::from_bits(x),
                        },
                    },
                    Val::F64(x) => SmeltVal {
                        kind: KIND_F64,
                        of: SmeltValUnion {
                            f64: f64::from_bits(x),
                        },
                    },
                    _ => SmeltVal {
                        kind: KIND_I64,
                        of: SmeltValUnion { i64: 0 },
                    },
                };
            }
            std::ptr::null_mut()
        }
        Err(t) => boxed_trap(t),
    }
}

/// The exported memory `name`'s bytes and length, or NULL.
///
/// # Safety
///
/// `instance` valid, `name` a C string, `len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_memory(
    instance: *mut SmeltInstance,
    name: *const c_char,
    len: *mut usize,
) -> *mut u8 {
    // SAFETY: per the contract.
    let inst = unsafe { &mut *instance };
    // SAFETY: per the contract.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    let Some(mem) = inst.instance.get_memory(&mut inst.store, &name) else {
        return std::ptr::null_mut();
    };
    let data = mem.data_mut(&mut inst.store);
    // SAFETY: per the contract.
    unsafe { *len = data.len() };
    data.as_mut_ptr()
}

/// The trap's kind (`SMELT_TRAP_*`).
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_kind(trap: *const SmeltTrap) -> u8 {
    // SAFETY: per the contract.
    unsafe { (*trap).trap.kind() as u8 }
}

/// The trap's message (valid until the trap is freed).
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_message(trap: *const SmeltTrap) -> *const c_char {
    // SAFETY: per the contract.
    unsafe { (*trap).message.as_ptr() }
}

/// The full report: message and wasm backtrace, one frame per line.
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_report(trap: *const SmeltTrap) -> *const c_char {
    // SAFETY: per the contract.
    unsafe { (*trap).report.as_ptr() }
}

/// Frees a trap.
///
/// # Safety
///
/// `trap` must come from this API (or be NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_free(trap: *mut SmeltTrap) {
    if !trap.is_null() {
        // SAFETY: per the contract, we own it.
        drop(unsafe { Box::from_raw(trap) });
    }
}
