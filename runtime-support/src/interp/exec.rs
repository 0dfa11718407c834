//! The executor's loop: one `match` over the IR's op numbers, with the
//! machine state (ip, frame pointer, instance) in locals, frames of calls
//! between interpreted functions on this thread's interpreter stack.

use super::{InterpCtx, array_entry, fast};
use crate::abi::interp::{self as ir, Op};
use crate::abi::{self, Libcall, TrapKind, VMFuncRef, VMTableDefinition};
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
pub(super) struct Frame {
    pub(super) code: *const u32,
    /// The call instruction (for backtraces and exception handlers).
    pub(super) call_ip: *const u32,
    /// Where execution resumes.
    pub(super) ret_ip: *const u32,
    pub(super) fp: *mut ValRaw,
    pub(super) vmctx: *mut u8,
    pub(super) func: u32,
    /// The caller's frame size (slots).
    pub(super) frame_end: u32,
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
        // The call handlers push frames only within the capacity.
        frames: Vec::with_capacity(1024),
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
    // Zero-extended to the slot's low 8 bytes (the IR's invariant): a
    // later 8-byte read of the slot, as [`mv`] makes, then forwards from
    // this one store instead of waiting for it to reach the cache.
    // SAFETY: as for r32.
    unsafe { *(fp.add(i as usize) as *mut u64) = v as u64 }
}
/// Copies slot `src` to `dst` as two 8-byte halves. A scalar is written
/// with one store of at most 8 bytes; a 16-byte load of it cannot take
/// its value from the store buffer and waits for the store to retire
/// (~12 cycles on x86), on the critical path of a copy.
#[inline(always)]
pub(crate) unsafe fn mv(dst: *mut ValRaw, src: *const ValRaw) {
    // SAFETY: the caller passes two slots (or globals) of 16 bytes.
    unsafe {
        let (d, s) = (dst as *mut u64, src as *const u64);
        let lo = std::ptr::read_volatile(s);
        let hi = std::ptr::read_volatile(s.add(1));
        d.write(lo);
        d.add(1).write(hi);
    }
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

/// `x` with a NaN made quiet (rounding functions pass a signalling NaN
/// through; wasm wants an arithmetic NaN).
pub(super) fn q32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        x
    }
}

pub(super) fn q64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        x
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

#[inline(always)]
unsafe fn table(vmctx: *mut u8, off: &abi::VMOffsets, t: u32) -> *mut VMTableDefinition {
    // SAFETY: the tables area holds one pointer per table.
    unsafe { *(vmctx.add(off.table(t) as usize) as *const *mut VMTableDefinition) }
}

