//! The interpreter's hot instructions as handlers that tail-call each other.
//!
//! Each handler executes one instruction and ends by dispatching the next
//! one itself: it loads the next opcode, looks up its handler in
//! [`HANDLERS`] and jumps there. With the VM state in argument registers
//! (`ip`, `fp`, `cx` and memory 0's base) and one indirect jump per instruction at the
//! end of every handler, this costs a third of the instructions of the
//! `match` loop in exec.rs (one shared indirect jump, a bounds check and
//! two jumps back to it), and every handler's jump is predicted on its
//! own (docs/interpreter.md "Dispatch").
//!
//! Only instructions that need nothing but the frame, the code, the
//! instance and its memories live here: numeric, loads and stores,
//! constants, copies, globals, branches, fuel and interruption. Any other
//! opcode lands in [`bail`], which returns its `ip` to exec.rs's loop; an
//! instruction that traps stores the kind in [`Cx::trap`] and returns its
//! own `ip`, so exec.rs raises the trap with the right backtrace.
//!
//! Stable Rust does not promise tail calls, but LLVM turns each handler's
//! final call into a jump at every optimisation level above 0 (the
//! handlers share one signature with all arguments in registers and have
//! no escaping locals); tests/interp.rs runs a long loop on a 64 KiB
//! thread stack to prove it. Builds with debug assertions do not rely on
//! it: there a handler returns the next `ip` tagged with bit 0 and
//! [`run`] loops.

use super::exec::{
    Frame, ea, fmax32, fmax64, fmin32, fmin64, mv, q32, q64, r32, r64, rf32, rf64, rptr,
    trunc_check, w32, w64, wf32, wf64,
};
use crate::abi::interp::{self as ir, Op};
use crate::abi::{self, TrapKind, VMMemoryDefinition};
use crate::values::ValRaw;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicPtr, Ordering};

/// What handlers read besides the frame and the code: the running
/// instance, and where a trapping instruction leaves its trap.
pub(super) struct Cx {
    pub(super) vmctx: *mut u8,
    /// The running function's code (branch targets are relative to it).
    pub(super) code: *const u32,
    /// The memories area of `vmctx` (`VMOffsets::memory(0)`).
    pub(super) mems: *const *mut VMMemoryDefinition,
    pub(super) has_memory: bool,
    /// Memory 0's length when `run` (or a retried access) last read it.
    pub(super) len0: usize,
    pub(super) trap: Option<TrapKind>,
    /// The running function (defined index), its frame and frame size.
    /// exec.rs sets them before [`run`] and reads them back after it:
    /// the call and return handlers switch functions.
    pub(super) func: u32,
    pub(super) fp: *mut ValRaw,
    pub(super) frame_end: u32,
    /// The instance's module: its function records, code base and
    /// number of imported functions (set with `vmctx`).
    pub(super) recs: *const AtomicPtr<ir::InterpFuncRec>,
    pub(super) code_base: *const u32,
    pub(super) num_imported: u32,
    /// Table 0 (null without tables) and the vmctx offset of the type ids,
    /// for `call_indirect`.
    pub(super) table0: *mut abi::VMTableDefinition,
    pub(super) type_ids: u32,
    /// exec.rs's frame stack lent for one [`run`]: its buffer, length,
    /// and how many frames fit (the smaller of its capacity and the
    /// limit). The call handler pushes only below `frames_cap`, so the
    /// buffer never moves while lent; exec.rs takes the length back.
    pub(super) frames: *mut Frame,
    pub(super) nframes: usize,
    pub(super) frames_cap: usize,
    /// The frames below this one belong to other activations: a return
    /// with no frame above it ends the activation, in exec.rs.
    pub(super) first_frame: usize,
    /// One past the interpreter stack's last slot.
    pub(super) stack_end: *mut ValRaw,
}

/// `(ip, fp, cx, memory 0 base)`: four arguments leave enough
/// caller-saved registers that no common handler saves any.
type Handler = unsafe fn(*const u32, *mut ValRaw, *mut Cx, *mut u8) -> *const u32;

/// Entries in [`HANDLERS`]: one per 16-bit op field, so that dispatch
/// indexes the table with the instruction's low half as it is loaded (no
/// mask, no bounds check; 512 KiB of table, of which the pages holding
/// real opcodes stay hot). Atomic and SIMD instructions have no handler
/// here; they bail, as every unused op field does.
const N: usize = 0x10000;
const _: () = assert!(ir::SIMD as usize + 0x200 <= N);

struct Table(UnsafeCell<[usize; N]>);
// SAFETY: written once under `INIT` before any read, read-only after.
unsafe impl Sync for Table {}

/// Handler addresses by opcode, filled at first use (a static table of
/// function pointers would cost every executable a dynamic relocation
/// per entry).
static HANDLERS: Table = Table(UnsafeCell::new([0; N]));
static INIT: std::sync::Once = std::sync::Once::new();

/// Fills [`HANDLERS`]; call before [`run`].
pub(super) fn init() {
    INIT.call_once(|| {
        // SAFETY: `call_once` excludes every other access until it returns.
        let t = unsafe { &mut *HANDLERS.0.get() };
        t.fill(bail as Handler as usize);
        fill(t);
    });
}

/// Runs instructions from `ip` until one that is not a handler's (returns
/// its `ip`) or one that traps (returns its `ip` with `cx.trap` set).
///
/// # Safety
///
/// As for exec.rs's loop: `ip` inside `code`, a validated function's IR,
/// `fp` its frame, `cx.vmctx` its live instance; [`init`] has run.
#[inline(always)]
pub(super) unsafe fn run(ip: *const u32, fp: *mut ValRaw, cx: *mut Cx) -> *const u32 {
    // Memory 0 stays in registers: nothing a handler runs moves or
    // shrinks it, and a grow by another thread is seen by `access!`.
    // SAFETY: per the contract (a module without memories has no access).
    let mb = unsafe { mem0(cx) };
    #[cfg(not(debug_assertions))]
    // SAFETY: per the contract.
    unsafe {
        dispatch(ip, fp, cx, mb)
    }
    #[cfg(debug_assertions)]
    {
        let _ = fp;
        let mut ip = ip;
        loop {
            // SAFETY: per the contract; a call or return handler leaves
            // its new frame in `cx.fp`.
            let next = unsafe { dispatch(ip, (*cx).fp, cx, mb) };
            if next.addr() & 1 == 0 {
                return next;
            }
            ip = next.map_addr(|x| x & !1);
        }
    }
}

#[inline(always)]
unsafe fn dispatch(ip: *const u32, fp: *mut ValRaw, cx: *mut Cx, mb: *mut u8) -> *const u32 {
    // SAFETY: `ip` points at an instruction (per `run`); the table is
    // filled (per `init`) with handlers of this signature.
    unsafe {
        let op = *ip as u16 as usize;
        let h = *(HANDLERS.0.get() as *const usize).add(op);
        let h: Handler = std::mem::transmute::<usize, Handler>(h);
        h(ip, fp, cx, mb)
    }
}

/// Every opcode without a handler of its own: back to exec.rs.
unsafe fn bail(ip: *const u32, _: *mut ValRaw, _: *mut Cx, _: *mut u8) -> *const u32 {
    ip
}

/// Memory 0's base, with its length stored in `cx.len0` (null and 0 for
/// a module without memories).
///
/// # Safety
///
/// `cx` as for [`run`].
#[inline(always)]
unsafe fn mem0(cx: *mut Cx) -> *mut u8 {
    // SAFETY: the memories area holds one pointer per memory; a module
    // without memories has no accesses, and its `has_memory` is false.
    unsafe {
        if !(*cx).has_memory {
            (*cx).len0 = 0;
            return std::ptr::null_mut();
        }
        let m = *(*cx).mems;
        (*cx).len0 = (*m).length;
        (*m).base
    }
}

/// The end of a handler: on to the next instruction.
macro_rules! next {
    ($ip:ident, $fp:ident, $cx:ident, $mb:ident) => {{
        #[cfg(not(debug_assertions))]
        {
            dispatch($ip, $fp, $cx, $mb)
        }
        #[cfg(debug_assertions)]
        {
            // The loop passes the frame and memory again itself.
            let _ = ($fp, $mb);
            $ip.map_addr(|x| x | 1)
        }
    }};
}

/// Stops at the current instruction with a trap of kind `$kind`.
macro_rules! trap {
    ($ip:ident, $cx:ident; $kind:expr) => {{
        std::hint::cold_path();
        (*$cx).trap = Some($kind);
        return $ip;
    }};
}

