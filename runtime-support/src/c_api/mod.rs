//! The C API declared in `include/smelt.h`.
//!
//! Every function is `extern "C"`, never unwinds (panics abort at the FFI
//! boundary), and reports failures through return values. The typed C API
//! of generated headers is in [`linked`], memories in [`memory`].

pub mod linked;
pub mod memory;

use crate::values::Val;
use crate::{Instance, Linker, Module, Store, Trap};
use std::ffi::{CStr, CString, c_char, c_void};

/// An instance together with the store that owns it (`smelt_rt_instance`,
/// and the `smelt_w_<mod>` of a generated header).
pub struct SmeltInstance {
    pub(crate) store: Store,
    pub(crate) instance: Instance,
    /// Imports of a typed-C-API instance (referenced by its vmctx), and
    /// the handles its accessors gave out. Declared after the store: they
    /// are dropped after it.
    _thunks: crate::c_api::linked::Thunks,
    pub(crate) handles: crate::c_api::linked::Handles,
}

impl SmeltInstance {
    pub(crate) fn new_boxed(
        store: Store,
        instance: Instance,
        thunks: crate::c_api::linked::Thunks,
    ) -> *mut SmeltInstance {
        Box::into_raw(Box::new(SmeltInstance {
            store,
            instance,
            _thunks: thunks,
            handles: Default::default(),
        }))
    }
}

/// A trap (or instantiation failure) handed to C: a snapshot of the
/// [`Trap`] with C strings that live as long as it.
pub struct SmeltTrap {
    kind: u8,
    custom_code: u32,
    message: CString,
    report: CString,
    frames: Vec<SmeltFrame>,
    /// Per frame, its demangled name (`smelt_rt_trap_frame_demangled_name`):
    /// `frames[i].func_name` itself when demangling changes nothing.
    demangled_names: Vec<*const c_char>,
    /// Owns the strings `frames` and `demangled_names` point to.
    _names: Vec<CString>,
}

