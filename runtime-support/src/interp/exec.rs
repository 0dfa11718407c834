//! The executor's loop: one `match` over the IR's op numbers, with the
//! machine state (ip, frame pointer, instance) in locals, frames of calls
//! between interpreted functions on this thread's interpreter stack.

use super::{InterpCtx, array_entry};
use crate::abi::interp::{self as ir, Op};
use crate::abi::{self, Libcall, TrapKind, VMFuncRef, VMMemoryDefinition, VMTableDefinition};
use crate::instance::InstanceData;
use crate::module::ModuleInner;
use crate::trap::{Frame as TraceFrame, Trap};
use crate::values::ValRaw;
use std::cell::Cell;

/// Slots of one thread's interpreter stack (16 MiB per MiB-slot; pages are
/// only touched as frames reach them).
const STACK_SLOTS: usize = 4 << 20;
/// Most interpreter frames on one thread.
const MAX_FRAMES: usize = 1 << 20;

/// How an interpreted call ended other than by returning.
pub(crate) enum Unwind {
    Trap(Trap),
    /// An uncaught exception (an exnref).
    Exception(usize),
}

/// A caller's state, saved while its callee runs.
#[derive(Copy, Clone)]
struct Frame {
    code: *const u32,
    /// The call instruction (for backtraces and exception handlers).
    call_ip: *const u32,
    /// Where execution resumes.
    ret_ip: *const u32,
    fp: *mut ValRaw,
    vmctx: *mut u8,
    func: u32,
}

/// One thread's interpreter stack.
pub(crate) struct Stack {
    slots: *mut ValRaw,
    /// First free slot for a new activation.
    top: usize,
    frames: Vec<Frame>,
}

thread_local! {
    static STACK: Cell<*mut Stack> = const { Cell::new(std::ptr::null_mut()) };
}

fn thread_stack() -> *mut Stack {
    let s = STACK.with(|s| s.get());
    if !s.is_null() {
        return s;
    }
    let layout = std::alloc::Layout::array::<ValRaw>(STACK_SLOTS).expect("fixed size");
    // SAFETY: the layout is non-zero; slots are plain data written before
    // they are read (frames zero their locals).
    let slots = unsafe { std::alloc::alloc(layout) } as *mut ValRaw;
    if slots.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // Lives as long as the thread (leaked on thread exit: 64 MiB of
    // untouched virtual memory, unmapped with the process).
    let b = Box::into_raw(Box::new(Stack {
        slots,
        top: 0,
        frames: Vec::new(),
    }));
    STACK.with(|s| s.set(b));
    b
}

// ---- slot access ----

#[inline(always)]
pub(crate) unsafe fn r32(fp: *mut ValRaw, i: u32) -> u32 {
    // SAFETY: the caller passes a slot of the current frame.
    unsafe { *(fp.add(i as usize) as *const u32) }
}
#[inline(always)]
pub(crate) unsafe fn w32(fp: *mut ValRaw, i: u32, v: u32) {
    // SAFETY: as for r32.
    unsafe { *(fp.add(i as usize) as *mut u32) = v }
}
#[inline(always)]
pub(crate) unsafe fn r64(fp: *mut ValRaw, i: u32) -> u64 {
    // SAFETY: as for r32.
    unsafe { *(fp.add(i as usize) as *const u64) }
}
#[inline(always)]
pub(crate) unsafe fn w64(fp: *mut ValRaw, i: u32, v: u64) {
    // SAFETY: as for r32.
    unsafe { *(fp.add(i as usize) as *mut u64) = v }
}
#[inline(always)]
pub(crate) unsafe fn rf32(fp: *mut ValRaw, i: u32) -> f32 {
    // SAFETY: as for r32.
    f32::from_bits(unsafe { r32(fp, i) })
}
#[inline(always)]
pub(crate) unsafe fn wf32(fp: *mut ValRaw, i: u32, v: f32) {
    // SAFETY: as for r32.
    unsafe { w32(fp, i, v.to_bits()) }
}
#[inline(always)]
pub(crate) unsafe fn rf64(fp: *mut ValRaw, i: u32) -> f64 {
    // SAFETY: as for r32.
    f64::from_bits(unsafe { r64(fp, i) })
}
#[inline(always)]
pub(crate) unsafe fn wf64(fp: *mut ValRaw, i: u32, v: f64) {
    // SAFETY: as for r32.
    unsafe { w64(fp, i, v.to_bits()) }
}
#[inline(always)]
pub(crate) unsafe fn rptr(fp: *mut ValRaw, i: u32) -> usize {
    // SAFETY: as for r32.
    unsafe { r64(fp, i) as usize }
}