/// A load or store of `$size` bytes: bounds check, then `$f` on the host
/// address. Memory 0 is at `$mb` (length `cx.len0`); another memory, and a memory 0 that
/// may have grown since `run` read it (another thread, a shared memory),
/// take paths of their own that end the handler, so that the common path
/// needs no more registers than it has.
macro_rules! access {
    ($ip:ident, $fp:ident, $cx:ident, $mb:ident; $form:expr, $size:expr, $f:expr) => {{
        let w1 = *$ip.add(1);
        let (mi, addr, offset, next) = match $form {
            FORM_MEM0 | FORM_MEM0_IMM => (0, r32($fp, w1 & 0xffff) as u64, (w1 >> 16) as u64, 2),
            FORM_MEM0X => (
                0,
                r32($fp, w1 & 0xffff).wrapping_add(r32($fp, w1 >> 16)) as u64,
                *$ip.add(2) as u64,
                3,
            ),
            FORM_MEM64 => (
                w1 >> 16,
                r64($fp, w1 & 0xffff),
                *$ip.add(2) as u64 | (*$ip.add(3) as u64) << 32,
                4,
            ),
            _ => (w1 >> 16, r32($fp, w1 & 0xffff) as u64, *$ip.add(2) as u64, 3),
        };
        let f = $f;
        if mi != 0 {
            std::hint::cold_path();
            let m = *(*$cx).mems.add(mi as usize);
            let Some(e) = ea(addr, offset, $size, (*m).length) else {
                trap!($ip, $cx; TrapKind::MemoryOutOfBounds);
            };
            f((*m).base.add(e));
            $ip = $ip.add(next);
            return next!($ip, $fp, $cx, $mb);
        }
        let Some(e) = ea(addr, offset, $size, (*$cx).len0) else {
            std::hint::cold_path();
            let len = (*$cx).len0;
            let b = mem0($cx);
            if (*$cx).len0 != len {
                return dispatch($ip, $fp, $cx, b);
            }
            trap!($ip, $cx; TrapKind::MemoryOutOfBounds);
        };
        f($mb.add(e));
        $ip = $ip.add(next);
    }};
}

/// The encodings of the loads and stores: [`ir::MEM`], [`ir::MEM64`],
/// [`ir::MEM0`], [`ir::MEM0_IMM`] (stores only), [`ir::MEM0X`].
const FORM_MEM: u8 = 0;
const FORM_MEM64: u8 = 1;
const FORM_MEM0: u8 = 2;
const FORM_MEM0_IMM: u8 = 3;
const FORM_MEM0X: u8 = 4;

/// The load or store of wasm opcode `BYTE` in encoding `FORM`: one
/// generic handler, instantiated per opcode and encoding by [`fill_mem`].
unsafe fn h_mem<const FORM: u8, const BYTE: u8>(
    mut ip: *const u32,
    fp: *mut ValRaw,
    cx: *mut Cx,
    mb: *mut u8,
) -> *const u32 {
    // SAFETY: as for the handlers of `handlers!`; a memory index in the
    // instruction is a defined memory.
    unsafe {
        let a = *ip >> 16;
        // The value a store writes: slot `a`, or `a` itself sign-extended.
        let v32 = || {
            if FORM == FORM_MEM0_IMM {
                a as u16 as i16 as u32
            } else {
                r32(fp, a)
            }
        };
        let v64 = || {
            if FORM == FORM_MEM0_IMM {
                a as u16 as i16 as u64
            } else {
                r64(fp, a)
            }
        };
        let ld32 = |p: *mut u8| u32::from_le((p as *const u32).read_unaligned());
        let ld16 = |p: *mut u8| u16::from_le((p as *const u16).read_unaligned());
        match BYTE {
            // i32.load, f32.load
            0x28 | 0x2a => access!(ip, fp, cx, mb; FORM, 4, |p| w32(fp, a, ld32(p))),
            // i64.load, f64.load
            0x29 | 0x2b => access!(ip, fp, cx, mb; FORM, 8, |p: *mut u8| w64(
                fp,
                a,
                u64::from_le((p as *const u64).read_unaligned())
            )),
            0x2c => access!(ip, fp, cx, mb; FORM, 1, |p: *mut u8| w32(fp, a, *p as i8 as u32)),
            0x2d => access!(ip, fp, cx, mb; FORM, 1, |p: *mut u8| w32(fp, a, *p as u32)),
            0x2e => access!(ip, fp, cx, mb; FORM, 2, |p| w32(fp, a, ld16(p) as i16 as u32)),
            0x2f => access!(ip, fp, cx, mb; FORM, 2, |p| w32(fp, a, ld16(p) as u32)),
            0x30 => access!(ip, fp, cx, mb; FORM, 1, |p: *mut u8| w64(fp, a, *p as i8 as u64)),
            0x31 => access!(ip, fp, cx, mb; FORM, 1, |p: *mut u8| w64(fp, a, *p as u64)),
            0x32 => access!(ip, fp, cx, mb; FORM, 2, |p| w64(fp, a, ld16(p) as i16 as u64)),
            0x33 => access!(ip, fp, cx, mb; FORM, 2, |p| w64(fp, a, ld16(p) as u64)),
            0x34 => access!(ip, fp, cx, mb; FORM, 4, |p| w64(fp, a, ld32(p) as i32 as u64)),
            0x35 => access!(ip, fp, cx, mb; FORM, 4, |p| w64(fp, a, ld32(p) as u64)),
            // i32.store, f32.store
            0x36 | 0x38 => access!(ip, fp, cx, mb; FORM, 4, |p: *mut u8| (p as *mut u32)
                .write_unaligned(v32().to_le())),
            // i64.store, f64.store
            0x37 | 0x39 => access!(ip, fp, cx, mb; FORM, 8, |p: *mut u8| (p as *mut u64)
                .write_unaligned(v64().to_le())),
            0x3a => access!(ip, fp, cx, mb; FORM, 1, |p: *mut u8| *p = v32() as u8),
            0x3b => access!(ip, fp, cx, mb; FORM, 2, |p: *mut u8| (p as *mut u16)
                .write_unaligned((v32() as u16).to_le())),
            0x3c => access!(ip, fp, cx, mb; FORM, 1, |p: *mut u8| *p = v64() as u8),
            0x3d => access!(ip, fp, cx, mb; FORM, 2, |p: *mut u8| (p as *mut u16)
                .write_unaligned((v64() as u16).to_le())),
            0x3e => access!(ip, fp, cx, mb; FORM, 4, |p: *mut u8| (p as *mut u32)
                .write_unaligned((v64() as u32).to_le())),
            _ => unreachable!("not a load or store"),
        }
        next!(ip, fp, cx, mb)
    }
}

/// Puts [`h_mem`] in the table for every load and store and encoding.
fn fill_mem(t: &mut [usize; N]) {
    macro_rules! forms {
        ($($byte:literal)*) => {$(
            t[(ir::MEM + $byte) as usize] = h_mem::<FORM_MEM, $byte> as Handler as usize;
            t[(ir::MEM64 + $byte) as usize] = h_mem::<FORM_MEM64, $byte> as Handler as usize;
            t[(ir::MEM0 + $byte) as usize] = h_mem::<FORM_MEM0, $byte> as Handler as usize;
            t[(ir::MEM0X + $byte) as usize] = h_mem::<FORM_MEM0X, $byte> as Handler as usize;
        )*};
    }
    forms!(0x28 0x29 0x2a 0x2b 0x2c 0x2d 0x2e 0x2f 0x30 0x31 0x32 0x33 0x34 0x35
        0x36 0x37 0x38 0x39 0x3a 0x3b 0x3c 0x3d 0x3e);
    macro_rules! imm_stores {
        ($($byte:literal)*) => {$(
            t[(ir::MEM0_IMM + $byte) as usize] =
                h_mem::<FORM_MEM0_IMM, $byte> as Handler as usize;
        )*};
    }
    imm_stores!(0x36 0x37 0x38 0x39 0x3a 0x3b 0x3c 0x3d 0x3e);
}

/// A numeric instruction `[op|d] [s1|s2]`: `$body` with the slots bound
/// (`_` for an unused one).
macro_rules! num {
    ($ip:ident, $a:ident; $d:ident, $s1:ident, $s2:tt => $body:expr) => {{
        let w1 = *$ip.add(1);
        let ($d, $s1, $s2) = ($a, w1 & 0xffff, w1 >> 16);
        $body;
        $ip = $ip.add(2);
    }};
}