/// One backtrace frame as C sees it (`smelt_rt_frame`).
#[repr(C)]
#[derive(Copy, Clone)]
pub struct SmeltFrame {
    pub module: *const c_char,
    pub func_index: u32,
    /// The name section's name, raw (mangled for Rust or C++ code); NULL
    /// when the name section has no name for the function.
    pub func_name: *const c_char,
    /// `UINT32_MAX` when unknown.
    pub wasm_offset: u32,
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

fn trap_snapshot(trap: &Trap) -> SmeltTrap {
    let mut names = Vec::new();
    let mut frames = Vec::new();
    let mut demangled_names = Vec::new();
    for f in trap.backtrace() {
        let module = cstring(&f.module);
        let func_name = f.func_name.as_deref().map(cstring);
        let func_name_ptr = func_name.as_ref().map_or(std::ptr::null(), |n| n.as_ptr());
        let demangled = match f.demangled_name() {
            Some(std::borrow::Cow::Owned(d)) => Some(cstring(&d)),
            _ => None,
        };
        frames.push(SmeltFrame {
            module: module.as_ptr(),
            func_index: f.func_index,
            func_name: func_name_ptr,
            wasm_offset: f.wasm_offset.unwrap_or(u32::MAX),
        });
        demangled_names.push(demangled.as_ref().map_or(func_name_ptr, |d| d.as_ptr()));
        // Moving a CString does not move its heap buffer.
        names.push(module);
        names.extend(func_name);
        names.extend(demangled);
    }
    SmeltTrap {
        kind: trap.kind() as u8,
        custom_code: trap.custom_code(),
        message: cstring(trap.message()),
        report: cstring(&trap.report()),
        frames,
        demangled_names,
        _names: names,
    }
}

pub(crate) fn boxed_trap(trap: Trap) -> *mut SmeltTrap {
    Box::into_raw(Box::new(trap_snapshot(&trap)))
}

fn val_from_c(a: &SmeltVal) -> Val {
    // SAFETY: the kind says which union field is initialized.
    unsafe {
        match a.kind {
            KIND_I32 => Val::I32(a.of.i32),
            KIND_I64 => Val::I64(a.of.i64),
            KIND_F32 => Val::F32(a.of.f32.to_bits()),
            _ => Val::F64(a.of.f64.to_bits()),
        }
    }
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
    // SAFETY: the caller guarantees what `instantiate_descriptor` needs:
    // `descriptor` is linked into this program and `trap_out` is NULL or
    // writable (the `# Safety` of this function).
    unsafe {
        instantiate_descriptor(descriptor, trap_out, |store, module, _| {
            Linker::new().instantiate(store, module)
        })
    }
}

/// Instantiates the module of a linked-in descriptor in a new store, for
/// the C entry points: `instantiate` links and instantiates (it may keep
/// import thunks alive in the `Thunks` it is given). On failure the trap
/// goes to `trap_out` (when not NULL) and the result is NULL.
///
/// # Safety
///
/// `descriptor` must be a module descriptor linked into this program;
/// `trap_out` NULL or writable.
pub(crate) unsafe fn instantiate_descriptor(
    descriptor: *const c_void,
    trap_out: *mut *mut SmeltTrap,
    instantiate: impl FnOnce(
        &mut Store,
        &Module,
        &mut crate::c_api::linked::Thunks,
    ) -> Result<Instance, crate::InstantiationError>,
) -> *mut SmeltInstance {
    let fail = |trap: Trap| {
        if !trap_out.is_null() {
            // SAFETY: per the contract, trap_out is writable.
            unsafe { *trap_out = boxed_trap(trap) };
        }
        std::ptr::null_mut()
    };
    // SAFETY: the caller guarantees `descriptor` is a module descriptor
    // linked into this program, which is what `from_descriptor` reads.
    let module = match unsafe { Module::from_descriptor(descriptor.cast()) } {
        Ok(m) => m,
        Err(e) => return fail(Trap::host(e.to_string())),
    };
    let mut store = Store::new();
    let mut thunks = Default::default();
    match instantiate(&mut store, &module, &mut thunks) {
        Ok(instance) => SmeltInstance::new_boxed(store, instance, thunks),
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
    // SAFETY: the caller guarantees `instance` is valid (`# Safety`
    // above); the mutable borrow ends with this call.
    let inst = unsafe { &mut *instance };
    // SAFETY: the caller guarantees `name` is a NUL-terminated C string.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    let Some(func) = inst.instance.get_func(&mut inst.store, &name) else {
        return boxed_trap(Trap::host(format!("no exported function `{name}`")));
    };
    // SAFETY: the caller guarantees `args` points to `nargs` values.
    let args = unsafe { std::slice::from_raw_parts(args, nargs) };
    let vals: Vec<Val> = args.iter().map(val_from_c).collect();
    match func.call(&mut inst.store, &vals) {
        Ok(out) => {
            // SAFETY: the caller guarantees `results` has room for
            // `nresults` values.
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

/// The exported memory `name` (a handle owned by the instance), or NULL.
///
/// # Safety
///
/// `instance` valid, `name` a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_instance_memory(
    instance: *mut SmeltInstance,
    name: *const c_char,
) -> *mut crate::c_api::memory::SmeltMemory {
    // SAFETY: the caller guarantees `instance` is valid (`# Safety`
    // above); the mutable borrow ends with this call.
    let inst = unsafe { &mut *instance };
    // SAFETY: the caller guarantees `name` is a NUL-terminated C string.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    let Some(mem) = inst.instance.get_memory(&mut inst.store, &name) else {
        return std::ptr::null_mut();
    };
    inst.memory_handle(mem.index).cast()
}

/// The trap's kind (`SMELT_TRAP_*`).
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_kind(trap: *const SmeltTrap) -> u8 {
    // SAFETY: the caller guarantees `trap` is a live trap (not yet
    // freed), so reading its field is sound.
    unsafe { (*trap).kind }
}

/// The code of a `SMELT_TRAP_CUSTOM` trap (0 otherwise).
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_custom_code(trap: *const SmeltTrap) -> u32 {
    // SAFETY: the caller guarantees `trap` is a live trap (not yet
    // freed), so reading its field is sound.
    unsafe { (*trap).custom_code }
}

/// Copies up to `max` frames of the trap's wasm backtrace (innermost
/// first) to `out` and returns how many frames there are in total. The
/// strings stay valid until the trap is freed.
///
/// # Safety
///
/// `trap` must be a live trap; `out` NULL or writable for `max` frames.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_backtrace(
    trap: *const SmeltTrap,
    out: *mut SmeltFrame,
    max: usize,
) -> usize {
    // SAFETY: the caller guarantees `trap` is a live trap (not yet
    // freed), so borrowing its field is sound.
    let frames = unsafe { &(*trap).frames };
    if !out.is_null() {
        let n = frames.len().min(max);
        // SAFETY: `out` has room for `max >= n` frames.
        unsafe { out.copy_from_nonoverlapping(frames.as_ptr(), n) };
    }
    frames.len()
}

/// The raw name of backtrace frame `index` (innermost is 0) as the name
/// section has it, the frame's `func_name`: NULL when the function has no
/// name or there is no such frame. Valid until the trap is freed.
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_frame_func_name(
    trap: *const SmeltTrap,
    index: usize,
) -> *const c_char {
    // SAFETY: the caller guarantees `trap` is a live trap (not yet
    // freed), so borrowing its field is sound.
    let frames = unsafe { &(*trap).frames };
    frames.get(index).map_or(std::ptr::null(), |f| f.func_name)
}

/// The readable name of backtrace frame `index`, as the report prints it
/// ([`crate::Frame::demangled_name`]): a Rust or C++ mangling demangled,
/// any other name as it is. NULL when the function has no name or there
/// is no such frame. Valid until the trap is freed.
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_frame_demangled_name(
    trap: *const SmeltTrap,
    index: usize,
) -> *const c_char {
    // SAFETY: the caller guarantees `trap` is a live trap (not yet
    // freed), so borrowing its field is sound.
    let names = unsafe { &(*trap).demangled_names };
    names.get(index).copied().unwrap_or(std::ptr::null())
}

/// A C trap handler: returns one of `SMELT_RECOVER_*`; for
/// `SMELT_RECOVER_RETURN` it writes the call's results to `results`.
pub type SmeltTrapHandler = unsafe extern "C" fn(
    trap: *const SmeltTrap,
    user: *mut c_void,
    results: *mut SmeltVal,
    nresults: usize,
) -> i32;

const RECOVER_PROPAGATE: i32 = 0;
const RECOVER_ABORT: i32 = 1;
const RECOVER_RETURN: i32 = 2;

struct UserData(*mut c_void);
// SAFETY: the C caller promises the handler and its data may be used from
// the thread that calls into the instance (the instance is not Sync
// anyway; this only lets the store be moved between threads).
unsafe impl Send for UserData {}

/// Pushes a trap handler on the instance's store. `kind` is a
/// `SMELT_TRAP_*` kind, or 0 for every trap; with `SMELT_TRAP_CUSTOM`,
/// `custom_code` selects one code (`UINT32_MAX`: every custom code).
/// Returns the handler's id (for `smelt_rt_trap_handler_remove`).
///
/// # Safety
///
/// `instance` valid; `handler` callable with `user` whenever a call on
/// this instance traps, until the handler is removed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_handler_push(
    instance: *mut SmeltInstance,
    kind: u8,
    custom_code: u32,
    handler: SmeltTrapHandler,
    user: *mut c_void,
) -> u64 {
    use crate::{Recovery, TrapFilter, TrapKind};
    // SAFETY: the caller guarantees `instance` is valid (`# Safety`
    // above); the mutable borrow ends with this call.
    let inst = unsafe { &mut *instance };
    let filter = match TrapKind::try_from(kind) {
        Ok(TrapKind::Custom) if custom_code != u32::MAX => TrapFilter::Custom(custom_code),
        Ok(k) => TrapFilter::Kind(k),
        Err(_) => TrapFilter::All,
    };
    let user = UserData(user);
    let id = inst.store.push_trap_handler(filter, move |trap, ty| {
        let user = &user;
        let n = ty.results().len();
        let snapshot = trap_snapshot(trap);
        let mut results = vec![
            SmeltVal {
                kind: KIND_I32,
                of: SmeltValUnion { i64: 0 },
            };
            n
        ];
        // SAFETY: per the contract of `smelt_rt_trap_handler_push`.
        let decision = unsafe { handler(&snapshot, user.0, results.as_mut_ptr(), n) };
        match decision {
            RECOVER_ABORT => Recovery::Abort,
            RECOVER_RETURN => Recovery::Return(results.iter().map(val_from_c).collect()),
            _ => Recovery::Propagate,
        }
    });
    let _ = RECOVER_PROPAGATE;
    id.as_u64()
}

