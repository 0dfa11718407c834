//! Where the executor finds each interpreted function's IR, and lazy
//! translation: IR made on a function's first call by the module's
//! [`LazyTranslator`] (`smelt run --mode interp`).
//!
//! Every defined function has a record pointer in a [`FuncTable`]. For IR
//! stored in the descriptor the pointers point at the descriptor's records
//! and never change. In a lazy module each starts at a *placeholder*
//! record of the function's shape (params, results; no locals) whose code
//! is one [`Op::Translate`]: the executor enters the function exactly as
//! a translated one, finds that instruction, and calls [`translate`],
//! which gets the IR from the translator, copies it into the module's
//! arena and publishes the new record (one `Release` store of the
//! pointer; readers load it with `Acquire`). A translated function costs
//! the executor nothing: no flag is tested on a call.
//!
//! The arena is one address-space reservation, so that the words of every
//! function lie at `u32` word indices from one base, as the executor
//! expects of `interp_code` (and likewise the offset and handler tables);
//! it is committed a MiB at a time as translations arrive and never
//! moves. Two threads may translate one function at once: both translate,
//! the first to take the arena's lock publishes, the other's result is
//! dropped.
//!
//! ```text
//! arena:  [Translate][pad] [rec][code...][pad][offsets...][pad][handlers...] [rec]...
//!          word 0           one translated function, appended under the lock
//! ```

use crate::abi::interp::{InterpFuncRec, InterpHandler, IpOffset, LazyTranslator, Op};
use crate::abi::{Rel, TrapKind};
use crate::module::ModuleInner;
use crate::sys::mmap::{Mmap, Protection, page_size};
use crate::trap::Trap;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

/// The interpreted functions of one module.
pub(crate) struct FuncTable {
    /// Per defined function, its current record.
    recs: Box<[AtomicPtr<InterpFuncRec>]>,
    /// Base of the code word indices (`InterpFuncRec::code`).
    code: *const u32,
    /// Base of the offset-table indices.
    offsets: *const IpOffset,
    /// Base of the handler-table indices.
    handlers: *const InterpHandler,
    lazy: Option<Lazy>,
}

// SAFETY: the records and arrays the pointers reach are immutable once
// published (descriptor memory, or arena bytes written before their
// record's pointer is stored with `Release`); the arena's free space is
// written only under its lock.
unsafe impl Send for FuncTable {}
// SAFETY: as above.
unsafe impl Sync for FuncTable {}

struct Lazy {
    translator: Arc<dyn LazyTranslator>,
    /// Per function type, the placeholder record of its functions (the
    /// initial targets of `recs`; never moved, never freed before them).
    placeholders: Box<[InterpFuncRec]>,
    arena: Mmap,
    /// Bytes of the arena in use and committed (read-write).
    state: Mutex<(usize, usize)>,
}

/// The base address of a module's IR words, as the executor wants it
/// (`r.m.interp_code().as_ptr()`): a pointer, not a slice, because a lazy
/// module's words grow while other threads run them.
#[derive(Copy, Clone)]
pub(crate) struct CodeBase(*const u32);

impl CodeBase {
    #[inline(always)]
    pub(crate) fn as_ptr(self) -> *const u32 {
        self.0
    }
}

/// Bytes by which the arena's committed part grows.
const COMMIT_STEP: usize = 1 << 20;
/// Arena bytes reserved per byte of wasm function bodies (IR is about
/// 1.5 bytes per byte; a function past the reservation traps).
const ARENA_PER_BODY_BYTE: usize = 16;
/// Largest arena: code word indices must fit a `u32`.
const ARENA_MAX: usize = 16 << 30;

impl FuncTable {
    /// No interpreted functions.
    pub(crate) fn empty() -> FuncTable {
        FuncTable {
            recs: Box::new([]),
            code: std::ptr::null(),
            offsets: std::ptr::null(),
            handlers: std::ptr::null(),
            lazy: None,
        }
    }

    /// IR stored in the descriptor.
    ///
    /// # Safety
    ///
    /// The arrays must be valid (checked by `module::validate_interp`)
    /// and outlive the table.
    pub(crate) unsafe fn stored(
        recs: &[InterpFuncRec],
        code: &[u32],
        offsets: &[IpOffset],
        handlers: &[InterpHandler],
    ) -> FuncTable {
        FuncTable {
            recs: recs
                .iter()
                .map(|r| AtomicPtr::new(r as *const InterpFuncRec as *mut InterpFuncRec))
                .collect(),
            code: code.as_ptr(),
            offsets: offsets.as_ptr(),
            handlers: handlers.as_ptr(),
            lazy: None,
        }
    }

