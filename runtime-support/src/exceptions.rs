//! Wasm exceptions in the runtime: tags, exception objects (`exnref`), and
//! the unwinder that carries a thrown exception to its handler.
//!
//! Throwing (`throw_ref` libcall, reached from the module's throw stub or a
//! host adapter with that Cranelift frame's fp):
//!
//! ```text
//!   stub fp --[fp]--> thrower fp --[fp]--> ... --[fp]--> entry trampoline fp
//!           [fp+8] = return address into the thrower (a call site)
//! ```
//!
//! For each frame up to the innermost activation's entry frame, the
//! return address is looked up in its module's call-site table. A
//! `try_call` site lists handlers in order: `Context` (where the frame
//! keeps its vmctx: `sp + offset`, with `sp = fp - frame_offset`), `Tag(t)`
//! (matches if `vmctx.tags[t]` is the exception's tag definition) and
//! `Default`. The first match resumes there with the `exnref` in the first
//! payload register ([`arch::resume_to_handler`]); the Rust frames of the
//! libcall are abandoned, so the search owns nothing that needs dropping
//! by then. No match: the exception becomes an uncaught-exception trap of
//! the innermost activation, with the backtrace of the frames it crossed.
//!
//! Exception objects are owned by the store (freed with it): compiled
//! code may keep an `exnref` in locals, globals or tables, and there is no
//! collector to say when it dies.

use crate::abi::{self, TrapKind, VMTagDefinition};
use crate::entry;
use crate::func::{raw_to_val, val_to_raw};
use crate::instance::InstanceData;
use crate::store::{AsStoreMut, StoreOpaque};
use crate::sys::arch;
use crate::trap::Trap;
use crate::types::{self, FuncType};
use crate::values::{Val, ValRaw};

/// An exception tag in a store: defined by an instance, or created by the
/// host with [`Tag::new`] to import into modules.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

pub(crate) struct TagData {
    /// Boxed: its address is the tag's identity.
    pub(crate) def: Box<VMTagDefinition>,
}

impl Tag {
    /// A new tag whose payload has the params of `ty` (which must have no
    /// results).
    pub fn new(mut store: impl AsStoreMut, ty: FuncType) -> Tag {
        let store = store.as_store_mut();
        let type_id = types::intern(&ty);
        new_tag(store, type_id)
    }

    /// The tag's type (params = payload).
    pub fn ty(&self, mut store: impl AsStoreMut) -> FuncType {
        let store = store.as_store_mut();
        store.check(self.store);
        types::lookup(store.tags[self.index].def.type_id)
    }

    pub(crate) fn def_ptr(&self, store: &StoreOpaque) -> *const VMTagDefinition {
        store.check(self.store);
        &*store.tags[self.index].def
    }
}

pub(crate) fn new_tag(store: &mut StoreOpaque, type_id: u32) -> Tag {
    store.tags.push(TagData {
        def: Box::new(VMTagDefinition { type_id, _pad: 0 }),
    });
    Tag {
        store: store.id,
        index: store.tags.len() - 1,
    }
}

/// A reference to an exception object (wasm's `exnref`), owned by the
/// store that created it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExnRef(pub(crate) usize);

impl ExnRef {
    /// A new exception of `tag` carrying `payload` (checked against the
    /// tag's params). A host function throws it with
    /// `Err(Trap::throw(exn))`.
    pub fn new(mut store: impl AsStoreMut, tag: Tag, payload: &[Val]) -> Result<ExnRef, Trap> {
        let store = store.as_store_mut();
        let ty = tag.ty(&mut *store);
        if ty.params().len() != payload.len() {
            return Err(Trap::host(format!(
                "tag takes {} payload values, got {}",
                ty.params().len(),
                payload.len()
            )));
        }
        let mut raw = Vec::with_capacity(payload.len());
        for (v, t) in payload.iter().zip(ty.params()) {
            raw.push(val_to_raw(store, v, *t)?);
        }
        let exn = alloc_exn(store, tag.def_ptr(store), raw.len());
        // SAFETY: `alloc_exn` made room for `raw.len()` values.
        unsafe { values_ptr(exn).copy_from_nonoverlapping(raw.as_ptr(), raw.len()) };
        Ok(ExnRef(exn))
    }

    /// The tag the exception was thrown with.
    pub fn tag(&self, mut store: impl AsStoreMut) -> Tag {
        let store = store.as_store_mut();
        tag_of(store, self.0)
    }