/// `NUMERIC_IMM + byte`, i32: `[op|d] [s1|-] imm`.
macro_rules! imm32 {
    ($ip:ident, $a:ident; $d:ident, $s1:ident, $imm:ident => $body:expr) => {{
        let ($d, $s1, $imm) = ($a, *$ip.add(1) & 0xffff, *$ip.add(2));
        $body;
        $ip = $ip.add(3);
    }};
}

/// `NUMERIC_IMM + byte`, i64: `[op|d] [s1|-] imm_lo imm_hi`.
macro_rules! imm64 {
    ($ip:ident, $a:ident; $d:ident, $s1:ident, $imm:ident => $body:expr) => {{
        let ($d, $s1) = ($a, *$ip.add(1) & 0xffff);
        let $imm = *$ip.add(2) as u64 | (*$ip.add(3) as u64) << 32;
        $body;
        $ip = $ip.add(4);
    }};
}

/// `BRCMP + byte`: `[op|lhs] [rhs|-] target`, taken when `$cond` holds.
macro_rules! brcmp {
    ($ip:ident, $code:ident; $rhs:ident => $cond:expr) => {{
        let $rhs = *$ip.add(1) & 0xffff;
        $ip = if $cond {
            $code.add(*$ip.add(2) as usize)
        } else {
            $ip.add(3)
        };
    }};
}

/// `MEMOP + byte`: `[op|d] [addr|lhs] offset`, the right operand `$y` (a
/// `$t`) loaded from memory 0; bounds as in `access!`.
macro_rules! memop {
    ($ip:ident, $fp:ident, $cx:ident, $mb:ident; $t:ty, $lhs:ident, $y:ident => $body:expr) => {{
        let w1 = *$ip.add(1);
        let $lhs = w1 >> 16;
        let size = std::mem::size_of::<$t>() as u64;
        let addr = r32($fp, w1 & 0xffff) as u64;
        let Some(e) = ea(addr, *$ip.add(2) as u64, size, (*$cx).len0) else {
            std::hint::cold_path();
            let len = (*$cx).len0;
            let b = mem0($cx);
            if (*$cx).len0 != len {
                return dispatch($ip, $fp, $cx, b);
            }
            trap!($ip, $cx; TrapKind::MemoryOutOfBounds);
        };
        let $y = <$t>::from_le(($mb.add(e) as *const $t).read_unaligned());
        $body;
        $ip = $ip.add(3);
    }};
}

/// `BRCMP_IMM + byte` for an i32 compare: `lhs <$cmp> imm` as `$t`
/// (`@and`: `lhs & imm <$cmp> 0`).
macro_rules! br_imm32 {
    (@and $ip:ident, $fp:ident, $code:ident, $a:ident; $cmp:tt) => {{
        $ip = if r32($fp, $a) & *$ip.add(1) $cmp 0 {
            $code.add(*$ip.add(2) as usize)
        } else {
            $ip.add(3)
        };
    }};
    ($ip:ident, $fp:ident, $code:ident, $a:ident; $t:ty, $cmp:tt) => {{
        let (x, y) = (r32($fp, $a) as $t, *$ip.add(1) as $t);
        $ip = if x $cmp y {
            $code.add(*$ip.add(2) as usize)
        } else {
            $ip.add(3)
        };
    }};
}

/// `BRCMP_IMM + byte` for an i64 compare.
macro_rules! br_imm64 {
    ($ip:ident, $fp:ident, $code:ident, $a:ident; $t:ty, $cmp:tt) => {{
        let imm = *$ip.add(1) as u64 | (*$ip.add(2) as u64) << 32;
        let (x, y) = (r64($fp, $a) as $t, imm as $t);
        $ip = if x $cmp y {
            $code.add(*$ip.add(3) as usize)
        } else {
            $ip.add(4)
        };
    }};
}

/// Defines the handlers and `fill`, which puts them in the table.
macro_rules! handlers {
    ($ip:ident, $fp:ident, $code:ident, $cx:ident, $mb:ident, $a:ident, $vmctx:ident;
     $($name:ident = $op:expr => $body:block)*) => {
        $(
            // Not every instruction reads every operand or the instance.
            #[allow(unused_variables)]
            unsafe fn $name(
                mut $ip: *const u32,
                $fp: *mut ValRaw,
                $cx: *mut Cx,
                $mb: *mut u8,
            ) -> *const u32 {
                // SAFETY: the IR was produced by smelt's translator from
                // validated wasm and checked at load: every slot operand
                // is below the frame size, every branch target inside the
                // function, every memory index defined.
                unsafe {
                    let $a = *$ip >> 16;
                    let $vmctx = (*$cx).vmctx;
                    let $code = (*$cx).code;
                    $body
                    next!($ip, $fp, $cx, $mb)
                }
            }
        )*
        fn fill(t: &mut [usize; N]) {
            $( t[$op as usize] = $name as Handler as usize; )*
            t[Op::Call as usize] = h_call as Handler as usize;
            t[Op::Return as usize] = h_return as Handler as usize;
            t[Op::CallIndirect as usize] = h_call_indirect as Handler as usize;
            fill_mem(t);
        }
    };
}

/// `call` of a function defined in this instance, `[op|base] callee`:
/// enters it as [`enter`] does. A call of an import bails to exec.rs.
unsafe fn h_call(ip: *const u32, fp: *mut ValRaw, cx: *mut Cx, mb: *mut u8) -> *const u32 {
    // SAFETY: as for the handlers below.
    unsafe {
        let callee = *ip.add(1);
        let nimp = (*cx).num_imported;
        if callee < nimp {
            std::hint::cold_path();
            return ip;
        }
        enter(ip, fp, cx, mb, callee - nimp, ip.add(2))
    }
}

/// `call_indirect`, `[op|base] [index|table] type`: through table 0 with
/// a 32-bit index, to a function of this instance that the interpreter
/// runs, enters it as [`enter`] does. Anything else (another table, a
/// trap, a subtype check, host, compiled or another instance's code)
/// bails to exec.rs, which does it the long way.
unsafe fn h_call_indirect(ip: *const u32, fp: *mut ValRaw, cx: *mut Cx, mb: *mut u8) -> *const u32 {
    // SAFETY: as for the handlers below; the instruction's table exists
    // (validated), so table 0's definition is live when `w1 >> 16` is 0;
    // its elements are null or live funcrefs, an interpreted one's
    // context an `InterpCtx`.
    unsafe {
        let w1 = *ip.add(1);
        let ty = *ip.add(2);
        if w1 >> 16 != 0 || ty & ir::IDX64 != 0 {
            std::hint::cold_path();
            return ip;
        }
        let t = (*cx).table0;
        let idx = r32(fp, w1 & 0xffff) as u64;
        if idx >= (*t).length {
            std::hint::cold_path();
            return ip;
        }
        let fr = *(*t).base.add(idx as usize) as *const abi::VMFuncRef;
        let vmctx = (*cx).vmctx;
        if fr.is_null()
            || (*fr).type_id != *(vmctx.add(((*cx).type_ids + 4 * ty) as usize) as *const u32)
            || (*fr).flags & abi::FUNCREF_ARRAY_CALL == 0
        {
            std::hint::cold_path();
            return ip;
        }
        let ctx = (*fr).vmctx;
        if *(ctx as *const usize) != super::array_entry as *const () as usize {
            std::hint::cold_path();
            return ip;
        }
        let ic = &*(ctx as *const super::InterpCtx);
        if ic.vmctx != vmctx {
            std::hint::cold_path();
            return ip;
        }
        enter(
            ip,
            fp,
            cx,
            mb,
            ic.func_index - (*cx).num_imported,
            ip.add(3),
        )
    }
}