/// Removes the handler `id` from the instance's store; returns 1 if it was
/// registered.
///
/// # Safety
///
/// `instance` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_handler_remove(
    instance: *mut SmeltInstance,
    id: u64,
) -> i32 {
    // SAFETY: the caller guarantees `instance` is valid (`# Safety`
    // above); the mutable borrow ends with this call.
    let inst = unsafe { &mut *instance };
    i32::from(
        inst.store
            .remove_trap_handler(crate::HandlerId::from_u64(id)),
    )
}

/// Removes the innermost trap handler of the instance's store; returns 1
/// if there was one.
///
/// # Safety
///
/// `instance` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_handler_pop(instance: *mut SmeltInstance) -> i32 {
    // SAFETY: the caller guarantees `instance` is valid (`# Safety`
    // above); the mutable borrow ends with this call.
    let inst = unsafe { &mut *instance };
    i32::from(inst.store.pop_trap_handler())
}

/// The trap's message (valid until the trap is freed).
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_message(trap: *const SmeltTrap) -> *const c_char {
    // SAFETY: the caller guarantees `trap` is a live trap (not yet
    // freed), so borrowing its field is sound.
    unsafe { (*trap).message.as_ptr() }
}

/// The full report: message and wasm backtrace, one frame per line.
///
/// # Safety
///
/// `trap` must be a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_trap_report(trap: *const SmeltTrap) -> *const c_char {
    // SAFETY: the caller guarantees `trap` is a live trap (not yet
    // freed), so borrowing its field is sound.
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