// ---- float semantics ----

pub(crate) fn fmin32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f32::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}
pub(crate) fn fmax32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f32::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}
pub(crate) fn fmin64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}
pub(crate) fn fmax64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}

/// A trapping float-to-int truncation: `x` must lie strictly between
/// `lo` and `hi` (exclusive bounds of the representable range).
pub(crate) fn trunc_check(x: f64, lo: f64, hi: f64) -> Result<(), TrapKind> {
    if x.is_nan() {
        Err(TrapKind::InvalidConversionToInteger)
    } else if x <= lo || x >= hi {
        Err(TrapKind::IntegerOverflow)
    } else {
        Ok(())
    }
}

/// The libcall table entry `l` of `vmctx`.
///
/// # Safety
///
/// `vmctx` must be a live instance's vmctx.
pub(crate) unsafe fn libcall(vmctx: *mut u8, l: Libcall) -> *const () {
    // SAFETY: the libcall table pointer is set at instantiation.
    unsafe {
        let table = *(vmctx.add(abi::VMCTX_LIBCALLS as usize) as *const *const *const ());
        *table.add(l as usize)
    }
}

/// What the loop needs to know about the running function's module.
pub(crate) struct ModRefs<'a> {
    pub(crate) m: &'a ModuleInner,
    pub(crate) inst: &'a InstanceData,
}

/// # Safety
///
/// `vmctx` must be a live instance's vmctx.
unsafe fn refs<'a>(vmctx: *mut u8) -> ModRefs<'a> {
    // SAFETY: per the contract.
    let inst = unsafe { InstanceData::from_vmctx(vmctx) };
    // SAFETY: the module outlives its instances, which outlive the call.
    let m: &'a ModuleInner = unsafe { &*std::sync::Arc::as_ptr(&inst.module.inner) };
    ModRefs { m, inst }
}

/// The `VMMemoryDefinition` of memory `mem` of `vmctx`.
#[inline(always)]
unsafe fn memory(vmctx: *mut u8, off: &abi::VMOffsets, mem: u32) -> *mut VMMemoryDefinition {
    // SAFETY: the memories area holds one pointer per memory.
    unsafe { *(vmctx.add(off.memory(mem) as usize) as *const *mut VMMemoryDefinition) }
}

#[inline(always)]
unsafe fn table(vmctx: *mut u8, off: &abi::VMOffsets, t: u32) -> *mut VMTableDefinition {
    // SAFETY: the tables area holds one pointer per table.
    unsafe { *(vmctx.add(off.table(t) as usize) as *const *mut VMTableDefinition) }
}

/// The effective address of an access of `size` bytes, if in bounds.
#[inline(always)]
fn ea(addr: u64, offset: u64, size: u64, len: usize) -> Option<usize> {
    let start = addr.checked_add(offset)?;
    let end = start.checked_add(size)?;
    (end <= len as u64).then_some(start as usize)
}

/// Runs defined function `func` (module index space) of the instance
/// `vmctx` with arguments in `values` (room for its results too).
///
/// # Safety
///
/// `vmctx` must be a live instance of an interpreted module, `func` one of
/// its defined functions, `values` as long as the function's params and
/// results.
pub(crate) unsafe fn call(vmctx: *mut u8, func: u32, values: *mut ValRaw) -> Result<(), Unwind> {
    // SAFETY: per the contract.
    let r = unsafe { refs(vmctx) };
    let defined = func - r.m.header().num_imported_funcs;
    let rec = r.m.interp_func(defined);
    // SAFETY: the thread's stack is only used by this thread, and by
    // nested activations strictly above `top`.
    let st = unsafe { &mut *thread_stack() };
    let base = st.top;
    if base + rec.frame_size as usize > STACK_SLOTS {
        return Err(Unwind::Trap(Trap::new(TrapKind::StackOverflow)));
    }
    // SAFETY: `base..base + frame_size` is inside the stack; `values`
    // holds `num_params` arguments.
    unsafe {
        let fp = st.slots.add(base);
        std::ptr::copy_nonoverlapping(values, fp, rec.num_params as usize);
        std::ptr::write_bytes(
            fp.add(rec.num_params as usize),
            0,
            (rec.num_locals - rec.num_params) as usize,
        );
        let result = run(st, vmctx, defined, fp);
        st.top = base;
        if result.is_ok() {
            std::ptr::copy_nonoverlapping(fp, values, rec.num_results as usize);
        }
        result
    }
}