/// Pushes the caller's frame and enters defined function `defined` of
/// this instance with its frame at the call's base slot, as exec.rs's
/// `enter!` does; the caller resumes at `ret`. A call that would overflow
/// the stack or outgrow the lent frame buffer bails to exec.rs, which
/// traps (or grows the buffer).
///
/// # Safety
///
/// As for the handlers; `ip` is a call whose first word holds the base
/// slot, `defined` a defined function of the instance.
#[inline(always)]
unsafe fn enter(
    ip: *const u32,
    fp: *mut ValRaw,
    cx: *mut Cx,
    mb: *mut u8,
    defined: u32,
    ret: *const u32,
) -> *const u32 {
    // SAFETY: `recs` has an entry per defined function, each a live
    // record; the frame written lies below `frames_cap`, inside the lent
    // buffer; the callee's frame fits below `stack_end` (checked).
    unsafe {
        let rec = &*(*(*cx).recs.add(defined as usize)).load(Ordering::Acquire);
        let new_fp = fp.add((*ip >> 16) as usize);
        let n = (*cx).nframes;
        if new_fp.wrapping_add(rec.frame_size as usize) > (*cx).stack_end || n >= (*cx).frames_cap {
            std::hint::cold_path();
            return ip;
        }
        (*cx).frames.add(n).write(Frame {
            code: (*cx).code,
            call_ip: ip,
            ret_ip: ret,
            fp,
            vmctx: (*cx).vmctx,
            func: (*cx).func,
            frame_end: (*cx).frame_end,
        });
        (*cx).nframes = n + 1;
        let (np, nl) = (rec.num_params as usize, rec.num_locals as usize);
        if nl - np <= 4 {
            for l in np..nl {
                *new_fp.add(l) = ValRaw::from_u128(0);
            }
        } else {
            std::ptr::write_bytes(new_fp.add(np), 0, nl - np);
        }
        let ip = (*cx).code_base.add(rec.code.offset as usize);
        (*cx).func = defined;
        (*cx).code = ip;
        (*cx).fp = new_fp;
        (*cx).frame_end = rec.frame_size;
        let fp = new_fp;
        next!(ip, fp, cx, mb)
    }
}

/// `return` to a caller of this instance (its results are in slots 0..,
/// where the caller's call put its base). The activation's own return,
/// and one into another instance, bail to exec.rs.
unsafe fn h_return(ip: *const u32, _: *mut ValRaw, cx: *mut Cx, mb: *mut u8) -> *const u32 {
    // SAFETY: the frames from `first_frame` to `nframes` were pushed by
    // this activation (here or in exec.rs) and are live.
    unsafe {
        let n = (*cx).nframes;
        if n == (*cx).first_frame {
            return ip;
        }
        let f = *(*cx).frames.add(n - 1);
        if f.vmctx != (*cx).vmctx {
            std::hint::cold_path();
            return ip;
        }
        (*cx).nframes = n - 1;
        (*cx).func = f.func;
        (*cx).code = f.code;
        (*cx).fp = f.fp;
        (*cx).frame_end = f.frame_end;
        let (ip, fp) = (f.ret_ip, f.fp);
        next!(ip, fp, cx, mb)
    }
}

const O_BR: u16 = Op::Br as u16;
const O_BR_IF_EQZ: u16 = Op::BrIfEqz as u16;
const O_BR_IF_NEZ: u16 = Op::BrIfNez as u16;
const O_BR_ON_NON_NULL: u16 = Op::BrOnNonNull as u16;
const O_BR_ON_NULL: u16 = Op::BrOnNull as u16;
const O_BR_TABLE: u16 = Op::BrTable as u16;
const O_CONST128: u16 = Op::Const128 as u16;
const O_CONST32: u16 = Op::Const32 as u16;
const O_CONST64: u16 = Op::Const64 as u16;
const O_COPY: u16 = Op::Copy as u16;
const O_COPY_N: u16 = Op::CopyN as u16;
const O_GLOBAL_GET: u16 = Op::GlobalGet as u16;
const O_GLOBAL_GET_IMPORTED: u16 = Op::GlobalGetImported as u16;
const O_GLOBAL_SET: u16 = Op::GlobalSet as u16;
const O_GLOBAL_SET_IMPORTED: u16 = Op::GlobalSetImported as u16;
const O_INTERRUPT: u16 = Op::Interrupt as u16;
const O_FUEL: u16 = Op::Fuel as u16;
const O_FUEL_CHECK: u16 = Op::FuelCheck as u16;
const O_NOP: u16 = Op::Nop as u16;
const O_ADD_IMM2: u16 = Op::AddImm2 as u16;
const O_ADD_IMM_BR_IF_NEZ: u16 = Op::AddImmBrIfNez as u16;
const O_ADD_IMM_BR_IF_EQZ: u16 = Op::AddImmBrIfEqz as u16;
const O_SELECT: u16 = Op::Select as u16;