// ---------------------------------------------------------------------------
// Interruption and timeouts (declared in their own block of smelt.h).
// ---------------------------------------------------------------------------

/// A handle that interrupts an instance's calls from any thread
/// (`smelt_rt_interrupt_handle`).
pub struct SmeltInterruptHandle(crate::InterruptHandle);

/// A handle to interrupt `instance`'s calls from another thread; free it
/// with `smelt_rt_interrupt_handle_free` (it may outlive the instance).
///
/// # Safety
///
/// `instance` must be valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_interrupt_handle_new(
    instance: *const SmeltInstance,
) -> *mut SmeltInterruptHandle {
    // SAFETY: the caller guarantees `instance` is valid; a shared borrow
    // suffices to get its interrupt handle.
    let instance = unsafe { &*instance };
    Box::into_raw(Box::new(SmeltInterruptHandle(
        instance.store.interrupt_handle(),
    )))
}

/// Interrupts the call running in the handle's instance (or, if none, the
/// next one): it traps with `SMELT_TRAP_INTERRUPTED` at its next function
/// entry or loop iteration. Safe to call from any thread, at any time.
///
/// # Safety
///
/// `handle` must come from `smelt_rt_interrupt_handle_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_interrupt(handle: *const SmeltInterruptHandle) {
    // SAFETY: the caller guarantees `handle` came from
    // `smelt_rt_interrupt_handle_new` and is not yet freed.
    unsafe { &*handle }.0.interrupt();
}

/// Frees an interrupt handle.
///
/// # Safety
///
/// `handle` must come from `smelt_rt_interrupt_handle_new` (or be NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_interrupt_handle_free(handle: *mut SmeltInterruptHandle) {
    if !handle.is_null() {
        // SAFETY: per the contract, we own it.
        drop(unsafe { Box::from_raw(handle) });
    }
}

/// Limits each later call into `instance` to `ms` milliseconds (0: no
/// limit). Returns 0, or -1 if the module was compiled without
/// interruption checks (`smelt compile --interruptible`).
///
/// # Safety
///
/// `instance` must be valid and not running a call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_set_timeout_ms(instance: *mut SmeltInstance, ms: u64) -> i32 {
    // SAFETY: the caller guarantees `instance` is valid and not running
    // a call, so this mutable borrow aliases nothing.
    let inst = unsafe { &mut *instance };
    if ms == 0 {
        inst.store.set_timeout(None);
        return 0;
    }
    if !inst.instance.module(&mut inst.store).interruptible() {
        return -1;
    }
    inst.store
        .set_timeout(Some(std::time::Duration::from_millis(ms)));
    0
}

// Fuel (declared in its own block of smelt.h).

/// Sets the fuel remaining for `instance`'s calls to `fuel` units (one
/// per wasm instruction; a call that runs out traps with
/// `SMELT_TRAP_OUT_OF_FUEL`). Returns 0, or -1 if the module was compiled
/// without fuel metering (`smelt compile --fuel-metering`).
///
/// # Safety
///
/// `instance` must be valid and not running a call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_set_fuel(instance: *mut SmeltInstance, fuel: u64) -> i32 {
    // SAFETY: the caller guarantees `instance` is valid and not running
    // a call, so this mutable borrow aliases nothing.
    let inst = unsafe { &mut *instance };
    if !inst.instance.module(&mut inst.store).fuel_metered() {
        return -1;
    }
    inst.store.set_fuel(fuel);
    0
}

/// Adds `fuel` units to the fuel remaining (saturating; enables fuel if
/// it was not). Returns 0, or -1 as `smelt_rt_set_fuel`.
///
/// # Safety
///
/// As for `smelt_rt_set_fuel`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_add_fuel(instance: *mut SmeltInstance, fuel: u64) -> i32 {
    // SAFETY: as in `smelt_rt_set_fuel`.
    let inst = unsafe { &mut *instance };
    if !inst.instance.module(&mut inst.store).fuel_metered() {
        return -1;
    }
    inst.store.add_fuel(fuel);
    0
}

/// Writes the fuel remaining to `*fuel` and returns 0, or returns -1 (and
/// writes nothing) if fuel is not enabled for `instance`.
///
/// # Safety
///
/// `instance` must be valid and not running a call; `fuel` must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_get_fuel(instance: *const SmeltInstance, fuel: *mut u64) -> i32 {
    // SAFETY: the caller guarantees `instance` is valid.
    let inst = unsafe { &*instance };
    match inst.store.fuel() {
        Some(f) if !fuel.is_null() => {
            // SAFETY: the caller guarantees `fuel` is writable.
            unsafe { fuel.write(f) };
            0
        }
        _ => -1,
    }
}