    /// The payload values, in the tag's param order.
    pub fn payload(&self, mut store: impl AsStoreMut) -> Vec<Val> {
        let store = store.as_store_mut();
        let tag = tag_of(store, self.0);
        let ty = tag.ty(&mut *store);
        // SAFETY: the object was allocated with one value per param.
        let raw = unsafe { std::slice::from_raw_parts(values_ptr(self.0), ty.params().len()) };
        raw.iter()
            .zip(ty.params())
            .map(|(v, t)| raw_to_val(store, v, *t))
            .collect()
    }
}

fn tag_of(store: &StoreOpaque, exn: usize) -> Tag {
    // SAFETY: `exn` is a live exception object of this store.
    let def = unsafe { *(exn as *const *const VMTagDefinition) };
    let index = store
        .tags
        .iter()
        .position(|t| std::ptr::eq(&*t.def, def))
        .expect("an exception's tag belongs to its store");
    Tag {
        store: store.id,
        index,
    }
}

/// Where payload value 0 of exception object `exn` is.
fn values_ptr(exn: usize) -> *mut ValRaw {
    (exn + abi::VMEXN_VALUES as usize) as *mut ValRaw
}

/// A new exception object with room for `n` values, owned by `store`.
pub(crate) fn alloc_exn(store: &mut StoreOpaque, tag: *const VMTagDefinition, n: usize) -> usize {
    // One header slot (16 bytes: tag pointer, value count) + the values.
    const _: () = assert!(abi::VMEXN_VALUES == abi::VAL_RAW_SIZE);
    let mut obj = vec![ValRaw::default(); 1 + n].into_boxed_slice();
    obj[0].0[..8].copy_from_slice(&(tag as usize).to_ne_bytes());
    obj[0].0[8..12].copy_from_slice(&(n as u32).to_ne_bytes());
    let addr = obj.as_ptr() as usize;
    store.exceptions.push(obj);
    addr
}