    /// A lazy module: `shapes[t]` is `(params, results)` of type `t`,
    /// `func_types[d]` the type of defined function `d`, `body_bytes` the
    /// size of the wasm bodies (sizes the arena).
    pub(crate) fn lazy(
        translator: Arc<dyn LazyTranslator>,
        shapes: &[(u32, u32)],
        func_types: impl Iterator<Item = u32>,
        body_bytes: usize,
    ) -> std::io::Result<FuncTable> {
        let placeholders: Box<[InterpFuncRec]> = shapes
            .iter()
            .map(|&(params, results)| InterpFuncRec {
                code: Rel { offset: 0, len: 1 },
                offsets: Rel::default(),
                handlers: Rel::default(),
                num_params: params,
                num_locals: params,
                frame_size: params.max(results),
                num_results: results,
            })
            .collect();
        let recs = func_types
            .map(|t| AtomicPtr::new(&placeholders[t as usize] as *const InterpFuncRec as *mut _))
            .collect();
        let size = body_bytes
            .saturating_mul(ARENA_PER_BODY_BYTE)
            .saturating_add(64 << 20)
            .min(ARENA_MAX);
        let arena = Mmap::reserve(size)?;
        arena.protect(0, COMMIT_STEP, Protection::ReadWrite)?;
        let base = arena.as_ptr();
        // SAFETY: the first committed word of the arena.
        unsafe { (base as *mut u32).write(Op::Translate as u32) };
        Ok(FuncTable {
            recs,
            code: base as *const u32,
            offsets: base as *const IpOffset,
            handlers: base as *const InterpHandler,
            lazy: Some(Lazy {
                translator,
                placeholders,
                arena,
                state: Mutex::new((16, COMMIT_STEP)),
            }),
        })
    }

    /// The current record of defined function `defined`.
    #[inline(always)]
    pub(crate) fn rec(&self, defined: u32) -> InterpFuncRec {
        // SAFETY: every pointer in `recs` points at a live, immutable
        // record (see the type's SAFETY note); `Acquire` pairs with the
        // `Release` that published a translated one.
        unsafe { *self.recs[defined as usize].load(Ordering::Acquire) }
    }

    /// The record pointers, for the call handlers of fast.rs, which read
    /// them as [`rec`](Self::rec) does (an `Acquire` load of the entry).
    #[inline(always)]
    pub(crate) fn recs_ptr(&self) -> *const AtomicPtr<InterpFuncRec> {
        self.recs.as_ptr()
    }

    #[inline(always)]
    pub(crate) fn code_base(&self) -> CodeBase {
        CodeBase(self.code)
    }

    /// The offset table of `f`, a record of this table.
    pub(crate) fn offsets(&self, f: &InterpFuncRec) -> &[IpOffset] {
        if f.offsets.len == 0 {
            return &[];
        }
        // SAFETY: a record's ranges lie in its table's published arrays.
        unsafe {
            std::slice::from_raw_parts(
                self.offsets.add(f.offsets.offset as usize),
                f.offsets.len as usize,
            )
        }
    }

    /// The exception handlers of `f`, a record of this table.
    pub(crate) fn handlers(&self, f: &InterpFuncRec) -> &[InterpHandler] {
        if f.handlers.len == 0 {
            return &[];
        }
        // SAFETY: as for `offsets`.
        unsafe {
            std::slice::from_raw_parts(
                self.handlers.add(f.handlers.offset as usize),
                f.handlers.len as usize,
            )
        }
    }

    /// A lazy module's translator.
    pub(crate) fn translator(&self) -> Option<&dyn LazyTranslator> {
        self.lazy.as_ref().map(|l| &*l.translator)
    }

    /// Lazy modules: how many defined functions are translated so far.
    pub(crate) fn translated(&self) -> Option<usize> {
        let lazy = self.lazy.as_ref()?;
        let ph = lazy.placeholders.as_ptr_range();
        let n = self.recs.iter().filter(|r| {
            let p = r.load(Ordering::Relaxed) as *const InterpFuncRec;
            !ph.contains(&p)
        });
        Some(n.count())
    }
}