handlers! { ip, fp, code, cx, mb, a, vmctx;
    h_nop = O_NOP => {
        ip = ip.add(1);
    }
    h_add_imm_br_if_nez = O_ADD_IMM_BR_IF_NEZ => {
        let v = r32(fp, *ip.add(1) & 0xffff).wrapping_add(*ip.add(2));
        w32(fp, a, v);
        ip = if v != 0 {
            code.add(*ip.add(3) as usize)
        } else {
            ip.add(4)
        };
    }
    h_add_imm_br_if_eqz = O_ADD_IMM_BR_IF_EQZ => {
        let v = r32(fp, *ip.add(1) & 0xffff).wrapping_add(*ip.add(2));
        w32(fp, a, v);
        ip = if v == 0 {
            code.add(*ip.add(3) as usize)
        } else {
            ip.add(4)
        };
    }
    h_add_imm2 = O_ADD_IMM2 => {
        let w1 = *ip.add(1);
        w32(fp, a, r32(fp, w1 & 0xffff).wrapping_add(*ip.add(3)));
        let s2 = *ip.add(2) & 0xffff;
        w32(fp, w1 >> 16, r32(fp, s2).wrapping_add(*ip.add(4)));
        ip = ip.add(5);
    }
    h_br = O_BR => {
        ip = code.add(*ip.add(1) as usize);
    }
    h_br_if_nez = O_BR_IF_NEZ => {
        ip = if r32(fp, a) != 0 {
            code.add(*ip.add(1) as usize)
        } else {
            ip.add(2)
        }
    }
    h_br_if_eqz = O_BR_IF_EQZ => {
        ip = if r32(fp, a) == 0 {
            code.add(*ip.add(1) as usize)
        } else {
            ip.add(2)
        }
    }
    h_br_table = O_BR_TABLE => {
        let n = *ip.add(1);
        let i = r32(fp, a).min(n);
        ip = code.add(*ip.add(2 + i as usize) as usize);
    }
    h_br_on_null = O_BR_ON_NULL => {
        ip = if rptr(fp, a) == 0 {
            code.add(*ip.add(1) as usize)
        } else {
            ip.add(2)
        }
    }
    h_br_on_non_null = O_BR_ON_NON_NULL => {
        ip = if rptr(fp, a) != 0 {
            code.add(*ip.add(1) as usize)
        } else {
            ip.add(2)
        }
    }
    h_copy = O_COPY => {
        let src = *ip.add(1) & 0xffff;
        mv(fp.add(a as usize), fp.add(src as usize));
        ip = ip.add(2);
    }
    h_copy_n = O_COPY_N => {
        let w1 = *ip.add(1);
        std::ptr::copy(
            fp.add((w1 & 0xffff) as usize),
            fp.add(a as usize),
            (w1 >> 16) as usize,
        );
        ip = ip.add(2);
    }
    h_select = O_SELECT => {
        let w1 = *ip.add(1);
        let cond = *ip.add(2) & 0xffff;
        let src = if r32(fp, cond) != 0 {
            w1 & 0xffff
        } else {
            w1 >> 16
        };
        mv(fp.add(a as usize), fp.add(src as usize));
        ip = ip.add(3);
    }
    h_const32 = O_CONST32 => {
        w32(fp, a, *ip.add(1));
        ip = ip.add(2);
    }
    h_const64 = O_CONST64 => {
        w64(fp, a, *ip.add(1) as u64 | (*ip.add(2) as u64) << 32);
        ip = ip.add(3);
    }
    h_const128 = O_CONST128 => {
        let mut v = 0u128;
        for k in 0..4 {
            v |= (*ip.add(1 + k) as u128) << (32 * k);
        }
        *fp.add(a as usize) = ValRaw::from_u128(v);
        ip = ip.add(5);
    }
    h_global_get = O_GLOBAL_GET => {
        mv(fp.add(a as usize), vmctx.add(*ip.add(1) as usize) as *const ValRaw);
        ip = ip.add(2);
    }
    h_global_set = O_GLOBAL_SET => {
        mv(vmctx.add(*ip.add(1) as usize) as *mut ValRaw, fp.add(a as usize));
        ip = ip.add(2);
    }
    h_global_get_imported = O_GLOBAL_GET_IMPORTED => {
        let g = *(vmctx.add(*ip.add(1) as usize) as *const *const ValRaw);
        mv(fp.add(a as usize), g);
        ip = ip.add(2);
    }
    h_global_set_imported = O_GLOBAL_SET_IMPORTED => {
        let g = *(vmctx.add(*ip.add(1) as usize) as *const *mut ValRaw);
        mv(g, fp.add(a as usize));
        ip = ip.add(2);
    }
    h_fuel = O_FUEL => {
        let fuel = *(vmctx.add(abi::VMCTX_FUEL as usize) as *const *mut i64);
        *fuel = (*fuel).wrapping_sub(*ip.add(1) as i64);
        ip = ip.add(2);
    }
    h_fuel_check = O_FUEL_CHECK => {
        let fuel = *(vmctx.add(abi::VMCTX_FUEL as usize) as *const *mut i64);
        *fuel = (*fuel).wrapping_sub(*ip.add(1) as i64);
        if *fuel < 0 {
            trap!(ip, cx; TrapKind::OutOfFuel);
        }
        ip = ip.add(2);
    }
    h_interrupt = O_INTERRUPT => {
        let flag = *(vmctx.add(abi::VMCTX_INTERRUPT as usize) as *const *const u32);
        if std::ptr::read_volatile(flag) != 0 {
            trap!(ip, cx; TrapKind::Interrupted);
        }
        ip = ip.add(1);
    }
    h_546 = 0x546 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, (r32(fp, s1) == imm) as u32));
    }
    h_547 = 0x547 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, (r32(fp, s1) != imm) as u32));
    }
    h_548 = 0x548 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, ((r32(fp, s1) as i32) < (imm as i32)) as u32));
    }
    h_549 = 0x549 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, (r32(fp, s1) < imm) as u32));
    }
    h_54a = 0x54a => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, ((r32(fp, s1) as i32) > (imm as i32)) as u32));
    }
    h_54b = 0x54b => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, (r32(fp, s1) > imm) as u32));
    }
    h_54c = 0x54c => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, ((r32(fp, s1) as i32) <= (imm as i32)) as u32));
    }
    h_54d = 0x54d => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, (r32(fp, s1) <= imm) as u32));
    }
    h_54e = 0x54e => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, ((r32(fp, s1) as i32) >= (imm as i32)) as u32));
    }
    h_54f = 0x54f => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, (r32(fp, s1) >= imm) as u32));
    }
    h_551 = 0x551 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, (r64(fp, s1) == imm) as u32));
    }
    h_552 = 0x552 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, (r64(fp, s1) != imm) as u32));
    }
    h_553 = 0x553 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, ((r64(fp, s1) as i64) < (imm as i64)) as u32));
    }
    h_554 = 0x554 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, (r64(fp, s1) < imm) as u32));
    }
    h_555 = 0x555 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, ((r64(fp, s1) as i64) > (imm as i64)) as u32));
    }
    h_556 = 0x556 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, (r64(fp, s1) > imm) as u32));
    }
    h_557 = 0x557 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, ((r64(fp, s1) as i64) <= (imm as i64)) as u32));
    }
    h_558 = 0x558 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, (r64(fp, s1) <= imm) as u32));
    }
    h_559 = 0x559 => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, ((r64(fp, s1) as i64) >= (imm as i64)) as u32));
    }
    h_55a = 0x55a => {
        imm64!(ip, a; d, s1, imm => w32(fp, d, (r64(fp, s1) >= imm) as u32));
    }
    h_56a = 0x56a => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1).wrapping_add(imm)));
    }
    h_56b = 0x56b => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1).wrapping_sub(imm)));
    }
    h_56c = 0x56c => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1).wrapping_mul(imm)));
    }
    h_571 = 0x571 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1) & imm));
    }
    h_572 = 0x572 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1) | imm));
    }
    h_573 = 0x573 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1) ^ imm));
    }
    h_574 = 0x574 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1).wrapping_shl(imm)));
    }
    h_575 = 0x575 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, (r32(fp, s1) as i32).wrapping_shr(imm) as u32));
    }
    h_576 = 0x576 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1).wrapping_shr(imm)));
    }
    h_577 = 0x577 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1).rotate_left(imm & 31)));
    }
    h_578 = 0x578 => {
        imm32!(ip, a; d, s1, imm => w32(fp, d, r32(fp, s1).rotate_right(imm & 31)));
    }
    h_57c = 0x57c => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1).wrapping_add(imm)));
    }
    h_57d = 0x57d => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1).wrapping_sub(imm)));
    }
    h_57e = 0x57e => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1).wrapping_mul(imm)));
    }
    h_583 = 0x583 => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1) & imm));
    }
    h_584 = 0x584 => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1) | imm));
    }
    h_585 = 0x585 => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1) ^ imm));
    }
    h_586 = 0x586 => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1).wrapping_shl(imm as u32)));
    }
    h_587 = 0x587 => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, (r64(fp, s1) as i64).wrapping_shr(imm as u32) as u64));
    }
    h_588 = 0x588 => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1).wrapping_shr(imm as u32)));
    }
    h_589 = 0x589 => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1).rotate_left((imm & 63) as u32)));
    }
    h_58a = 0x58a => {
        imm64!(ip, a; d, s1, imm => w64(fp, d, r64(fp, s1).rotate_right((imm & 63) as u32)));
    }
    h_646 = 0x646 => {
        brcmp!(ip, code; rhs => (r32(fp, a)) == (r32(fp, rhs)));
    }
    h_651 = 0x651 => {
        brcmp!(ip, code; rhs => (r64(fp, a)) == (r64(fp, rhs)));
    }
    h_647 = 0x647 => {
        brcmp!(ip, code; rhs => (r32(fp, a)) != (r32(fp, rhs)));
    }
    h_652 = 0x652 => {
        brcmp!(ip, code; rhs => (r64(fp, a)) != (r64(fp, rhs)));
    }
    h_648 = 0x648 => {
        brcmp!(ip, code; rhs => (r32(fp, a) as i32) < (r32(fp, rhs) as i32));
    }
    h_653 = 0x653 => {
        brcmp!(ip, code; rhs => (r64(fp, a) as i64) < (r64(fp, rhs) as i64));
    }
    h_649 = 0x649 => {
        brcmp!(ip, code; rhs => (r32(fp, a)) < (r32(fp, rhs)));
    }
    h_654 = 0x654 => {
        brcmp!(ip, code; rhs => (r64(fp, a)) < (r64(fp, rhs)));
    }
    h_64a = 0x64a => {
        brcmp!(ip, code; rhs => (r32(fp, a) as i32) > (r32(fp, rhs) as i32));
    }
    h_655 = 0x655 => {
        brcmp!(ip, code; rhs => (r64(fp, a) as i64) > (r64(fp, rhs) as i64));
    }
    h_64b = 0x64b => {
        brcmp!(ip, code; rhs => (r32(fp, a)) > (r32(fp, rhs)));
    }
    h_656 = 0x656 => {
        brcmp!(ip, code; rhs => (r64(fp, a)) > (r64(fp, rhs)));
    }
    h_64c = 0x64c => {
        brcmp!(ip, code; rhs => (r32(fp, a) as i32) <= (r32(fp, rhs) as i32));
    }
    h_657 = 0x657 => {
        brcmp!(ip, code; rhs => (r64(fp, a) as i64) <= (r64(fp, rhs) as i64));
    }
    h_64d = 0x64d => {
        brcmp!(ip, code; rhs => (r32(fp, a)) <= (r32(fp, rhs)));
    }
    h_658 = 0x658 => {
        brcmp!(ip, code; rhs => (r64(fp, a)) <= (r64(fp, rhs)));
    }
    h_64e = 0x64e => {
        brcmp!(ip, code; rhs => (r32(fp, a) as i32) >= (r32(fp, rhs) as i32));
    }
    h_659 = 0x659 => {
        brcmp!(ip, code; rhs => (r64(fp, a) as i64) >= (r64(fp, rhs) as i64));
    }
    h_64f = 0x64f => {
        brcmp!(ip, code; rhs => (r32(fp, a)) >= (r32(fp, rhs)));
    }
    h_65a = 0x65a => {
        brcmp!(ip, code; rhs => (r64(fp, a)) >= (r64(fp, rhs)));
    }
    h_746 = 0x746 => {
        br_imm32!(ip, fp, code, a; u32, ==);
    }
    h_751 = 0x751 => {
        br_imm64!(ip, fp, code, a; u64, ==);
    }
    h_747 = 0x747 => {
        br_imm32!(ip, fp, code, a; u32, !=);
    }
    h_752 = 0x752 => {
        br_imm64!(ip, fp, code, a; u64, !=);
    }
    h_748 = 0x748 => {
        br_imm32!(ip, fp, code, a; i32, <);
    }
    h_753 = 0x753 => {
        br_imm64!(ip, fp, code, a; i64, <);
    }
    h_749 = 0x749 => {
        br_imm32!(ip, fp, code, a; u32, <);
    }
    h_754 = 0x754 => {
        br_imm64!(ip, fp, code, a; u64, <);
    }
    h_74a = 0x74a => {
        br_imm32!(ip, fp, code, a; i32, >);
    }
    h_755 = 0x755 => {
        br_imm64!(ip, fp, code, a; i64, >);
    }
    h_74b = 0x74b => {
        br_imm32!(ip, fp, code, a; u32, >);
    }
    h_756 = 0x756 => {
        br_imm64!(ip, fp, code, a; u64, >);
    }
    h_74c = 0x74c => {
        br_imm32!(ip, fp, code, a; i32, <=);
    }
    h_757 = 0x757 => {
        br_imm64!(ip, fp, code, a; i64, <=);
    }
    h_74d = 0x74d => {
        br_imm32!(ip, fp, code, a; u32, <=);
    }
    h_758 = 0x758 => {
        br_imm64!(ip, fp, code, a; u64, <=);
    }
    h_74e = 0x74e => {
        br_imm32!(ip, fp, code, a; i32, >=);
    }
    h_759 = 0x759 => {
        br_imm64!(ip, fp, code, a; i64, >=);
    }
    h_74f = 0x74f => {
        br_imm32!(ip, fp, code, a; u32, >=);
    }
    h_75a = 0x75a => {
        br_imm64!(ip, fp, code, a; u64, >=);
    }
    // `i32.and` feeding a branch: taken when `lhs & imm` is zero (0x45,
    // eqz) or not (0x71, and).
    h_745 = 0x745 => {
        br_imm32!(@and ip, fp, code, a; ==);
    }
    h_771 = 0x771 => {
        br_imm32!(@and ip, fp, code, a; !=);
    }
    h_645 = 0x645 => {
        brcmp!(ip, code; rhs => r32(fp, a) & r32(fp, rhs) == 0);
    }
    h_671 = 0x671 => {
        brcmp!(ip, code; rhs => r32(fp, a) & r32(fp, rhs) != 0);
    }
    h_46a = 0x46a => {
        memop!(ip, fp, cx, mb; u32, l, y => w32(fp, a, r32(fp, l).wrapping_add(y)));
    }
    h_46b = 0x46b => {
        memop!(ip, fp, cx, mb; u32, l, y => w32(fp, a, r32(fp, l).wrapping_sub(y)));
    }
    h_46c = 0x46c => {
        memop!(ip, fp, cx, mb; u32, l, y => w32(fp, a, r32(fp, l).wrapping_mul(y)));
    }
    h_471 = 0x471 => {
        memop!(ip, fp, cx, mb; u32, l, y => w32(fp, a, r32(fp, l) & y));
    }
    h_472 = 0x472 => {
        memop!(ip, fp, cx, mb; u32, l, y => w32(fp, a, r32(fp, l) | y));
    }
    h_473 = 0x473 => {
        memop!(ip, fp, cx, mb; u32, l, y => w32(fp, a, r32(fp, l) ^ y));
    }
    h_47c = 0x47c => {
        memop!(ip, fp, cx, mb; u64, l, y => w64(fp, a, r64(fp, l).wrapping_add(y)));
    }
    h_47d = 0x47d => {
        memop!(ip, fp, cx, mb; u64, l, y => w64(fp, a, r64(fp, l).wrapping_sub(y)));
    }
    h_47e = 0x47e => {
        memop!(ip, fp, cx, mb; u64, l, y => w64(fp, a, r64(fp, l).wrapping_mul(y)));
    }
    h_483 = 0x483 => {
        memop!(ip, fp, cx, mb; u64, l, y => w64(fp, a, r64(fp, l) & y));
    }
    h_484 = 0x484 => {
        memop!(ip, fp, cx, mb; u64, l, y => w64(fp, a, r64(fp, l) | y));
    }
    h_485 = 0x485 => {
        memop!(ip, fp, cx, mb; u64, l, y => w64(fp, a, r64(fp, l) ^ y));
    }
    h_492 = 0x492 => {
        memop!(ip, fp, cx, mb; u32, l, y => wf32(fp, a, rf32(fp, l) + f32::from_bits(y)));
    }
    h_4a0 = 0x4a0 => {
        memop!(ip, fp, cx, mb; u64, l, y => wf64(fp, a, rf64(fp, l) + f64::from_bits(y)));
    }
    h_493 = 0x493 => {
        memop!(ip, fp, cx, mb; u32, l, y => wf32(fp, a, rf32(fp, l) - f32::from_bits(y)));
    }
    h_4a1 = 0x4a1 => {
        memop!(ip, fp, cx, mb; u64, l, y => wf64(fp, a, rf64(fp, l) - f64::from_bits(y)));
    }
    h_494 = 0x494 => {
        memop!(ip, fp, cx, mb; u32, l, y => wf32(fp, a, rf32(fp, l) * f32::from_bits(y)));
    }
    h_4a2 = 0x4a2 => {
        memop!(ip, fp, cx, mb; u64, l, y => wf64(fp, a, rf64(fp, l) * f64::from_bits(y)));
    }
    h_495 = 0x495 => {
        memop!(ip, fp, cx, mb; u32, l, y => wf32(fp, a, rf32(fp, l) / f32::from_bits(y)));
    }
    h_4a3 = 0x4a3 => {
        memop!(ip, fp, cx, mb; u64, l, y => wf64(fp, a, rf64(fp, l) / f64::from_bits(y)));
    }
    h_145 = 0x145 => {
        num!(ip, a; d, s1, _ => w32(fp, d, (r32(fp, s1) == 0) as u32));
    }
    h_146 = 0x146 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r32(fp, s1) == r32(fp, s2)) as u32));
    }
    h_147 = 0x147 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r32(fp, s1) != r32(fp, s2)) as u32));
    }
    h_148 = 0x148 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, ((r32(fp, s1) as i32) < (r32(fp, s2) as i32)) as u32));
    }
    h_149 = 0x149 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r32(fp, s1) < r32(fp, s2)) as u32));
    }
    h_14a = 0x14a => {
        num!(ip, a; d, s1, s2 => w32(fp, d, ((r32(fp, s1) as i32) > (r32(fp, s2) as i32)) as u32));
    }
    h_14b = 0x14b => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r32(fp, s1) > r32(fp, s2)) as u32));
    }
    h_14c = 0x14c => {
        num!(ip, a; d, s1, s2 => w32(fp, d, ((r32(fp, s1) as i32) <= (r32(fp, s2) as i32)) as u32));
    }
    h_14d = 0x14d => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r32(fp, s1) <= r32(fp, s2)) as u32));
    }
    h_14e = 0x14e => {
        num!(ip, a; d, s1, s2 => w32(fp, d, ((r32(fp, s1) as i32) >= (r32(fp, s2) as i32)) as u32));
    }
    h_14f = 0x14f => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r32(fp, s1) >= r32(fp, s2)) as u32));
    }
    h_150 = 0x150 => {
        num!(ip, a; d, s1, _ => w32(fp, d, (r64(fp, s1) == 0) as u32));
    }
    h_151 = 0x151 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r64(fp, s1) == r64(fp, s2)) as u32));
    }
    h_152 = 0x152 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r64(fp, s1) != r64(fp, s2)) as u32));
    }
    h_153 = 0x153 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, ((r64(fp, s1) as i64) < (r64(fp, s2) as i64)) as u32));
    }
    h_154 = 0x154 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r64(fp, s1) < r64(fp, s2)) as u32));
    }
    h_155 = 0x155 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, ((r64(fp, s1) as i64) > (r64(fp, s2) as i64)) as u32));
    }
    h_156 = 0x156 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r64(fp, s1) > r64(fp, s2)) as u32));
    }
    h_157 = 0x157 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, ((r64(fp, s1) as i64) <= (r64(fp, s2) as i64)) as u32));
    }
    h_158 = 0x158 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r64(fp, s1) <= r64(fp, s2)) as u32));
    }
    h_159 = 0x159 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, ((r64(fp, s1) as i64) >= (r64(fp, s2) as i64)) as u32));
    }
    h_15a = 0x15a => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r64(fp, s1) >= r64(fp, s2)) as u32));
    }
    h_15b = 0x15b => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf32(fp, s1) == rf32(fp, s2)) as u32));
    }
    h_15c = 0x15c => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf32(fp, s1) != rf32(fp, s2)) as u32));
    }
    h_15d = 0x15d => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf32(fp, s1) < rf32(fp, s2)) as u32));
    }
    h_15e = 0x15e => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf32(fp, s1) > rf32(fp, s2)) as u32));
    }
    h_15f = 0x15f => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf32(fp, s1) <= rf32(fp, s2)) as u32));
    }
    h_160 = 0x160 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf32(fp, s1) >= rf32(fp, s2)) as u32));
    }
    h_161 = 0x161 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf64(fp, s1) == rf64(fp, s2)) as u32));
    }
    h_162 = 0x162 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf64(fp, s1) != rf64(fp, s2)) as u32));
    }
    h_163 = 0x163 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf64(fp, s1) < rf64(fp, s2)) as u32));
    }
    h_164 = 0x164 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf64(fp, s1) > rf64(fp, s2)) as u32));
    }
    h_165 = 0x165 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf64(fp, s1) <= rf64(fp, s2)) as u32));
    }
    h_166 = 0x166 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (rf64(fp, s1) >= rf64(fp, s2)) as u32));
    }
    h_167 = 0x167 => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1).leading_zeros()));
    }
    h_168 = 0x168 => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1).trailing_zeros()));
    }
    h_169 = 0x169 => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1).count_ones()));
    }
    h_16a = 0x16a => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1).wrapping_add(r32(fp, s2))));
    }
    h_16b = 0x16b => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1).wrapping_sub(r32(fp, s2))));
    }
    h_16c = 0x16c => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1).wrapping_mul(r32(fp, s2))));
    }
    h_16d = 0x16d => {
        num!(ip, a; d, s1, s2 => {
            let (x, y) = (r32(fp, s1) as i32, r32(fp, s2) as i32);
            if y == 0 {
                trap!(ip, cx; TrapKind::IntegerDivideByZero);
            }
            if x == i32::MIN && y == -1 {
                trap!(ip, cx; TrapKind::IntegerOverflow);
            }
            w32(fp, d, (x / y) as u32);
        });
    }
    h_16e = 0x16e => {
        num!(ip, a; d, s1, s2 => {
            let y = r32(fp, s2);
            if y == 0 {
                trap!(ip, cx; TrapKind::IntegerDivideByZero);
            }
            w32(fp, d, r32(fp, s1) / y);
        });
    }
    h_16f = 0x16f => {
        num!(ip, a; d, s1, s2 => {
            let (x, y) = (r32(fp, s1) as i32, r32(fp, s2) as i32);
            if y == 0 {
                trap!(ip, cx; TrapKind::IntegerDivideByZero);
            }
            w32(fp, d, x.wrapping_rem(y) as u32);
        });
    }
    h_170 = 0x170 => {
        num!(ip, a; d, s1, s2 => {
            let y = r32(fp, s2);
            if y == 0 {
                trap!(ip, cx; TrapKind::IntegerDivideByZero);
            }
            w32(fp, d, r32(fp, s1) % y);
        });
    }
    h_171 = 0x171 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1) & r32(fp, s2)));
    }
    h_172 = 0x172 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1) | r32(fp, s2)));
    }
    h_173 = 0x173 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1) ^ r32(fp, s2)));
    }
    h_174 = 0x174 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1).wrapping_shl(r32(fp, s2))));
    }
    h_175 = 0x175 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, (r32(fp, s1) as i32).wrapping_shr(r32(fp, s2)) as u32));
    }
    h_176 = 0x176 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1).wrapping_shr(r32(fp, s2))));
    }
    h_177 = 0x177 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1).rotate_left(r32(fp, s2) & 31)));
    }
    h_178 = 0x178 => {
        num!(ip, a; d, s1, s2 => w32(fp, d, r32(fp, s1).rotate_right(r32(fp, s2) & 31)));
    }
    h_179 = 0x179 => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1).leading_zeros() as u64));
    }
    h_17a = 0x17a => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1).trailing_zeros() as u64));
    }
    h_17b = 0x17b => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1).count_ones() as u64));
    }
    h_17c = 0x17c => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1).wrapping_add(r64(fp, s2))));
    }
    h_17d = 0x17d => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1).wrapping_sub(r64(fp, s2))));
    }
    h_17e = 0x17e => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1).wrapping_mul(r64(fp, s2))));
    }
    h_17f = 0x17f => {
        num!(ip, a; d, s1, s2 => {
            let (x, y) = (r64(fp, s1) as i64, r64(fp, s2) as i64);
            if y == 0 {
                trap!(ip, cx; TrapKind::IntegerDivideByZero);
            }
            if x == i64::MIN && y == -1 {
                trap!(ip, cx; TrapKind::IntegerOverflow);
            }
            w64(fp, d, (x / y) as u64);
        });
    }
    h_180 = 0x180 => {
        num!(ip, a; d, s1, s2 => {
            let y = r64(fp, s2);
            if y == 0 {
                trap!(ip, cx; TrapKind::IntegerDivideByZero);
            }
            w64(fp, d, r64(fp, s1) / y);
        });
    }
    h_181 = 0x181 => {
        num!(ip, a; d, s1, s2 => {
            let (x, y) = (r64(fp, s1) as i64, r64(fp, s2) as i64);
            if y == 0 {
                trap!(ip, cx; TrapKind::IntegerDivideByZero);
            }
            w64(fp, d, x.wrapping_rem(y) as u64);
        });
    }
    h_182 = 0x182 => {
        num!(ip, a; d, s1, s2 => {
            let y = r64(fp, s2);
            if y == 0 {
                trap!(ip, cx; TrapKind::IntegerDivideByZero);
            }
            w64(fp, d, r64(fp, s1) % y);
        });
    }
    h_183 = 0x183 => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1) & r64(fp, s2)));
    }
    h_184 = 0x184 => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1) | r64(fp, s2)));
    }
    h_185 = 0x185 => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1) ^ r64(fp, s2)));
    }
    h_186 = 0x186 => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1).wrapping_shl(r64(fp, s2) as u32)));
    }
    h_187 = 0x187 => {
        num!(ip, a; d, s1, s2 => {
            w64(
                fp,
                d,
                (r64(fp, s1) as i64).wrapping_shr(r64(fp, s2) as u32) as u64,
            );
        });
    }
    h_188 = 0x188 => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1).wrapping_shr(r64(fp, s2) as u32)));
    }
    h_189 = 0x189 => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1).rotate_left((r64(fp, s2) & 63) as u32)));
    }
    h_18a = 0x18a => {
        num!(ip, a; d, s1, s2 => w64(fp, d, r64(fp, s1).rotate_right((r64(fp, s2) & 63) as u32)));
    }
    h_18b = 0x18b => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1) & 0x7fff_ffff));
    }
    h_18c = 0x18c => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1) ^ 0x8000_0000));
    }
    h_18d = 0x18d => {
        num!(ip, a; d, s1, _ => wf32(fp, d, q32(rf32(fp, s1).ceil())));
    }
    h_18e = 0x18e => {
        num!(ip, a; d, s1, _ => wf32(fp, d, q32(rf32(fp, s1).floor())));
    }
    h_18f = 0x18f => {
        num!(ip, a; d, s1, _ => wf32(fp, d, q32(rf32(fp, s1).trunc())));
    }
    h_190 = 0x190 => {
        num!(ip, a; d, s1, _ => wf32(fp, d, q32(rf32(fp, s1).round_ties_even())));
    }
    h_191 = 0x191 => {
        num!(ip, a; d, s1, _ => wf32(fp, d, rf32(fp, s1).sqrt()));
    }
    h_192 = 0x192 => {
        num!(ip, a; d, s1, s2 => wf32(fp, d, rf32(fp, s1) + rf32(fp, s2)));
    }
    h_193 = 0x193 => {
        num!(ip, a; d, s1, s2 => wf32(fp, d, rf32(fp, s1) - rf32(fp, s2)));
    }
    h_194 = 0x194 => {
        num!(ip, a; d, s1, s2 => wf32(fp, d, rf32(fp, s1) * rf32(fp, s2)));
    }
    h_195 = 0x195 => {
        num!(ip, a; d, s1, s2 => wf32(fp, d, rf32(fp, s1) / rf32(fp, s2)));
    }
    h_196 = 0x196 => {
        num!(ip, a; d, s1, s2 => wf32(fp, d, fmin32(rf32(fp, s1), rf32(fp, s2))));
    }
    h_197 = 0x197 => {
        num!(ip, a; d, s1, s2 => wf32(fp, d, fmax32(rf32(fp, s1), rf32(fp, s2))));
    }
    h_198 = 0x198 => {
        num!(ip, a; d, s1, s2 => {
            w32(
                fp,
                d,
                (r32(fp, s1) & 0x7fff_ffff) | (r32(fp, s2) & 0x8000_0000),
            );
        });
    }
    h_199 = 0x199 => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1) & 0x7fff_ffff_ffff_ffff));
    }
    h_19a = 0x19a => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1) ^ 0x8000_0000_0000_0000));
    }
    h_19b = 0x19b => {
        num!(ip, a; d, s1, _ => wf64(fp, d, q64(rf64(fp, s1).ceil())));
    }
    h_19c = 0x19c => {
        num!(ip, a; d, s1, _ => wf64(fp, d, q64(rf64(fp, s1).floor())));
    }
    h_19d = 0x19d => {
        num!(ip, a; d, s1, _ => wf64(fp, d, q64(rf64(fp, s1).trunc())));
    }
    h_19e = 0x19e => {
        num!(ip, a; d, s1, _ => wf64(fp, d, q64(rf64(fp, s1).round_ties_even())));
    }
    h_19f = 0x19f => {
        num!(ip, a; d, s1, _ => wf64(fp, d, rf64(fp, s1).sqrt()));
    }
    h_1a0 = 0x1a0 => {
        num!(ip, a; d, s1, s2 => wf64(fp, d, rf64(fp, s1) + rf64(fp, s2)));
    }
    h_1a1 = 0x1a1 => {
        num!(ip, a; d, s1, s2 => wf64(fp, d, rf64(fp, s1) - rf64(fp, s2)));
    }
    h_1a2 = 0x1a2 => {
        num!(ip, a; d, s1, s2 => wf64(fp, d, rf64(fp, s1) * rf64(fp, s2)));
    }
    h_1a3 = 0x1a3 => {
        num!(ip, a; d, s1, s2 => wf64(fp, d, rf64(fp, s1) / rf64(fp, s2)));
    }
    h_1a4 = 0x1a4 => {
        num!(ip, a; d, s1, s2 => wf64(fp, d, fmin64(rf64(fp, s1), rf64(fp, s2))));
    }
    h_1a5 = 0x1a5 => {
        num!(ip, a; d, s1, s2 => wf64(fp, d, fmax64(rf64(fp, s1), rf64(fp, s2))));
    }
    h_1a6 = 0x1a6 => {
        num!(ip, a; d, s1, s2 => {
            w64(
                fp,
                d,
                (r64(fp, s1) & 0x7fff_ffff_ffff_ffff)
                    | (r64(fp, s2) & 0x8000_0000_0000_0000),
            );
        });
    }
    h_1a7 = 0x1a7 => {
        num!(ip, a; d, s1, _ => w32(fp, d, r64(fp, s1) as u32));
    }
    h_1a8 = 0x1a8 => {
        num!(ip, a; d, s1, _ => {
            let x = rf32(fp, s1) as f64;
            if let Err(k) = trunc_check(x, -2147483904.0, 2147483648.0) {
                trap!(ip, cx; k);
            }
            w32(fp, d, x as i32 as u32);
        });
    }
    h_1a9 = 0x1a9 => {
        num!(ip, a; d, s1, _ => {
            let x = rf32(fp, s1) as f64;
            if let Err(k) = trunc_check(x, -1.0, 4294967296.0) {
                trap!(ip, cx; k);
            }
            w32(fp, d, x as u32);
        });
    }
    h_1aa = 0x1aa => {
        num!(ip, a; d, s1, _ => {
            let x = rf64(fp, s1);
            if let Err(k) = trunc_check(x, -2147483649.0, 2147483648.0) {
                trap!(ip, cx; k);
            }
            w32(fp, d, x as i32 as u32);
        });
    }
    h_1ab = 0x1ab => {
        num!(ip, a; d, s1, _ => {
            let x = rf64(fp, s1);
            if let Err(k) = trunc_check(x, -1.0, 4294967296.0) {
                trap!(ip, cx; k);
            }
            w32(fp, d, x as u32);
        });
    }
    h_1ac = 0x1ac => {
        num!(ip, a; d, s1, _ => w64(fp, d, r32(fp, s1) as i32 as i64 as u64));
    }
    h_1ad = 0x1ad => {
        num!(ip, a; d, s1, _ => w64(fp, d, r32(fp, s1) as u64));
    }
    h_1ae = 0x1ae => {
        num!(ip, a; d, s1, _ => {
            let x = rf32(fp, s1) as f64;
            if let Err(k) = trunc_check(x, -9223373136366403584.0, 9223372036854775808.0) {
                trap!(ip, cx; k);
            }
            w64(fp, d, x as i64 as u64);
        });
    }
    h_1af = 0x1af => {
        num!(ip, a; d, s1, _ => {
            let x = rf32(fp, s1) as f64;
            if let Err(k) = trunc_check(x, -1.0, 18446744073709551616.0) {
                trap!(ip, cx; k);
            }
            w64(fp, d, x as u64);
        });
    }
    h_1b0 = 0x1b0 => {
        num!(ip, a; d, s1, _ => {
            let x = rf64(fp, s1);
            if let Err(k) = trunc_check(x, -9223372036854777856.0, 9223372036854775808.0) {
                trap!(ip, cx; k);
            }
            w64(fp, d, x as i64 as u64);
        });
    }
    h_1b1 = 0x1b1 => {
        num!(ip, a; d, s1, _ => {
            let x = rf64(fp, s1);
            if let Err(k) = trunc_check(x, -1.0, 18446744073709551616.0) {
                trap!(ip, cx; k);
            }
            w64(fp, d, x as u64);
        });
    }
    h_1b2 = 0x1b2 => {
        num!(ip, a; d, s1, _ => wf32(fp, d, r32(fp, s1) as i32 as f32));
    }
    h_1b3 = 0x1b3 => {
        num!(ip, a; d, s1, _ => wf32(fp, d, r32(fp, s1) as f32));
    }
    h_1b4 = 0x1b4 => {
        num!(ip, a; d, s1, _ => wf32(fp, d, r64(fp, s1) as i64 as f32));
    }
    h_1b5 = 0x1b5 => {
        num!(ip, a; d, s1, _ => wf32(fp, d, r64(fp, s1) as f32));
    }
    h_1b6 = 0x1b6 => {
        num!(ip, a; d, s1, _ => wf32(fp, d, rf64(fp, s1) as f32));
    }
    h_1b7 = 0x1b7 => {
        num!(ip, a; d, s1, _ => wf64(fp, d, r32(fp, s1) as i32 as f64));
    }
    h_1b8 = 0x1b8 => {
        num!(ip, a; d, s1, _ => wf64(fp, d, r32(fp, s1) as f64));
    }
    h_1b9 = 0x1b9 => {
        num!(ip, a; d, s1, _ => wf64(fp, d, r64(fp, s1) as i64 as f64));
    }
    h_1ba = 0x1ba => {
        num!(ip, a; d, s1, _ => wf64(fp, d, r64(fp, s1) as f64));
    }
    h_1bb = 0x1bb => {
        num!(ip, a; d, s1, _ => wf64(fp, d, rf32(fp, s1) as f64));
    }
    h_1bc = 0x1bc => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1)));
    }
    h_1bd = 0x1bd => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1)));
    }
    h_1be = 0x1be => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1)));
    }
    h_1bf = 0x1bf => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1)));
    }
    h_1c0 = 0x1c0 => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1) as i8 as i32 as u32));
    }
    h_1c1 = 0x1c1 => {
        num!(ip, a; d, s1, _ => w32(fp, d, r32(fp, s1) as i16 as i32 as u32));
    }
    h_1c2 = 0x1c2 => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1) as i8 as i64 as u64));
    }
    h_1c3 = 0x1c3 => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1) as i16 as i64 as u64));
    }
    h_1c4 = 0x1c4 => {
        num!(ip, a; d, s1, _ => w64(fp, d, r64(fp, s1) as i32 as i64 as u64));
    }
}