/// Builds the backtrace of the current activation: the running function
/// at `ip`, then the saved frames from `first` up.
fn backtrace(
    st: &Stack,
    first: usize,
    vmctx: *mut u8,
    func: u32,
    code: *const u32,
    ip: *const u32,
) -> Vec<TraceFrame> {
    let mut out = Vec::new();
    let mut push = |vmctx: *mut u8, func: u32, code: *const u32, ip: *const u32| {
        // SAFETY: frames of this activation belong to live instances.
        let r = unsafe { refs(vmctx) };
        let rec = r.m.interp_func(func);
        // SAFETY: `ip` points into the function's code.
        let word = unsafe { ip.offset_from(code) } as u32;
        let offs = r.m.interp_offsets(&rec);
        let wasm_offset = offs
            .binary_search_by_key(&word, |o| o.ip)
            .ok()
            .map(|i| offs[i].wasm_offset);
        let index = func + r.m.header().num_imported_funcs;
        if out.len() < crate::entry::MAX_FRAMES {
            out.push(TraceFrame {
                module: r.m.name().into_owned(),
                func_index: index,
                func_name: r.m.func_name(index),
                wasm_offset,
            });
        }
    };
    push(vmctx, func, code, ip);
    for f in st.frames[first..].iter().rev() {
        push(f.vmctx, f.func, f.code, f.call_ip);
    }
    out
}

/// Whether canonical type `sub` is a subtype of `sup`.
///
/// # Safety
///
/// `vmctx` must be a live instance's vmctx.
unsafe fn is_subtype(vmctx: *mut u8, sub: u32, sup: u32) -> bool {
    // SAFETY: the libcall's signature in the libcall list.
    unsafe {
        let f: unsafe extern "C" fn(*mut u8, u32, u32) -> u32 =
            std::mem::transmute(libcall(vmctx, Libcall::is_subtype));
        f(vmctx, sub, sup) != 0
    }
}

/// Calls compiled code (a funcref without `FUNCREF_ARRAY_CALL`) of this
/// module's type `ty` through the module's entry trampoline for it.
///
/// # Safety
///
/// `fr` must be a live funcref of that type, `args` its params with room
/// for its results.
unsafe fn call_compiled(
    r: &ModRefs<'_>,
    fr: *const VMFuncRef,
    ty: u32,
    args: *mut ValRaw,
) -> Result<(), Trap> {
    let rec = r.m.slice::<abi::TypeRec>(r.m.header().types)[ty as usize];
    if rec.entry == abi::NO_INDEX {
        return Err(Trap::host(
            "no entry trampoline for a call into compiled code",
        ));
    }
    // SAFETY: the entry trampoline of this type, compiled for the platform
    // C ABI with the `EntryFn` signature.
    let entry: crate::entry::EntryFn = unsafe { std::mem::transmute(r.m.code_ptr(rec.entry)) };
    // SAFETY: per the contract.
    match unsafe { crate::entry::enter(entry, fr, args) } {
        Ok(()) => Ok(()),
        Err(raw) => {
            // SAFETY: the instance's store outlives its running code.
            let store = unsafe { &mut *r.inst.store };
            Err(store.make_trap(raw))
        }
    }
}

/// The first handler of the running function that catches `exn` thrown at
/// `ip`: writes the payload and exnref into the frame and returns where to
/// go on.
///
/// # Safety
///
/// `fp` is the frame of `func` of the instance `vmctx`, `exn` a live
/// exception object.
#[allow(clippy::too_many_arguments, reason = "the loop's state")]
unsafe fn find_handler(
    r: &ModRefs<'_>,
    func: u32,
    code: *const u32,
    ip: *const u32,
    vmctx: *mut u8,
    off: &abi::VMOffsets,
    exn: usize,
    fp: *mut ValRaw,
) -> Option<u32> {
    let rec = r.m.interp_func(func);
    // SAFETY: `ip` points into the function's code.
    let word = unsafe { ip.offset_from(code) } as u32;
    let mut limit = u32::MAX;
    for h in r.m.interp_handlers(&rec) {
        if h.depth > limit || word < h.start || word >= h.end {
            continue;
        }
        match h.kind {
            ir::IHANDLER_DELEGATE => {
                limit = h.tag;
                continue;
            }
            ir::IHANDLER_CATCH => {
                // SAFETY: the tags area holds one pointer per tag; an
                // exception object starts with its tag's pointer.
                unsafe {
                    let tag = *(vmctx.add(off.tag(h.tag) as usize) as *const usize);
                    if *(exn as *const usize) != tag {
                        continue;
                    }
                    let n = *((exn + abi::VMEXN_NUM_VALUES as usize) as *const u32);
                    let values = (exn + abi::VMEXN_VALUES as usize) as *const ValRaw;
                    std::ptr::copy_nonoverlapping(values, fp.add(h.dst as usize), n as usize);
                }
            }
            _ => {}
        }
        if h.exn != ir::NO_SLOT {
            // SAFETY: a slot of the frame.
            unsafe { w64(fp, h.exn, exn as u64) };
        }
        return Some(h.target);
    }
    None
}