/// Runs when the executor meets [`Op::Translate`], the code of defined
/// function `defined` of `m` before its first translation: translates
/// it (unless another thread has) and returns its record. The executor
/// then zeroes its locals, checks its frame against the stack and runs
/// it from its first word.
#[cold]
#[inline(never)]
pub(crate) fn translate(m: &ModuleInner, defined: u32) -> Result<InterpFuncRec, Trap> {
    let table = &m.interp;
    let Some(lazy) = &table.lazy else {
        return Err(Trap::host(
            "the interpreter met a Translate instruction in stored IR",
        ));
    };
    let current = table.rec(defined);
    if current.code.len != 1 || current.code.offset != 0 {
        return Ok(current);
    }
    let func = m.header().num_imported_funcs + defined;
    let failed = |why: &str| {
        let name = m
            .func_name(func)
            .map(|n| format!(" `{n}`"))
            .unwrap_or_default();
        Trap::host(format!(
            "cannot interpret function {func}{name}: lazy translation failed: {why}"
        ))
    };
    let f = lazy.translator.translate(defined).map_err(|e| failed(&e))?;
    let rec = InterpFuncRec {
        code: Rel {
            offset: 0,
            len: f.code.len() as u32,
        },
        offsets: Rel {
            offset: 0,
            len: f.offsets.len() as u32,
        },
        handlers: Rel {
            offset: 0,
            len: f.handlers.len() as u32,
        },
        num_params: f.num_params,
        num_locals: f.num_locals,
        frame_size: f.frame_size,
        num_results: f.num_results,
    };
    crate::module::check_interp_func(m, func, &rec, &f.code, &f.offsets, &f.handlers)
        .map_err(failed)?;

    let mut state = lazy.state.lock().unwrap_or_else(|e| e.into_inner());
    // Another thread may have published it while this one translated.
    let current = table.rec(defined);
    if current.code.len != 1 || current.code.offset != 0 {
        return Ok(current);
    }
    let (used, committed) = *state;
    let size_of = std::mem::size_of::<InterpFuncRec>();
    let rec_at = used.next_multiple_of(8);
    let code_at = rec_at + size_of;
    let offsets_at = (code_at + 4 * f.code.len()).next_multiple_of(8);
    let handlers_at = (offsets_at + 8 * f.offsets.len()).next_multiple_of(32);
    let end = handlers_at + std::mem::size_of_val(&f.handlers[..]);
    if end > lazy.arena.len() {
        return Err(Trap::with_message(
            TrapKind::OutOfMemory,
            format!(
                "cannot interpret function {func}: the interpreter's code area of {} MiB is full",
                lazy.arena.len() >> 20
            ),
        ));
    }
    if end > committed {
        let grow = (end - committed)
            .next_multiple_of(COMMIT_STEP)
            .next_multiple_of(page_size());
        let grow = grow.min(lazy.arena.len() - committed);
        lazy.arena
            .protect(committed, grow, Protection::ReadWrite)
            .map_err(|e| {
                Trap::with_message(
                    TrapKind::OutOfMemory,
                    format!("cannot interpret function {func}: {e}"),
                )
            })?;
        state.1 = committed + grow;
    }
    let rec = InterpFuncRec {
        code: Rel {
            offset: (code_at / 4) as u32,
            len: rec.code.len,
        },
        offsets: Rel {
            offset: (offsets_at / 8) as u32,
            len: rec.offsets.len,
        },
        handlers: Rel {
            offset: (handlers_at / 32) as u32,
            len: rec.handlers.len,
        },
        ..rec
    };
    let base = lazy.arena.as_ptr();
    // SAFETY: `used..end` is committed, unused arena space that no other
    // thread reads (it is not published yet, and writers hold the lock);
    // each array lands at an offset aligned for its type.
    unsafe {
        let code = base.add(code_at) as *mut u32;
        std::ptr::copy_nonoverlapping(f.code.as_ptr(), code, f.code.len());
        let offsets = base.add(offsets_at) as *mut IpOffset;
        std::ptr::copy_nonoverlapping(f.offsets.as_ptr(), offsets, f.offsets.len());
        let handlers = base.add(handlers_at) as *mut InterpHandler;
        std::ptr::copy_nonoverlapping(f.handlers.as_ptr(), handlers, f.handlers.len());
        let at = base.add(rec_at) as *mut InterpFuncRec;
        at.write(rec);
        table.recs[defined as usize].store(at, Ordering::Release);
    }
    state.0 = end;
    Ok(rec)
}