/// Libcall `exn_new`: an exception object for the caller's tag `tag`.
///
/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` must be the calling instance's vmctx, the instance and its
/// store live for the call.
pub(crate) unsafe extern "C" fn exn_new(vmctx: *mut u8, tag: u32) -> usize {
    // SAFETY: called by compiled code with its own vmctx.
    let data = unsafe { InstanceData::from_vmctx(vmctx) };
    let m = data.module.inner.clone();
    let def: *const VMTagDefinition = data.tag_def(tag);
    let n = m.func_type(m.tag_type_index(tag)).params().len();
    // SAFETY: the instance's store outlives its running code, and nothing
    // else uses it while this libcall runs.
    let store = unsafe { &mut *data.store };
    alloc_exn(store, def, n)
}

/// Where to resume after a throw.
struct Resume {
    pc: usize,
    sp: usize,
    fp: usize,
    payload: usize,
}

/// Libcall `throw_ref` (also the host adapters' `HOSTCTX_THROW`): throws
/// `exn` from the Cranelift frame `fp`. A null `exn` (host adapters only)
/// ends the innermost activation with the trap the host function recorded
/// ([`entry::raise`]). Never returns.
///
/// # Safety
///
/// Only compiled code calls this, through the vmctx's libcall table:
/// `vmctx` is not read; `exn` must be NULL or an exception object of the
/// running store and `fp` a Cranelift frame of the innermost activation.
pub(crate) unsafe extern "C" fn throw_ref(_vmctx: *mut u8, exn: usize, fp: usize) {
    // SAFETY: called from a throw stub or host adapter, whose frame `fp`
    // is a Cranelift frame running under the innermost activation.
    let r = unsafe { find_handler(exn, fp) };
    // Everything `find_handler` owned is dropped by now.
    // SAFETY: `r` is a live handler (or the entry trampoline's resume
    // point) further up this thread's stack; only this frame is abandoned.
    unsafe { arch::resume_to_handler(r.pc, r.sp, r.fp, r.payload) }
}

/// # Safety
///
/// `start_fp` must be the frame pointer of a Cranelift frame called by
/// wasm code running under this thread's innermost activation.
unsafe fn find_handler(exn: usize, start_fp: usize) -> Resume {
    let Some(entry_fp) = entry::entry_fp() else {
        crate::sys::signals::abort_with("smelt: exception thrown outside of a wasm call\n");
    };
    if exn == 0 {
        // A host trap: no handler can catch it; collect the backtrace.
        let frames = walk(start_fp, entry_fp);
        let trap = entry::take_raised()
            .unwrap_or_else(|| Trap::host("a host function failed without a trap"));
        let record = entry::finish_with_trap(trap, &frames);
        return Resume {
            pc: record.handler,
            sp: record.sp,
            fp: record.fp,
            payload: 0,
        };
    }
    // SAFETY: `exn` is a live exception object (non-null: checked by
    // compiled code or created by the runtime).
    let tag = unsafe { *(exn as *const usize) };
    let mut fp = start_fp;
    let mut frames = Vec::new();
    loop {
        // SAFETY: `fp` is a live Cranelift frame below the entry frame.
        let (ret, caller_fp) = unsafe { arch::next_frame(fp) };
        if caller_fp == entry_fp || caller_fp == 0 || caller_fp <= fp {
            break;
        }
        frames.push(ret);
        // SAFETY: `caller_fp` is the frame that `ret` returns into.
        if let Some(r) = unsafe { handler_in_frame(ret, caller_fp, tag) } {
            return Resume { payload: exn, ..r };
        }
        fp = caller_fp;
    }
    // Uncaught: end the innermost host-to-wasm call.
    let mut trap = Trap::uncaught(ExnRef(exn));
    if let Some(inner) = take_escaping(exn) {
        trap.set_backtrace(inner);
    }
    let record = entry::finish_with_trap(trap, &frames);
    Resume {
        pc: record.handler,
        sp: record.sp,
        fp: record.fp,
        payload: 0,
    }
}

/// Return addresses of the frames above the Cranelift frame `fp` up to
/// the entry frame, innermost first.
fn walk(mut fp: usize, entry_fp: usize) -> Vec<usize> {
    let mut frames = Vec::new();
    loop {
        // SAFETY: `fp` is a live Cranelift frame below the entry frame.
        let (ret, caller_fp) = unsafe { arch::next_frame(fp) };
        if caller_fp == entry_fp || caller_fp == 0 || caller_fp <= fp {
            return frames;
        }
        frames.push(ret);
        fp = caller_fp;
    }
}

/// The handler for an exception with tag definition `tag` at the call
/// that returns to `ret` in the frame `fp`, if that call site has one.
///
/// # Safety
///
/// `ret` must be a return address into the live Cranelift frame `fp`.
unsafe fn handler_in_frame(ret: usize, fp: usize, tag: usize) -> Option<Resume> {
    let module = crate::registry::lookup_module(ret)?;
    // SAFETY: the module is alive: its code is on the stack.
    let module = unsafe { &*module };
    let range = module.code_at(ret)?;
    let (site, handlers) = module.call_site(range, ret)?;
    if handlers.is_empty() {
        return None;
    }
    let sp = fp - site.frame_offset as usize;
    let mut vmctx = 0usize;
    for h in handlers {
        let matched = match h.kind {
            abi::HANDLER_CONTEXT => {
                // SAFETY: Cranelift spilled the context at this SP offset
                // in the live frame.
                vmctx = unsafe { *((sp + h.offset as usize) as *const usize) };
                false
            }
            abi::HANDLER_TAG => {
                let slot = vmctx + module.offsets.tag(h.tag) as usize;
                // SAFETY: `vmctx` is the frame's instance context (the
                // Context item precedes every Tag item) and `h.tag` one of
                // its module's tags.
                vmctx != 0 && unsafe { *(slot as *const usize) } == tag
            }
            _ => true,
        };
        if matched {
            return Some(Resume {
                pc: range.start + h.offset as usize,
                sp,
                fp,
                payload: 0,
            });
        }
    }
    None
}

thread_local! {
    /// The interpreter frames of the last exception that left an
    /// interpreted activation uncaught, by exnref: the backtrace an
    /// uncaught-exception trap starts with.
    static ESCAPING: std::cell::RefCell<Option<(usize, Vec<crate::trap::Frame>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Records where exception `exn` was thrown, as it leaves interpreted code.
pub(crate) fn set_escaping(exn: usize, frames: Vec<crate::trap::Frame>) {
    ESCAPING.with(|e| *e.borrow_mut() = Some((exn, frames)));
}

/// The frames [`set_escaping`] recorded for `exn`, if any.
pub(crate) fn take_escaping(exn: usize) -> Option<Vec<crate::trap::Frame>> {
    ESCAPING.with(|e| {
        let mut e = e.borrow_mut();
        match e.take() {
            Some((x, frames)) if x == exn => Some(frames),
            other => {
                *e = other;
                None
            }
        }
    })
}

/// Whether a trap is an uncaught exception: its `exnref`.
pub(crate) fn trap_exception(trap: &Trap) -> Option<ExnRef> {
    (trap.kind() == TrapKind::UncaughtException)
        .then(|| trap.exnref())
        .flatten()
}