/// The effective address of an access of `size` bytes, if in bounds.
#[inline(always)]
pub(super) fn ea(addr: u64, offset: u64, size: u64, len: usize) -> Option<usize> {
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
/// at `ip`, then the saved frames from `first` up; and how many frames
/// past `entry::MAX_FRAMES` it leaves out.
fn backtrace(
    st: &Stack,
    first: usize,
    vmctx: *mut u8,
    func: u32,
    code: *const u32,
    ip: *const u32,
) -> (Vec<TraceFrame>, usize) {
    let mut out = Vec::new();
    let total = 1 + st.frames.len() - first;
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
    for f in st.frames[first..]
        .iter()
        .rev()
        .take(crate::entry::MAX_FRAMES - 1)
    {
        push(f.vmctx, f.func, f.code, f.call_ip);
    }
    let omitted = total - out.len();
    (out, omitted)
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

/// The first handler of function `func` that catches `exn` thrown (or
/// returned by a call) at `ip`.
///
/// # Safety
///
/// `func` belongs to the instance `vmctx`, `code` is its code, `exn` a
/// live exception object.
unsafe fn match_handler(
    r: &ModRefs<'_>,
    func: u32,
    code: *const u32,
    ip: *const u32,
    vmctx: *mut u8,
    exn: usize,
) -> Option<ir::InterpHandler> {
    let rec = r.m.interp_func(func);
    // SAFETY: `ip` points into the function's code.
    let word = unsafe { ip.offset_from(code) } as u32;
    let mut limit = u32::MAX;
    for h in r.m.interp_handlers(&rec) {
        if h.depth > limit || word < h.start || word >= h.end {
            continue;
        }
        match h.kind {
            ir::IHANDLER_DELEGATE => limit = h.tag,
            ir::IHANDLER_CATCH => {
                // SAFETY: the tags area holds one pointer per tag; an
                // exception object starts with its tag's pointer.
                let tag = unsafe { *(vmctx.add(r.m.offsets.tag(h.tag) as usize) as *const usize) };
                // SAFETY: as above.
                if unsafe { *(exn as *const usize) } == tag {
                    return Some(*h);
                }
            }
            _ => return Some(*h),
        }
    }
    None
}

/// Writes what handler `h` receives of `exn` into the frame at `fp`.
///
/// # Safety
///
/// `fp` is the frame of the handler's function, `exn` a live exception.
unsafe fn catch(h: &ir::InterpHandler, exn: usize, fp: *mut ValRaw) {
    // SAFETY: the handler's slots lie in its frame (checked at load).
    unsafe {
        if h.kind == ir::IHANDLER_CATCH {
            let n = *((exn + abi::VMEXN_NUM_VALUES as usize) as *const u32);
            let values = (exn + abi::VMEXN_VALUES as usize) as *const ValRaw;
            std::ptr::copy_nonoverlapping(values, fp.add(h.dst as usize), n as usize);
        }
        if h.exn != ir::NO_SLOT {
            w64(fp, h.exn, exn as u64);
        }
    }
}

/// An instruction the main loop resumes at after a host call made by a
/// tail call: it returns the callee's results.
static RETURN_WORD: [u32; 1] = [Op::Return as u32];

// The op numbers as constants, so the loop's `match` is one jump table.
const O_CALL: u16 = Op::Call as u16;
const O_CALL_INDIRECT: u16 = Op::CallIndirect as u16;
const O_CALL_REF: u16 = Op::CallRef as u16;
const O_RETURN: u16 = Op::Return as u16;
const O_RETURN_CALL: u16 = Op::ReturnCall as u16;
const O_RETURN_CALL_INDIRECT: u16 = Op::ReturnCallIndirect as u16;
const O_RETURN_CALL_REF: u16 = Op::ReturnCallRef as u16;
const O_TRANSLATE: u16 = Op::Translate as u16;
const O_UNREACHABLE: u16 = Op::Unreachable as u16;

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
    fast::init();
    let mut cx = fast::Cx {
        vmctx: std::ptr::null_mut(),
        code,
        mems: std::ptr::null(),
        has_memory: false,
        len0: 0,
        trap: None,
        func,
        fp,
        frame_end: frame_end as u32,
        recs: std::ptr::null(),
        code_base,
        num_imported: 0,
        table0: std::ptr::null_mut(),
        type_ids: 0,
        frames: std::ptr::null_mut(),
        nframes: 0,
        frames_cap: 0,
        first_frame,
        stack_end,
    };

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
            let (mut frames, omitted) = backtrace(st, first_frame, vmctx, func, code, ip);
            let inner = t.backtrace().to_vec();
            let mut omitted = omitted + t.omitted_frames();
            if !inner.is_empty() {
                let mut all = inner;
                all.append(&mut frames);
                omitted += all.len().saturating_sub(crate::entry::MAX_FRAMES);
                all.truncate(crate::entry::MAX_FRAMES);
                frames = all;
            }
            t.set_backtrace(frames);
            t.set_omitted_frames(omitted);
            st.frames.truncate(first_frame);
            return Err(Unwind::Trap(t));
        }};
    }
    // Throws exnref `$exn` from the current instruction.
    // Two phases, so that an exception nobody here catches leaves with
    // the backtrace of where it was thrown: find the handler, then unwind.
    macro_rules! throw {
        ($exn:expr) => {{
            let exn: usize = $exn;
            if let Some(h) = match_handler(&r, func, code, ip, vmctx, exn) {
                catch(&h, exn, fp);
                ip = code.add(h.target as usize);
                continue;
            }
            let mut found = None;
            for k in (first_frame..st.frames.len()).rev() {
                let f = st.frames[k];
                if let Some(h) =
                    match_handler(&refs(f.vmctx), f.func, f.code, f.call_ip, f.vmctx, exn)
                {
                    found = Some((k, h));
                    break;
                }
            }
            let Some((k, h)) = found else {
                let (frames, _) = backtrace(st, first_frame, vmctx, func, code, ip);
                crate::exceptions::set_escaping(exn, frames);
                st.frames.truncate(first_frame);
                return Err(Unwind::Exception(exn));
            };
            st.frames.truncate(k + 1);
            let f = st.frames.pop().expect("frame k");
            leave_to!(f);
            catch(&h, exn, fp);
            ip = code.add(h.target as usize);
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
            frame_end = f.frame_end as usize;
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
                frame_end: frame_end as u32,
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
                    frame_end: frame_end as u32,
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
            // The hot instructions run as fast.rs's handlers, which
            // return at the first one that needs this loop.
            if cx.vmctx != vmctx {
                cx.vmctx = vmctx;
                cx.mems = vmctx.add(off.memory(0) as usize) as *const _;
                cx.has_memory = off.counts.num_memories > 0;
                cx.recs = r.m.interp.recs_ptr();
                cx.code_base = code_base;
                cx.num_imported = r.m.header().num_imported_funcs;
                cx.table0 = if off.counts.num_tables > 0 {
                    table(vmctx, &off, 0)
                } else {
                    std::ptr::null_mut()
                };
                cx.type_ids = off.type_ids;
            }
            cx.code = code;
            cx.func = func;
            cx.fp = fp;
            cx.frame_end = frame_end as u32;
            cx.frames = st.frames.as_mut_ptr();
            cx.nframes = st.frames.len();
            cx.frames_cap = st.frames.capacity().min(MAX_FRAMES);
            ip = fast::run(ip, fp, &mut cx);
            // The handlers may have called and returned: take back the
            // frames they pushed and the function they stopped in.
            // SAFETY: they wrote frames only below the capacity, and
            // every one below `nframes` is initialised.
            st.frames.set_len(cx.nframes);
            (func, code, fp) = (cx.func, cx.code, cx.fp);
            frame_end = cx.frame_end as usize;
            if let Some(kind) = cx.trap.take() {
                trap!(kind);
            }
            let w = *ip;
            let a = w >> 16;
            match w as u16 {
                O_UNREACHABLE => trap!(TrapKind::Unreachable),
                O_TRANSLATE => {
                    // The first run of a lazily translated function: the
                    // entry above used its placeholder record (no locals).
                    // Translate it, then enter it as `enter!` would have.
                    let rec = match super::lazy::translate(r.m, func) {
                        Ok(rec) => rec,
                        Err(t) => trap_with!(t),
                    };
                    if fp.wrapping_add(rec.frame_size as usize) > stack_end {
                        // Trap where a translated callee's would: at the
                        // caller's call (`call`'s check if there is none).
                        if st.frames.len() == first_frame {
                            return Err(Unwind::Trap(Trap::new(TrapKind::StackOverflow)));
                        }
                        let f = st.frames.pop().expect("the caller's frame");
                        (vmctx, func, code, ip) = (f.vmctx, f.func, f.code, f.call_ip);
                        trap!(TrapKind::StackOverflow);
                    }
                    std::ptr::write_bytes(
                        fp.add(rec.num_params as usize),
                        0,
                        (rec.num_locals - rec.num_params) as usize,
                    );
                    code = code_base.add(rec.code.offset as usize);
                    ip = code;
                    frame_end = rec.frame_size as usize;
                }
                O_RETURN => {
                    if st.frames.len() == first_frame {
                        return Ok(());
                    }
                    let f = st.frames.pop().expect("checked");
                    leave_to!(f);
                    ip = f.ret_ip;
                }
                O_CALL => {
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
                x @ (O_CALL_INDIRECT | O_RETURN_CALL_INDIRECT) => {
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
                    if x == O_CALL_INDIRECT {
                        call_ref!(fr, a, ty, ip.add(3));
                    }
                    tail_call!(fr, ty);
                }
                x @ (O_CALL_REF | O_RETURN_CALL_REF) => {
                    let w1 = *ip.add(1);
                    let ty = *ip.add(2);
                    let fr = rptr(fp, w1 & 0xffff) as *const VMFuncRef;
                    if fr.is_null() {
                        trap!(TrapKind::NullFunctionReference);
                    }
                    if x == O_CALL_REF {
                        call_ref!(fr, a, ty, ip.add(3));
                    }
                    tail_call!(fr, ty);
                }
                O_RETURN_CALL => {
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