/// An instruction the main loop resumes at after a host call made by a
/// tail call: it returns the callee's results.
static RETURN_WORD: [u32; 1] = [Op::Return as u32];

macro_rules! op {
    ($name:ident) => {
        Op::$name as u16
    };
}

/// The loop. Returns when the function that `fp` belongs to returns.
///
/// # Safety
///
/// As for [`call`]; `fp` holds the function's arguments and zeroed locals.
#[allow(clippy::too_many_lines, reason = "one arm per instruction")]
unsafe fn run(st: &mut Stack, vmctx0: *mut u8, func0: u32, fp0: *mut ValRaw) -> Result<(), Unwind> {
    let first_frame = st.frames.len();
    let mut vmctx = vmctx0;
    let mut func = func0;
    // SAFETY: per the contract.
    let mut r = unsafe { refs(vmctx) };
    let mut off = r.m.offsets;
    let mut code_base = r.m.interp_code().as_ptr();
    let rec = r.m.interp_func(func);
    // SAFETY: the record's code range was validated at load.
    let mut code = unsafe { code_base.add(rec.code.offset as usize) };
    let mut ip = code;
    let mut fp = fp0;
    let mut frame_end = rec.frame_size as usize;
    let stack_end = st.slots.wrapping_add(STACK_SLOTS);

    // Ends the call with a trap at the current instruction.
    macro_rules! trap {
        ($kind:expr) => {{
            let t = Trap::new($kind);
            trap_with!(t)
        }};
    }
    macro_rules! trap_with {
        ($t:expr) => {{
            let mut t: Trap = $t;
            let mut frames = backtrace(st, first_frame, vmctx, func, code, ip);
            let inner = t.backtrace().to_vec();
            if !inner.is_empty() {
                let mut all = inner;
                all.append(&mut frames);
                frames = all;
            }
            t.set_backtrace(frames);
            st.frames.truncate(first_frame);
            return Err(Unwind::Trap(t));
        }};
    }
    // Throws exnref `$exn` from the current instruction.
    macro_rules! throw {
        ($exn:expr) => {{
            let exn: usize = $exn;
            loop {
                if let Some(target) = find_handler(&r, func, code, ip, vmctx, &off, exn, fp) {
                    ip = code.add(target as usize);
                    break;
                }
                if st.frames.len() == first_frame {
                    return Err(Unwind::Exception(exn));
                }
                let f = st.frames.pop().expect("checked");
                leave_to!(f);
                ip = f.call_ip;
            }
            continue;
        }};
    }
    macro_rules! leave_to {
        ($f:expr) => {{
            let f: Frame = $f;
            if f.vmctx != vmctx {
                vmctx = f.vmctx;
                r = refs(vmctx);
                off = r.m.offsets;
                code_base = r.m.interp_code().as_ptr();
            }
            func = f.func;
            code = f.code;
            fp = f.fp;
            frame_end = r.m.interp_func(func).frame_size as usize;
        }};
    }
    // Enters defined function `$callee` of the current instance with its
    // frame at `$new_fp`; `$ret` is where the caller resumes.
    macro_rules! enter {
        ($callee:expr, $new_fp:expr, $ret:expr) => {{
            let callee: u32 = $callee;
            let new_fp: *mut ValRaw = $new_fp;
            let rec = r.m.interp_func(callee);
            if new_fp.wrapping_add(rec.frame_size as usize) > stack_end
                || st.frames.len() >= MAX_FRAMES
            {
                trap!(TrapKind::StackOverflow);
            }
            st.frames.push(Frame {
                code,
                call_ip: ip,
                ret_ip: $ret,
                fp,
                vmctx,
                func,
            });
            std::ptr::write_bytes(
                new_fp.add(rec.num_params as usize),
                0,
                (rec.num_locals - rec.num_params) as usize,
            );
            func = callee;
            code = code_base.add(rec.code.offset as usize);
            ip = code;
            fp = new_fp;
            frame_end = rec.frame_size as usize;
            continue;
        }};
    }
    // Calls the funcref `$fr` of type `$ty` (this module's type index)
    // with arguments at slot `$base`; resumes at `$ret`.
    macro_rules! call_ref {
        ($fr:expr, $base:expr, $ty:expr, $ret:expr) => {{
            let fr: *const VMFuncRef = $fr;
            let base: u32 = $base;
            let ret: *const u32 = $ret;
            let flags = (*fr).flags;
            let ctx = (*fr).vmctx;
            if flags & abi::FUNCREF_ARRAY_CALL != 0
                && *(ctx as *const usize) == array_entry as *const () as usize
            {
                let ic = &*(ctx as *const InterpCtx);
                if ic.vmctx == vmctx {
                    enter!(
                        ic.func_index - r.m.header().num_imported_funcs,
                        fp.add(base as usize),
                        ret
                    );
                }
                // Another instance: switch to it for the callee.
                let new_fp = fp.add(base as usize);
                let other = refs(ic.vmctx);
                let callee = ic.func_index - other.m.header().num_imported_funcs;
                let rec = other.m.interp_func(callee);
                if new_fp.wrapping_add(rec.frame_size as usize) > stack_end
                    || st.frames.len() >= MAX_FRAMES
                {
                    trap!(TrapKind::StackOverflow);
                }
                st.frames.push(Frame {
                    code,
                    call_ip: ip,
                    ret_ip: ret,
                    fp,
                    vmctx,
                    func,
                });
                vmctx = ic.vmctx;
                r = other;
                off = r.m.offsets;
                code_base = r.m.interp_code().as_ptr();
                std::ptr::write_bytes(
                    new_fp.add(rec.num_params as usize),
                    0,
                    (rec.num_locals - rec.num_params) as usize,
                );
                func = callee;
                code = code_base.add(rec.code.offset as usize);
                ip = code;
                fp = new_fp;
                frame_end = rec.frame_size as usize;
                continue;
            }
            // Host or compiled code: an array call; nested activations
            // use the stack above this frame.
            st.top = (fp.offset_from(st.slots) as usize) + frame_end;
            let args = fp.add(base as usize);
            let outcome: Result<(), Trap> = if flags & abi::FUNCREF_ARRAY_CALL != 0 {
                type HostCallFn = unsafe extern "C" fn(*mut u8, *mut u8, *mut ValRaw, usize) -> u32;
                let f: HostCallFn = *(ctx as *const HostCallFn);
                let (np, nr) = r.m.type_arity($ty);
                match f(ctx, vmctx, args, np.max(nr)) {
                    abi::HOST_STATUS_OK => Ok(()),
                    abi::HOST_STATUS_EXCEPTION => throw!(r64(args, 0) as usize),
                    _ => Err(crate::entry::take_raised()
                        .unwrap_or_else(|| Trap::host("a host call failed without a trap"))),
                }
            } else {
                call_compiled(&r, fr, $ty, args)
            };
            match outcome {
                Ok(()) => {
                    ip = ret;
                    continue;
                }
                Err(t) => {
                    if let Some(exn) = crate::exceptions::trap_exception(&t) {
                        throw!(exn.0);
                    }
                    trap_with!(t);
                }
            }
        }};
    }

    // A tail call of funcref `$fr` of type `$ty`, arguments in slots 0..
    macro_rules! tail_call {
        ($fr:expr, $ty:expr) => {{
            let fr: *const VMFuncRef = $fr;
            let ctx = (*fr).vmctx;
            if (*fr).flags & abi::FUNCREF_ARRAY_CALL != 0
                && *(ctx as *const usize) == array_entry as *const () as usize
            {
                let ic = &*(ctx as *const InterpCtx);
                if ic.vmctx != vmctx {
                    vmctx = ic.vmctx;
                    r = refs(vmctx);
                    off = r.m.offsets;
                    code_base = r.m.interp_code().as_ptr();
                }
                let callee = ic.func_index - r.m.header().num_imported_funcs;
                let rec = r.m.interp_func(callee);
                if fp.wrapping_add(rec.frame_size as usize) > stack_end {
                    trap!(TrapKind::StackOverflow);
                }
                std::ptr::write_bytes(
                    fp.add(rec.num_params as usize),
                    0,
                    (rec.num_locals - rec.num_params) as usize,
                );
                func = callee;
                code = code_base.add(rec.code.offset as usize);
                ip = code;
                frame_end = rec.frame_size as usize;
                continue;
            }
            // Host or compiled code: call it, then return its results.
            call_ref!(fr, 0, $ty, RETURN_WORD.as_ptr());
        }};
    }

    // SAFETY: (the whole loop) the IR was produced by smelt's translator
    // from validated wasm and checked at load; every slot operand is
    // below the frame size, every branch target inside the function.
    unsafe {
        loop {
            let w = *ip;
            let a = w >> 16;
            match w as u16 {
                x if x == op!(Unreachable) => trap!(TrapKind::Unreachable),
                x if x == op!(Nop) => ip = ip.add(1),
                x if x == op!(Br) => ip = code.add(*ip.add(1) as usize),
                x if x == op!(BrIfNez) => {
                    ip = if r32(fp, a) != 0 {
                        code.add(*ip.add(1) as usize)
                    } else {
                        ip.add(2)
                    }
                }
                x if x == op!(BrIfEqz) => {
                    ip = if r32(fp, a) == 0 {
                        code.add(*ip.add(1) as usize)
                    } else {
                        ip.add(2)
                    }
                }
                x if x == op!(BrTable) => {
                    let n = *ip.add(1);
                    let i = r32(fp, a).min(n);
                    ip = code.add(*ip.add(2 + i as usize) as usize);
                }
                x if x == op!(BrOnNull) => {
                    ip = if rptr(fp, a) == 0 {
                        code.add(*ip.add(1) as usize)
                    } else {
                        ip.add(2)
                    }
                }
                x if x == op!(BrOnNonNull) => {
                    ip = if rptr(fp, a) != 0 {
                        code.add(*ip.add(1) as usize)
                    } else {
                        ip.add(2)
                    }
                }
                x if x == op!(Copy) => {
                    let src = *ip.add(1) & 0xffff;
                    *fp.add(a as usize) = *fp.add(src as usize);
                    ip = ip.add(2);
                }
                x if x == op!(CopyN) => {
                    let w1 = *ip.add(1);
                    std::ptr::copy(
                        fp.add((w1 & 0xffff) as usize),
                        fp.add(a as usize),
                        (w1 >> 16) as usize,
                    );
                    ip = ip.add(2);
                }
                x if x == op!(Return) => {
                    if st.frames.len() == first_frame {
                        return Ok(());
                    }
                    let f = st.frames.pop().expect("checked");
                    leave_to!(f);
                    ip = f.ret_ip;
                }
                x if x == op!(Call) => {
                    let callee = *ip.add(1);
                    let nimp = r.m.header().num_imported_funcs;
                    if callee >= nimp {
                        enter!(callee - nimp, fp.add(a as usize), ip.add(2));
                    }
                    let fr =
                        *(vmctx.add(off.imported_func(callee) as usize) as *const *const VMFuncRef);
                    let ty = r.m.func_rec(callee).type_index;
                    call_ref!(fr, a, ty, ip.add(2));
                }
                x if x == op!(CallIndirect) || x == op!(ReturnCallIndirect) => {
                    let w1 = *ip.add(1);
                    let tyw = *ip.add(2);
                    let ty = tyw & !ir::IDX64;
                    let t = table(vmctx, &off, w1 >> 16);
                    let idx = if tyw & ir::IDX64 != 0 {
                        r64(fp, w1 & 0xffff)
                    } else {
                        r32(fp, w1 & 0xffff) as u64
                    };
                    if idx >= (*t).length {
                        trap!(TrapKind::UndefinedElement);
                    }
                    let fr = *(*t).base.add(idx as usize) as *const VMFuncRef;
                    if fr.is_null() {
                        trap!(TrapKind::IndirectCallToNull);
                    }
                    let want = *(vmctx.add(off.type_id(ty) as usize) as *const u32);
                    if (*fr).type_id != want && !is_subtype(vmctx, (*fr).type_id, want) {
                        trap!(TrapKind::IndirectCallSignatureMismatch);
                    }
                    if x == op!(CallIndirect) {
                        call_ref!(fr, a, ty, ip.add(3));
                    }
                    tail_call!(fr, ty);
                }
                x if x == op!(CallRef) || x == op!(ReturnCallRef) => {
                    let w1 = *ip.add(1);
                    let ty = *ip.add(2);
                    let fr = rptr(fp, w1 & 0xffff) as *const VMFuncRef;
                    if fr.is_null() {
                        trap!(TrapKind::NullFunctionReference);
                    }
                    if x == op!(CallRef) {
                        call_ref!(fr, a, ty, ip.add(3));
                    }
                    tail_call!(fr, ty);
                }
                x if x == op!(ReturnCall) => {
                    let callee = *ip.add(1);
                    let nimp = r.m.header().num_imported_funcs;
                    if callee >= nimp {
                        // Replace this frame: the arguments are already
                        // in slots 0...
                        let rec = r.m.interp_func(callee - nimp);
                        if fp.wrapping_add(rec.frame_size as usize) > stack_end {
                            trap!(TrapKind::StackOverflow);
                        }
                        std::ptr::write_bytes(
                            fp.add(rec.num_params as usize),
                            0,
                            (rec.num_locals - rec.num_params) as usize,
                        );
                        func = callee - nimp;
                        code = code_base.add(rec.code.offset as usize);
                        ip = code;
                        frame_end = rec.frame_size as usize;
                        continue;
                    }
                    let fr =
                        *(vmctx.add(off.imported_func(callee) as usize) as *const *const VMFuncRef);
                    let ty = r.m.func_rec(callee).type_index;
                    tail_call!(fr, ty);
                }
                x if x == op!(Select) => {
                    let w1 = *ip.add(1);
                    let cond = *ip.add(2) & 0xffff;
                    let src = if r32(fp, cond) != 0 {
                        w1 & 0xffff
                    } else {
                        w1 >> 16
                    };
                    *fp.add(a as usize) = *fp.add(src as usize);
                    ip = ip.add(3);
                }
                x if x == op!(Const32) => {
                    w32(fp, a, *ip.add(1));
                    ip = ip.add(2);
                }
                x if x == op!(Const64) => {
                    w64(fp, a, *ip.add(1) as u64 | (*ip.add(2) as u64) << 32);
                    ip = ip.add(3);
                }
                x if x == op!(Const128) => {
                    let mut v = 0u128;
                    for k in 0..4 {
                        v |= (*ip.add(1 + k) as u128) << (32 * k);
                    }
                    *fp.add(a as usize) = ValRaw::from_u128(v);
                    ip = ip.add(5);
                }
                x if x == op!(GlobalGet) => {
                    *fp.add(a as usize) = *(vmctx.add(*ip.add(1) as usize) as *const ValRaw);
                    ip = ip.add(2);
                }
                x if x == op!(GlobalSet) => {
                    *(vmctx.add(*ip.add(1) as usize) as *mut ValRaw) = *fp.add(a as usize);
                    ip = ip.add(2);
                }
                x if x == op!(GlobalGetImported) => {
                    let g = *(vmctx.add(*ip.add(1) as usize) as *const *const ValRaw);
                    *fp.add(a as usize) = *g;
                    ip = ip.add(2);
                }
                x if x == op!(GlobalSetImported) => {
                    let g = *(vmctx.add(*ip.add(1) as usize) as *const *mut ValRaw);
                    *g = *fp.add(a as usize);
                    ip = ip.add(2);
                }
                x if x == op!(I32AddImm) => {
                    let src = *ip.add(1) & 0xffff;
                    w32(fp, a, r32(fp, src).wrapping_add(*ip.add(2)));
                    ip = ip.add(3);
                }
                x if x == op!(I64AddImm) => {
                    let src = *ip.add(1) & 0xffff;
                    let imm = *ip.add(2) as u64 | (*ip.add(3) as u64) << 32;
                    w64(fp, a, r64(fp, src).wrapping_add(imm));
                    ip = ip.add(4);
                }
                x if x == op!(Fuel) => {
                    let fuel = *(vmctx.add(abi::VMCTX_FUEL as usize) as *const *mut i64);
                    *fuel = (*fuel).wrapping_sub(*ip.add(1) as i64);
                    ip = ip.add(2);
                }
                x if x == op!(FuelCheck) => {
                    let fuel = *(vmctx.add(abi::VMCTX_FUEL as usize) as *const *mut i64);
                    *fuel = (*fuel).wrapping_sub(*ip.add(1) as i64);
                    if *fuel < 0 {
                        trap!(TrapKind::OutOfFuel);
                    }
                    ip = ip.add(2);
                }
                x if x == op!(Interrupt) => {
                    let flag = *(vmctx.add(abi::VMCTX_INTERRUPT as usize) as *const *const u32);
                    if std::ptr::read_volatile(flag) != 0 {
                        trap!(TrapKind::Interrupted);
                    }
                    ip = ip.add(1);
                }
                x if (ir::MEM..ir::MEM64 + 0x80).contains(&x) => {
                    let byte = x & 0x7f;
                    let is64 = x >= ir::MEM64;
                    let w1 = *ip.add(1);
                    let mem = memory(vmctx, &off, w1 >> 16);
                    let (addr, offset, next) = if is64 {
                        (
                            r64(fp, w1 & 0xffff),
                            *ip.add(2) as u64 | (*ip.add(3) as u64) << 32,
                            4,
                        )
                    } else {
                        (r32(fp, w1 & 0xffff) as u64, *ip.add(2) as u64, 3)
                    };
                    let is_store = byte >= 0x36;
                    let size: u64 = match byte {
                        0x28 | 0x2a | 0x34 | 0x35 | 0x36 | 0x38 | 0x3e => 4,
                        0x29 | 0x2b | 0x37 | 0x39 => 8,
                        0x2c | 0x2d | 0x30 | 0x31 | 0x3a | 0x3c => 1,
                        _ => 2,
                    };
                    let Some(e) = ea(addr, offset, size, (*mem).length) else {
                        trap!(TrapKind::MemoryOutOfBounds);
                    };
                    let p = (*mem).base.add(e);
                    if is_store {
                        match byte {
                            0x36 | 0x38 | 0x3e => {
                                (p as *mut u32).write_unaligned(r32(fp, a).to_le())
                            }
                            0x37 | 0x39 => (p as *mut u64).write_unaligned(r64(fp, a).to_le()),
                            0x3a | 0x3c => *p = r32(fp, a) as u8,
                            _ => (p as *mut u16).write_unaligned((r32(fp, a) as u16).to_le()),
                        }
                    } else {
                        match byte {
                            0x28 | 0x2a => {
                                w32(fp, a, u32::from_le((p as *const u32).read_unaligned()))
                            }
                            0x29 | 0x2b => {
                                w64(fp, a, u64::from_le((p as *const u64).read_unaligned()))
                            }
                            0x2c => w32(fp, a, *p as i8 as i32 as u32),
                            0x2d => w32(fp, a, *p as u32),
                            0x2e => w32(
                                fp,
                                a,
                                u16::from_le((p as *const u16).read_unaligned()) as i16 as i32
                                    as u32,
                            ),
                            0x2f => w32(
                                fp,
                                a,
                                u16::from_le((p as *const u16).read_unaligned()) as u32,
                            ),
                            0x30 => w64(fp, a, *p as i8 as i64 as u64),
                            0x31 => w64(fp, a, *p as u64),
                            0x32 => w64(
                                fp,
                                a,
                                u16::from_le((p as *const u16).read_unaligned()) as i16 as i64
                                    as u64,
                            ),
                            0x33 => w64(
                                fp,
                                a,
                                u16::from_le((p as *const u16).read_unaligned()) as u64,
                            ),
                            0x34 => w64(
                                fp,
                                a,
                                u32::from_le((p as *const u32).read_unaligned()) as i32 as i64
                                    as u64,
                            ),
                            _ => w64(
                                fp,
                                a,
                                u32::from_le((p as *const u32).read_unaligned()) as u64,
                            ),
                        }
                    }
                    ip = ip.add(next);
                }
                x if (ir::NUMERIC..ir::NUMERIC + 0x100).contains(&x) => {
                    let w1 = *ip.add(1);
                    let (s1, s2) = (w1 & 0xffff, w1 >> 16);
                    if let Err(k) = super::numeric::exec(x - ir::NUMERIC, fp, a, s1, s2) {
                        trap!(k);
                    }
                    ip = ip.add(2);
                }
                x if (ir::SAT..ir::SAT + 8).contains(&x) => {
                    let s = *ip.add(1) & 0xffff;
                    match x - ir::SAT {
                        0 => w32(fp, a, rf32(fp, s) as i32 as u32),
                        1 => w32(fp, a, rf32(fp, s) as u32),
                        2 => w32(fp, a, rf64(fp, s) as i32 as u32),
                        3 => w32(fp, a, rf64(fp, s) as u32),
                        4 => w64(fp, a, rf32(fp, s) as i64 as u64),
                        5 => w64(fp, a, rf32(fp, s) as u64),
                        6 => w64(fp, a, rf64(fp, s) as i64 as u64),
                        _ => w64(fp, a, rf64(fp, s) as u64),
                    }
                    ip = ip.add(2);
                }
                x if (ir::ATOMIC..ir::ATOMIC + 0x100).contains(&x) => {
                    match super::atomic::exec(x - ir::ATOMIC, vmctx, &off, fp, ip) {
                        Ok(next) => ip = ip.add(next),
                        Err(super::other::Stop::Trap(t)) => trap_with!(t),
                        Err(super::other::Stop::Throw(exn)) => throw!(exn),
                    }
                }
                x if x >= ir::SIMD => {
                    match super::simd::exec(x - ir::SIMD, &r, vmctx, &off, fp, ip) {
                        Ok(next) => ip = ip.add(next),
                        Err(super::other::Stop::Trap(t)) => trap_with!(t),
                        Err(super::other::Stop::Throw(exn)) => throw!(exn),
                    }
                }
                _ => match super::other::exec(w as u16, &r, vmctx, &off, fp, ip) {
                    Ok(next) => ip = ip.add(next),
                    Err(super::other::Stop::Trap(t)) => trap_with!(t),
                    Err(super::other::Stop::Throw(exn)) => throw!(exn),
                },
            }
        }
    }
}
