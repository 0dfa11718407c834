//! The interpreter's translator: validated wasm function bodies to the IR
//! that the runtime's executor runs (`smelt_runtime::abi::interp`).
//!
//! One pass over the operators, validating each. The wasm operand stack
//! is tracked at translation time: a value is a *temporary* in its
//! canonical slot (`num_locals + height`), or still a *local* or a
//! *constant* that no instruction has copied yet. Instructions then read
//! locals and constants where they are (`local.get a; local.get b;
//! i32.add; local.set c` is one `add c, a, b`), and a `local.set` right
//! after the instruction that produced its value retargets that
//! instruction. Deferred values are copied into their slots at every
//! control-flow boundary (block entries, branches, calls), so each
//! materialisation lies on the one path that needs it.

mod atomics;
mod decode;
mod ops;
mod simd;

use crate::Options;
use crate::error::{CompileError, Result};
use crate::module_info::{DefinedFuncIndex, ModuleInfo};
use smelt_runtime::abi::VMOffsets;
use smelt_runtime::abi::interp::{self as ir, InterpHandler, IpOffset, Op};
use wasmparser::{
    BlockType, FuncToValidate, FuncValidator, FuncValidatorAllocations, Operator,
    ValidatorResources,
};

/// One function's IR and side tables, with word indices and handler
/// indices local to the function (the emitter concatenates them).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct InterpFunc {
    pub(crate) code: Vec<u32>,
    pub(crate) offsets: Vec<IpOffset>,
    pub(crate) handlers: Vec<InterpHandler>,
    pub(crate) num_params: u32,
    pub(crate) num_locals: u32,
    pub(crate) frame_size: u32,
    pub(crate) num_results: u32,
}

/// Validates and translates one defined function.
pub(crate) fn translate_function(
    info: &ModuleInfo<'_>,
    defined: DefinedFuncIndex,
    options: &Options,
) -> Result<InterpFunc> {
    translate(info, defined, options, true)
}

/// Translates one defined function whose body [`validate_function`] has
/// accepted (lazy translation: the module was validated up front), without
/// validating it again. The translator reads only what validation proved
/// (operand counts, block types, indices), so a valid body translates
/// exactly as under [`translate_function`].
pub(crate) fn translate_validated(
    info: &ModuleInfo<'_>,
    defined: DefinedFuncIndex,
    options: &Options,
) -> Result<InterpFunc> {
    translate(info, defined, options, false)
}

fn translate(
    info: &ModuleInfo<'_>,
    defined: DefinedFuncIndex,
    options: &Options,
    mut validate: bool,
) -> Result<InterpFunc> {
    let body = &info.bodies[defined];
    let ty = &info.types[body.validator.ty as usize];
    let num_params = ty.params.len() as u32;
    let num_results = ty.results.len() as u32;
    let limit = |what: &str| frame_limit(info, defined, what);
    let num_locals = count_locals(info, defined)?;
    let mut reserved = 0;
    loop {
        let mut validator = None;
        if validate {
            let mut v = FuncToValidate {
                resources: body.validator.resources.clone(),
                index: body.validator.index,
                ty: body.validator.ty,
                features: body.validator.features,
            }
            .into_validator(Default::default());
            let mut locals = body.body.get_locals_reader()?;
            for _ in 0..locals.get_count() {
                let offset = locals.original_position();
                let (count, ty) = locals.read()?;
                v.define_locals(offset, count, ty)?;
            }
            validator = Some(v);
        }
        let t = translate_body(
            info,
            body,
            options,
            validator.as_mut(),
            num_locals,
            reserved,
            &limit,
        )?;
        if t.retry {
            // The first pass validated the whole body.
            validate = false;
            reserved = t.hidden;
            continue;
        }
        let frame_size = t.stack_base + t.max_height;
        if frame_size > ir::MAX_FRAME_SLOTS {
            return Err(limit("frame too large"));
        }
        return Ok(InterpFunc {
            code: t.code,
            offsets: t.offsets,
            handlers: t.handlers,
            num_params,
            num_locals,
            frame_size,
            num_results,
        });
    }
}

/// The error of a function whose frame would exceed the interpreter's
/// limit (`what` says how).
fn frame_limit(info: &ModuleInfo<'_>, defined: DefinedFuncIndex, what: &str) -> CompileError {
    CompileError::ImplLimit {
        func: crate::compile::describe(info, crate::compile::ItemKind::Function(defined)),
        message: format!(
            "{what}: the interpreter's frames hold at most {} values",
            ir::MAX_FRAME_SLOTS
        ),
    }
}

/// Slots of the params and declared locals of `defined`, which must
/// leave room in a frame (checked before its operators, the first error a
/// function can have).
fn count_locals(info: &ModuleInfo<'_>, defined: DefinedFuncIndex) -> Result<u32> {
    let body = &info.bodies[defined];
    let mut num_locals = info.types[body.validator.ty as usize].params.len() as u32;
    let mut locals = body.body.get_locals_reader()?;
    for _ in 0..locals.get_count() {
        let (count, _) = locals.read()?;
        num_locals = num_locals.saturating_add(count);
    }
    if num_locals >= ir::MAX_FRAME_SLOTS {
        return Err(frame_limit(info, defined, "too many locals"));
    }
    Ok(num_locals)
}

/// Validates one defined function without translating it (lazy
/// translation translates it on first call): the errors
/// [`translate_function`] would report, in the same order, except the
/// frame limits that only translation finds. `allocs` carries the
/// validator's memory from one function to the next.
pub(crate) fn validate_function(
    info: &ModuleInfo<'_>,
    defined: DefinedFuncIndex,
    allocs: &mut Option<FuncValidatorAllocations>,
) -> Result<()> {
    let body = &info.bodies[defined];
    let mut validator = FuncToValidate {
        resources: body.validator.resources.clone(),
        index: body.validator.index,
        ty: body.validator.ty,
        features: body.validator.features,
    }
    .into_validator(allocs.take().unwrap_or_default());
    match validator.validate(&body.body) {
        Ok(()) => {
            *allocs = Some(validator.into_allocations());
            // A valid body has at most 50,000 locals and 1,000 params
            // (wasmparser's limits), always below the frame limit that
            // `count_locals` checks, so only an invalid one needs it.
            debug_assert!(count_locals(info, defined).is_ok());
            Ok(())
        }
        // The error translation would report first.
        Err(e) => count_locals(info, defined).and(Err(e.into())),
    }
}

/// One translation of a body with `reserved` hidden slots, validating
/// each operator first with `validator` (which has seen the locals) if
/// there is one.
fn translate_body<'a, 'm>(
    info: &'a ModuleInfo<'m>,
    body: &'a crate::module_info::Body<'m>,
    options: &Options,
    mut validator: Option<&mut Validator>,
    num_locals: u32,
    reserved: u32,
    limit: &dyn Fn(&str) -> CompileError,
) -> Result<Translator<'a, 'm>> {
    let num_results = info.types[body.validator.ty as usize].results.len() as u32;
    let bytes = body.body.as_bytes();
    let body_start = body.body.range().start as usize;
    let mut t = Translator {
        info,
        offsets_vm: info.vm_offsets(),
        bytes,
        body_start,
        // The IR takes ~1.7-1.9 bytes per body byte (docs/performance.md).
        code: Vec::with_capacity(bytes.len() / 2 + 8),
        offsets: Vec::with_capacity(bytes.len() / 32),
        handlers: Vec::new(),
        stack: Vec::with_capacity(32),
        local_refs: vec![0; num_locals as usize],
        num_locals,
        max_height: 0,
        hidden: 0,
        reserved,
        retry: false,
        stack_base: num_locals + reserved,
        ctrl: Vec::with_capacity(16),
        reachable: true,
        dead_depth: 0,
        last_producer: None,
        last_add_imm: None,
        merged_dst: None,
        interruptible: options.interruptible,
        handler_patches: Vec::new(),
        overflow: false,
    };
    t.ctrl.push(Ctrl::new(CtrlKind::Block, 0, 0, num_results));
    if t.interruptible {
        t.emit(Op::Interrupt, 0);
    }
    let mut meter = options.fuel.then(|| crate::fuel::Meter::new(&body.body));
    let ops = body.body.get_operators_reader()?.get_binary_reader();
    let mut reader = decode::Decoder::new(ops, bytes, body_start);
    while !reader.eof() {
        let offset = reader.original_position();
        let read = reader.read()?;
        let op = &*read;
        if let Some(v) = validator.as_deref_mut() {
            v.op(offset as u64, op)?;
        }
        if let Some(charge) = meter.as_mut().and_then(|m| m.operator(op)) {
            t.fuel(charge, offset as u32);
        }
        t.operator(op, offset as u32)?;
        if t.overflow {
            return Err(limit("operand stack too deep"));
        }
    }
    reader.finish()?;
    Ok(t)
}

/// A value on the translation-time operand stack.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Opnd {
    /// In its canonical slot.
    Temp,
    /// Still in local `n`.
    Local(u32),
    /// A scalar constant not yet written anywhere, `width` bytes wide (4
    /// or 8). (A `v128.const` is written at once: deferring it would make
    /// every operand twice as wide, and translation slower.)
    Const { bits: u64, width: u8 },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum CtrlKind {
    Block,
    Loop,
    If,
    Else,
    TryTable,
    /// Legacy `try` (before its first `catch`).
    Try,
    /// Legacy `catch`/`catch_all` body.
    Catch,
}

struct Ctrl {
    kind: CtrlKind,
    /// Stack height below the block's params.
    height: u32,
    params: u32,
    results: u32,
    /// Loops: the header's word index. Try: the body's first word.
    start: u32,
    /// Words that receive the end's word index.
    patches: Vec<usize>,
    /// `if`: the word of its jump to the `else` (or end).
    else_patch: Option<usize>,
    /// Whether the end is reachable from inside (a branch to it, or the
    /// fall-through of a reachable body).
    end_reached: bool,
    /// Reachability when the block was entered.
    entered_reachable: bool,
    /// `try_table` catch clauses: (kind, tag, label depth, with exnref).
    catches: Vec<(u32, u32, u32, bool)>,
    /// Legacy try: the hidden slot holding the caught exnref; the catch
    /// clauses seen (handlers pushed at the end).
    exn_slot: Option<u32>,
    legacy_clauses: Vec<InterpHandler>,
    /// Handlers of a legacy try body, to patch with `end`.
    try_end: u32,
}

impl Ctrl {
    fn new(kind: CtrlKind, height: u32, params: u32, results: u32) -> Ctrl {
        Ctrl {
            kind,
            height,
            params,
            results,
            start: 0,
            patches: Vec::new(),
            else_patch: None,
            end_reached: false,
            entered_reachable: true,
            catches: Vec::new(),
            exn_slot: None,
            legacy_clauses: Vec::new(),
            try_end: 0,
        }
    }

    /// Values a branch to this label carries.
    fn label_arity(&self) -> u32 {
        if self.kind == CtrlKind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

struct Translator<'a, 'm> {
    info: &'a ModuleInfo<'m>,
    offsets_vm: VMOffsets,
    bytes: &'a [u8],
    body_start: usize,
    code: Vec<u32>,
    offsets: Vec<IpOffset>,
    handlers: Vec<InterpHandler>,
    stack: Vec<Opnd>,
    /// How many stack entries are `Opnd::Local(i)`.
    local_refs: Vec<u32>,
    num_locals: u32,
    max_height: u32,
    /// Hidden slots (above the deepest stack), numbered from 0 until the end.
    hidden: u32,
    /// Hidden slots reserved below the stack (`stack_base - num_locals`).
    reserved: u32,
    /// Set when more hidden slots are needed than reserved.
    retry: bool,
    /// Slot of stack height 0.
    stack_base: u32,
    ctrl: Vec<Ctrl>,
    reachable: bool,
    /// Blocks opened in unreachable code (skipped until their `end`).
    dead_depth: u32,
    /// Word index of the last instruction, if it wrote the top temporary
    /// (its destination is in the first word's high half).
    last_producer: Option<usize>,
    /// Word index of the last instruction if it is an `i32.add` of a
    /// constant, retargeted or not (see `merge_add_imm`).
    last_add_imm: Option<usize>,
    /// After an `AddImm2`: the word whose high half is its second
    /// destination (the top temporary), for `local.set` to retarget.
    merged_dst: Option<usize>,
    interruptible: bool,
    /// Handlers whose `target` is a label's end: (handler index, ctrl depth).
    handler_patches: Vec<(usize, usize)>,
    overflow: bool,
}

type Validator = FuncValidator<ValidatorResources>;

/// The `i32.add` opcode byte, which several fused instructions start from.
const I32_ADD: u16 = 0x6a;

/// A branch condition, possibly fused with the compare that produced it.
#[derive(Copy, Clone)]
enum Cond {
    /// The i32 in a slot is not zero.
    NonZero(u32),
    /// The i32 in a slot is zero (`i32.eqz`).
    Zero(u32),
    /// A compare (opcode byte) of two slots; 0x71 (`i32.and`): their
    /// bitwise and is not zero, 0x45 (`i32.eqz`): it is.
    Compare(u16, u32, u32),
    /// A compare (opcode byte, as for `Compare`) of a slot with a constant.
    CompareImm(u16, u32, u64),
}

impl Translator<'_, '_> {
    // ---- emission ----

    fn ip(&self) -> u32 {
        self.code.len() as u32
    }

    fn emit(&mut self, op: Op, a: u32) {
        self.emit_raw(op as u16, a);
    }

    fn emit_raw(&mut self, op: u16, a: u32) {
        self.no_fusion();
        self.code.push(op as u32 | (a << 16));
    }

    /// Nothing emitted so far fuses with what comes next (a new
    /// instruction, a block boundary).
    fn no_fusion(&mut self) {
        self.last_producer = None;
        self.last_add_imm = None;
        self.merged_dst = None;
    }

    /// `d = lhs + imm` right after another `i32.add` of a constant (which
    /// `local.set` may have retargeted since): the two become one
    /// [`Op::AddImm2`].
    pub(super) fn merge_add_imm(&mut self, d: u32, lhs: u32, imm: u32) -> bool {
        let Some(p) = self.trailing_add_imm() else {
            return false;
        };
        let imm1 = self.code[p + 2];
        self.code[p] = (self.code[p] & !0xffff) | Op::AddImm2 as u32;
        self.code[p + 1] = (self.code[p + 1] & 0xffff) | d << 16;
        self.code[p + 2] = lhs;
        self.code.push(imm1);
        self.code.push(imm);
        self.no_fusion();
        self.merged_dst = Some(p + 1);
        true
    }

    /// Where the last instruction starts if it is (still) an `i32.add`
    /// of a constant, `[op|dst] [src|-] imm` (`last_add_imm`, checked
    /// against the code so far).
    fn trailing_add_imm(&self) -> Option<usize> {
        let p = self.last_add_imm?;
        (self.code.len() == p + 3 && self.code[p] & 0xffff == (ir::NUMERIC_IMM + I32_ADD) as u32)
            .then_some(p)
    }

    fn pair(&mut self, b: u32, c: u32) {
        self.code.push((b & 0xffff) | (c << 16));
    }

    fn word(&mut self, w: u32) {
        self.code.push(w);
    }

    /// Records the wasm offset of the instruction about to be emitted.
    fn site(&mut self, offset: u32) {
        self.offsets.push(IpOffset {
            ip: self.ip(),
            wasm_offset: offset,
        });
    }

    fn slot_of(&self, pos: usize) -> u32 {
        self.stack_base + pos as u32
    }

    // ---- the operand stack ----

    fn push(&mut self, o: Opnd) {
        if let Opnd::Local(l) = o {
            self.local_refs[l as usize] += 1;
        }
        self.stack.push(o);
        let h = self.stack.len() as u32;
        if h > self.max_height {
            self.max_height = h;
            if self.stack_base + h >= ir::MAX_FRAME_SLOTS {
                self.overflow = true;
            }
        }
    }

    /// Pushes a temporary and returns its slot.
    fn push_temp(&mut self) -> u32 {
        self.push(Opnd::Temp);
        self.slot_of(self.stack.len() - 1)
    }

    /// Pops a value and returns the slot it can be read from (constants
    /// are written to their canonical slot first).
    fn pop(&mut self) -> u32 {
        let pos = self.stack.len() - 1;
        let o = self.stack.pop().expect("validated: operand present");
        match o {
            Opnd::Temp => self.slot_of(pos),
            Opnd::Local(l) => {
                self.local_refs[l as usize] -= 1;
                l
            }
            Opnd::Const { bits, width } => {
                let s = self.slot_of(pos);
                self.emit_const(s, bits, width);
                s
            }
        }
    }

    /// The slot the top value can be read from, leaving it on the stack
    /// (a constant is written to its canonical slot).
    fn peek(&mut self) -> u32 {
        let pos = self.stack.len() - 1;
        match self.stack[pos] {
            Opnd::Local(l) => l,
            _ => {
                self.materialize(pos);
                self.slot_of(pos)
            }
        }
    }

    fn emit_const(&mut self, slot: u32, bits: u64, width: u8) {
        if width == 4 {
            self.emit(Op::Const32, slot);
            self.word(bits as u32);
        } else {
            self.emit(Op::Const64, slot);
            self.word(bits as u32);
            self.word((bits >> 32) as u32);
        }
    }

    /// Writes the value at `pos` into its canonical slot.
    fn materialize(&mut self, pos: usize) {
        let s = self.slot_of(pos);
        match self.stack[pos] {
            Opnd::Temp => return,
            Opnd::Local(l) => {
                self.local_refs[l as usize] -= 1;
                self.emit(Op::Copy, s);
                self.pair(l, 0);
            }
            Opnd::Const { bits, width } => self.emit_const(s, bits, width),
        }
        self.stack[pos] = Opnd::Temp;
    }

    fn materialize_all(&mut self) {
        for pos in 0..self.stack.len() {
            self.materialize(pos);
        }
    }

    fn materialize_top(&mut self, n: u32) {
        let len = self.stack.len();
        for pos in len - n as usize..len {
            self.materialize(pos);
        }
    }

    /// Copies the top `n` values to the slots from `dst` (for a branch:
    /// `dst` is at or below the values, so copying upwards is safe).
    fn copy_top_to(&mut self, n: u32, dst: u32) {
        let len = self.stack.len();
        for i in 0..n as usize {
            let pos = len - n as usize + i;
            let d = dst + i as u32;
            match self.stack[pos] {
                Opnd::Temp => {
                    let s = self.slot_of(pos);
                    if s != d {
                        self.emit(Op::Copy, d);
                        self.pair(s, 0);
                    }
                }
                Opnd::Local(l) => {
                    self.emit(Op::Copy, d);
                    self.pair(l, 0);
                }
                Opnd::Const { bits, width } => self.emit_const(d, bits, width),
            }
        }
    }

    /// Before local `l` is written: values still reading it get copied.
    fn detach_local(&mut self, l: u32) {
        if self.local_refs[l as usize] == 0 {
            return;
        }
        for pos in 0..self.stack.len() {
            if self.stack[pos] == Opnd::Local(l) {
                self.materialize(pos);
            }
        }
    }

    fn pop_n(&mut self, n: u32) {
        for _ in 0..n {
            let o = self.stack.pop().expect("validated");
            if let Opnd::Local(l) = o {
                self.local_refs[l as usize] -= 1;
            }
        }
    }

    fn set_local(&mut self, l: u32) {
        let pos = self.stack.len() - 1;
        let top = self.stack[pos];
        // Retarget the producer when nothing else still reads `l` (the
        // word with its destination: the first, or an `AddImm2`'s second).
        if top == Opnd::Temp
            && let Some(p) = self.last_producer.or(self.merged_dst)
            && self.local_refs[l as usize] == 0
            && self.code[p] >> 16 == self.slot_of(pos)
        {
            self.stack.pop();
            self.code[p] = (self.code[p] & 0xffff) | (l << 16);
            // An add of a constant retargeted still merges with the next.
            self.last_producer = None;
            self.merged_dst = None;
            return;
        }
        if top == Opnd::Local(l) {
            self.pop_n(1);
            return;
        }
        self.detach_local(l);
        let o = self.stack.pop().expect("validated");
        match o {
            Opnd::Temp => {
                let s = self.slot_of(pos);
                self.emit(Op::Copy, l);
                self.pair(s, 0);
            }
            Opnd::Local(m) => {
                self.local_refs[m as usize] -= 1;
                self.emit(Op::Copy, l);
                self.pair(m, 0);
            }
            Opnd::Const { bits, width } => self.emit_const(l, bits, width),
        }
        self.last_producer = None;
    }

    // ---- shapes ----

    fn unary(&mut self, op: u16) {
        let a = self.pop();
        let d = self.push_temp();
        let at = self.code.len();
        self.emit_raw(op, d);
        self.pair(a, 0);
        self.last_producer = Some(at);
    }

    fn binary(&mut self, op: u16) {
        let b = self.pop();
        let a = self.pop();
        let d = self.push_temp();
        let at = self.code.len();
        self.emit_raw(op, d);
        self.pair(a, b);
        self.last_producer = Some(at);
    }

    /// `lhs <byte> load(addr + offset)` as one `MEMOP` instruction, when
    /// the right operand is what the instruction just emitted loaded from
    /// memory 0 (`load`, its opcode byte) and the left one needs no code.
    /// The load's trap site stays: the fused instruction is where the load
    /// was and traps as it would.
    fn fuse_load_rhs(&mut self, byte: u16, load: u16) -> bool {
        let len = self.stack.len();
        let Some(p) = self.last_producer else {
            return false;
        };
        if self.stack[len - 1] != Opnd::Temp || matches!(self.stack[len - 2], Opnd::Const { .. }) {
            return false;
        }
        // The load is memory 0's, in either encoding (see `memarg_op`).
        let dst = self.slot_of(len - 1) << 16;
        let (addr, offset) =
            if self.code.len() == p + 2 && self.code[p] == (ir::MEM0 + load) as u32 | dst {
                (self.code[p + 1] & 0xffff, self.code[p + 1] >> 16)
            } else if self.code.len() == p + 3
                && self.code[p] == (ir::MEM + load) as u32 | dst
                && self.code[p + 1] >> 16 == 0
            {
                (self.code[p + 1] & 0xffff, self.code[p + 2])
            } else {
                return false;
            };
        self.code.truncate(p);
        self.stack.pop();
        let lhs = self.pop();
        let d = self.push_temp();
        self.emit_raw(ir::MEMOP + byte, d);
        self.pair(addr, lhs);
        self.word(offset);
        self.last_producer = Some(p);
        true
    }

    /// An instruction `[op|dst] [a|b] words...` (no `[a|b]` word without
    /// inputs) with one result.
    fn produce(&mut self, op: Op, ins: &[u32], words: &[u32]) -> u32 {
        let d = self.push_temp();
        let at = self.code.len();
        self.emit(op, d);
        if !ins.is_empty() {
            self.pair(ins[0], ins.get(1).copied().unwrap_or(0));
        }
        for &w in words {
            self.word(w);
        }
        self.last_producer = Some(at);
        d
    }

    fn block_arity(&self, bt: BlockType) -> (u32, u32) {
        match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(i) => {
                let t = &self.info.types[i as usize];
                (t.params.len() as u32, t.results.len() as u32)
            }
        }
    }

    fn open(&mut self, kind: CtrlKind, bt: BlockType) -> &mut Ctrl {
        self.materialize_all();
        // Nothing before a block fuses with what is inside: a loop's
        // header is a branch target, a try_table's start bounds its
        // handlers.
        self.no_fusion();
        let (params, results) = self.block_arity(bt);
        let height = self.stack.len() as u32 - params;
        let mut c = Ctrl::new(kind, height, params, results);
        c.entered_reachable = self.reachable;
        c.start = self.ip();
        self.ctrl.push(c);
        self.ctrl.last_mut().expect("just pushed")
    }

    /// Emits a branch to label `depth` (values already in place); a branch
    /// to the function's label is a return.
    fn jump_to(&mut self, op: Op, a: u32, depth: u32) {
        let i = self.ctrl.len() - 1 - depth as usize;
        if i == 0 {
            debug_assert_eq!(op, Op::Br);
            self.emit_return();
            return;
        }
        self.emit(op, a);
        self.target(i);
    }

    /// The target word of a branch to label `ctrl[i]` (not the function's).
    fn target(&mut self, i: usize) {
        if self.ctrl[i].kind == CtrlKind::Loop {
            let start = self.ctrl[i].start;
            self.word(start);
        } else {
            let at = self.code.len();
            self.word(0);
            self.ctrl[i].patches.push(at);
            self.ctrl[i].end_reached = true;
        }
    }

    /// A branch on `slot` being (not) zero right after an `i32.add` of a
    /// constant that wrote it: the add becomes `op` (`AddImmBrIf*`),
    /// whose target word the caller appends.
    fn fuse_add_branch(&mut self, slot: u32, op: Op) -> bool {
        let Some(p) = self.trailing_add_imm() else {
            return false;
        };
        if self.code[p] >> 16 != slot {
            return false;
        }
        self.code[p] = op as u32 | slot << 16;
        self.no_fusion();
        true
    }

    /// Copies the values a branch to `depth` carries into the label's slots;
    /// returns whether any copy was needed.
    fn branch_copies_needed(&self, depth: u32) -> bool {
        let i = self.ctrl.len() - 1 - depth as usize;
        if i == 0 {
            return true;
        }
        let n = self.ctrl[i].label_arity();
        let dst = self.stack_base + self.ctrl[i].height;
        let len = self.stack.len();
        (0..n as usize).any(|k| {
            let pos = len - n as usize + k;
            self.stack[pos] != Opnd::Temp || self.slot_of(pos) != dst + k as u32
        })
    }

    fn branch_copies(&mut self, depth: u32) {
        let i = self.ctrl.len() - 1 - depth as usize;
        if i == 0 {
            return;
        }
        let n = self.ctrl[i].label_arity();
        let dst = self.stack_base + self.ctrl[i].height;
        self.copy_top_to(n, dst);
    }

    fn set_unreachable(&mut self) {
        self.reachable = false;
        self.no_fusion();
    }

    /// Leaves the function: results to slots `0..`.
    fn emit_return(&mut self) {
        let n = self.ctrl[0].results;
        if n == 1 {
            self.copy_top_to(1, 0);
        } else if n > 1 {
            // Deferred values to their own slots first (without changing
            // the stack state: this may be one of several branch stubs),
            // then one block move, which cannot clobber a source.
            let len = self.stack.len();
            for pos in len - n as usize..len {
                let s = self.slot_of(pos);
                match self.stack[pos] {
                    Opnd::Temp => {}
                    Opnd::Local(l) => {
                        self.emit(Op::Copy, s);
                        self.pair(l, 0);
                    }
                    Opnd::Const { bits, width } => self.emit_const(s, bits, width),
                }
            }
            let src = self.slot_of(len - n as usize);
            self.emit(Op::CopyN, 0);
            self.pair(src, n);
        }
        self.emit(Op::Return, 0);
    }

    /// A slot for the translator's own use (below the operand stack, so
    /// callees' frames never overlap it). The first translation counts
    /// them; if any are needed the function is translated again with
    /// room for them ([`translate_function`]).
    fn alloc_hidden(&mut self) -> u32 {
        self.hidden += 1;
        if self.hidden > self.reserved {
            self.retry = true;
        }
        self.num_locals + self.hidden - 1
    }

    // ---- conditions ----

    /// Pops a branch condition; a compare (or `i32.eqz`) that just
    /// produced it is taken back, to be fused into the branch.
    fn take_condition(&mut self) -> Cond {
        let pos = self.stack.len() - 1;
        if self.stack[pos] == Opnd::Temp
            && let Some(p) = self.last_producer
            && self.code[p] >> 16 == self.slot_of(pos)
        {
            let op = (self.code[p] & 0xffff) as u16;
            let byte = op.wrapping_sub(ir::NUMERIC);
            let w1 = self.code[p + 1];
            // A compare, or an `i32.and` (its test for non-zero).
            if let Some(byte) = op.checked_sub(ir::NUMERIC_IMM)
                && matches!(byte, 0x46..=0x4f | 0x51..=0x5a | 0x71)
            {
                let imm = if matches!(byte, 0x51..=0x5a) {
                    self.code[p + 2] as u64 | (self.code[p + 3] as u64) << 32
                } else {
                    self.code[p + 2] as u64
                };
                self.stack.pop();
                self.code.truncate(p);
                self.last_producer = None;
                return Cond::CompareImm(byte, w1 & 0xffff, imm);
            }
            if matches!(byte, 0x45 | 0x46..=0x4f | 0x51..=0x5a | 0x71) {
                self.stack.pop();
                self.code.truncate(p);
                self.last_producer = None;
                return if byte == 0x45 {
                    Cond::Zero(w1 & 0xffff)
                } else {
                    Cond::Compare(byte, w1 & 0xffff, w1 >> 16)
                };
            }
        }
        Cond::NonZero(self.pop())
    }

    /// Emits a branch taken when `cond` holds, to label `depth` (no copies).
    fn branch_if(&mut self, cond: Cond, depth: u32) {
        match cond {
            Cond::NonZero(s) if self.fuse_add_branch(s, Op::AddImmBrIfNez) => {
                self.target(self.ctrl.len() - 1 - depth as usize);
            }
            Cond::NonZero(s) => self.jump_to(Op::BrIfNez, s, depth),
            Cond::Zero(s) => self.jump_to(Op::BrIfEqz, s, depth),
            Cond::Compare(..) | Cond::CompareImm(..) => {
                let i = self.ctrl.len() - 1 - depth as usize;
                self.compare_branch(cond, false);
                if self.ctrl[i].kind == CtrlKind::Loop {
                    let start = self.ctrl[i].start;
                    self.word(start);
                } else {
                    let at = self.code.len();
                    self.word(0);
                    self.ctrl[i].patches.push(at);
                    self.ctrl[i].end_reached = true;
                }
            }
        }
    }

    /// Emits a branch taken when `cond` does not hold; its target is the
    /// last word emitted (the caller patches it).
    fn branch_unless(&mut self, cond: Cond) {
        match cond {
            Cond::NonZero(s) if self.fuse_add_branch(s, Op::AddImmBrIfEqz) => {}
            Cond::NonZero(s) => self.emit(Op::BrIfEqz, s),
            Cond::Zero(s) => self.emit(Op::BrIfNez, s),
            Cond::Compare(..) | Cond::CompareImm(..) => self.compare_branch(cond, true),
        }
        self.word(0);
    }

    /// Emits a fused compare-and-branch up to (not including) its target
    /// word; `negate` branches when the compare does not hold.
    fn compare_branch(&mut self, cond: Cond, negate: bool) {
        let flip = |byte| {
            if negate {
                ops::negated_compare(byte)
            } else {
                byte
            }
        };
        match cond {
            Cond::Compare(byte, lhs, rhs) => {
                self.emit_raw(ir::BRCMP + flip(byte), lhs);
                self.pair(rhs, 0);
            }
            Cond::CompareImm(byte, lhs, imm) => {
                self.emit_raw(ir::BRCMP_IMM + flip(byte), lhs);
                self.word(imm as u32);
                if matches!(byte, 0x51..=0x5a) {
                    self.word((imm >> 32) as u32);
                }
            }
            Cond::NonZero(_) | Cond::Zero(_) => unreachable!("not a compare"),
        }
    }

    // ---- calls ----

    fn call_arity(&self, type_index: u32) -> (u32, u32) {
        let t = &self.info.types[type_index as usize];
        (t.params.len() as u32, t.results.len() as u32)
    }

    /// Materialises the top `nparams` values; returns the slot of the first.
    fn args(&mut self, nparams: u32) -> u32 {
        self.materialize_top(nparams);
        self.stack_base + self.stack.len() as u32 - nparams
    }

    fn results(&mut self, nparams: u32, nresults: u32) {
        self.pop_n(nparams);
        for _ in 0..nresults {
            self.push_temp();
        }
    }

    /// Tail calls: arguments to slots `0..`.
    fn tail_args(&mut self, nparams: u32) {
        self.materialize_top(nparams);
        if nparams > 0 {
            let src = self.slot_of(self.stack.len() - nparams as usize);
            self.emit(Op::CopyN, 0);
            self.pair(src, nparams);
        }
    }

    fn memarg_op(&mut self, mem: u32, is_load: bool, offset: u64, wasm_offset: u32) {
        let memory64 = self.info.memories[mem as usize].memory64;
        let byte = self.bytes[wasm_offset as usize - self.body_start] as u16;
        let mem0 = !memory64 && mem == 0;
        let short = mem0 && offset <= 0xffff;
        if mem0
            && offset <= u32::MAX as u64
            && self.fuse_indexed(byte, is_load, offset as u32, wasm_offset)
        {
            return;
        }
        let mut base = ir::MEM0;
        let (a, addr) = if is_load {
            let addr = self.pop();
            (self.push_temp(), addr)
        } else if short && let Some(imm) = self.store_imm(byte) {
            base = ir::MEM0_IMM;
            self.stack.pop();
            (imm, self.pop())
        } else {
            let v = self.pop();
            (v, self.pop())
        };
        self.site(wasm_offset);
        let at = self.code.len();
        if short {
            self.emit_raw(base + byte, a);
            self.pair(addr, offset as u32);
        } else {
            self.emit_raw(if memory64 { ir::MEM64 } else { ir::MEM } + byte, a);
            self.pair(addr, mem);
            self.word(offset as u32);
            if memory64 {
                self.word((offset >> 32) as u32);
            }
        }
        if is_load {
            self.last_producer = Some(at);
        }
    }

    /// A load or store (opcode `byte`, static `offset`) on memory 0 whose
    /// address the instruction just emitted computed as an `i32.add` of two
    /// slots: that add becomes a `MEM0X`, and the operands leave the stack.
    fn fuse_indexed(&mut self, byte: u16, is_load: bool, offset: u32, wasm_offset: u32) -> bool {
        let len = self.stack.len();
        let addr_pos = if is_load { len - 1 } else { len - 2 };
        let Some(p) = self.last_producer else {
            return false;
        };
        let add = (ir::NUMERIC + I32_ADD) as u32 | self.slot_of(addr_pos) << 16;
        if self.code.len() != p + 2
            || self.code[p] != add
            || self.stack[addr_pos] != Opnd::Temp
            // Popping a constant value would write it after the add.
            || (!is_load && matches!(self.stack[len - 1], Opnd::Const { .. }))
        {
            return false;
        }
        let operands = self.code[p + 1];
        self.code.truncate(p);
        let a = if is_load {
            self.stack.pop();
            self.push_temp()
        } else {
            let v = self.pop();
            self.stack.pop();
            v
        };
        self.site(wasm_offset);
        self.emit_raw(ir::MEM0X + byte, a);
        self.word(operands);
        self.word(offset);
        if is_load {
            self.last_producer = Some(p);
        }
        true
    }

    /// The `MEM0_IMM` immediate of the store (opcode `byte`) of the
    /// constant on top of the stack, if it has one: the value, as the
    /// store writes it, is a sign-extended 16-bit number.
    fn store_imm(&self, byte: u16) -> Option<u32> {
        let Some(&Opnd::Const { bits, .. }) = self.stack.last() else {
            return None;
        };
        // The bits the store writes, sign-extended from its width.
        let v = match byte {
            0x3a | 0x3c => bits as u8 as i8 as i64,
            0x3b | 0x3d => bits as u16 as i16 as i64,
            0x36 | 0x38 | 0x3e => bits as u32 as i32 as i64,
            _ => bits as i64,
        };
        i16::try_from(v).ok().map(|v| v as u16 as u32)
    }

    /// A memory index for a word field, with `IDX64` for a 64-bit memory.
    fn mem_word(&self, mem: u32) -> u32 {
        if self.info.memories[mem as usize].memory64 {
            mem | ir::IDX64
        } else {
            mem
        }
    }

    /// A memory index for a 16-bit field, with `IDX64_HALF`.
    fn mem_half(&self, mem: u32) -> u32 {
        if self.info.memories[mem as usize].memory64 {
            mem | ir::IDX64_HALF
        } else {
            mem
        }
    }

    /// A table index for a word field, with `IDX64` for a 64-bit table.
    fn table_word(&self, table: u32) -> u32 {
        if self.info.tables[table as usize].ty.table64 {
            table | ir::IDX64
        } else {
            table
        }
    }

    fn global_offset(&self, g: u32) -> (bool, u32) {
        if g < self.info.num_imported_globals {
            (true, self.offsets_vm.imported_global(g))
        } else {
            (
                false,
                self.offsets_vm
                    .defined_global(g - self.info.num_imported_globals),
            )
        }
    }

    /// A basic block's fuel charge (and check), where it starts if that
    /// is reachable ([`crate::fuel`]).
    fn fuel(&mut self, charge: crate::fuel::Charge, offset: u32) {
        if !self.reachable {
            return;
        }
        if charge.check {
            self.site(offset);
            self.emit(Op::FuelCheck, 0);
        } else {
            self.emit(Op::Fuel, 0);
        }
        self.word(charge.units);
    }

    fn operator(&mut self, op: &Operator<'_>, offset: u32) -> Result<()> {
        if !self.reachable {
            return self.unreachable_operator(op, offset);
        }
        use Operator as O;
        match *op {
            O::Nop => {}
            O::Unreachable => {
                self.site(offset);
                self.emit(Op::Unreachable, 0);
                self.set_unreachable();
            }
            O::Block { blockty } => {
                self.open(CtrlKind::Block, blockty);
            }
            O::Loop { blockty } => {
                self.open(CtrlKind::Loop, blockty);
                if self.interruptible {
                    self.emit(Op::Interrupt, 0);
                }
            }
            O::If { blockty } => {
                let cond = self.take_condition();
                self.materialize_all();
                let (params, results) = self.block_arity(blockty);
                let height = self.stack.len() as u32 - params;
                let mut c = Ctrl::new(CtrlKind::If, height, params, results);
                if params > 0 {
                    // The then-branch may overwrite the params' slots;
                    // the else-branch reads them from hidden slots.
                    c.exn_slot = Some(self.num_locals + self.hidden);
                    for k in 0..params {
                        let h = self.alloc_hidden();
                        self.emit(Op::Copy, h);
                        self.pair(self.stack_base + height + k, 0);
                    }
                }
                self.branch_unless(cond);
                c.else_patch = Some(self.code.len() - 1);
                self.ctrl.push(c);
            }
            O::Else => self.else_(),
            O::End => self.end(offset),
            O::Br { relative_depth } => {
                self.branch_copies(relative_depth);
                self.jump_to(Op::Br, 0, relative_depth);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => {
                let cond = self.take_condition();
                if self.branch_copies_needed(relative_depth) {
                    self.branch_unless(cond);
                    let at = self.code.len() - 1;
                    self.branch_copies(relative_depth);
                    self.jump_to(Op::Br, 0, relative_depth);
                    self.code[at] = self.ip();
                } else {
                    self.branch_if(cond, relative_depth);
                }
            }
            O::BrTable { ref targets } => {
                let index = self.pop();
                let mut all: Vec<u32> = targets.targets().collect::<std::result::Result<_, _>>()?;
                all.push(targets.default());
                self.emit(Op::BrTable, index);
                self.word(all.len() as u32 - 1);
                let table = self.code.len();
                self.code.extend(std::iter::repeat_n(0, all.len()));
                for (k, &depth) in all.iter().enumerate() {
                    if self.branch_copies_needed(depth) {
                        self.code[table + k] = self.ip();
                        self.branch_copies(depth);
                        self.jump_to(Op::Br, 0, depth);
                    } else {
                        let i = self.ctrl.len() - 1 - depth as usize;
                        if self.ctrl[i].kind == CtrlKind::Loop {
                            self.code[table + k] = self.ctrl[i].start;
                        } else {
                            self.ctrl[i].patches.push(table + k);
                            self.ctrl[i].end_reached = true;
                        }
                    }
                }
                self.set_unreachable();
            }
            O::Return => {
                self.emit_return();
                self.set_unreachable();
            }
            O::Drop => self.pop_n(1),
            O::Select | O::TypedSelect { .. } | O::TypedSelectMulti { .. } => {
                let cond = self.pop();
                let b = self.pop();
                let a = self.pop();
                self.produce(Op::Select, &[a, b], &[cond & 0xffff]);
            }
            O::LocalGet { local_index } => self.push(Opnd::Local(local_index)),
            O::LocalSet { local_index } => self.set_local(local_index),
            O::LocalTee { local_index } => {
                self.set_local(local_index);
                self.push(Opnd::Local(local_index));
            }
            O::GlobalGet { global_index } => {
                let (imported, off) = self.global_offset(global_index);
                let op = if imported {
                    Op::GlobalGetImported
                } else {
                    Op::GlobalGet
                };
                self.produce(op, &[], &[off]);
            }
            O::GlobalSet { global_index } => {
                let (imported, off) = self.global_offset(global_index);
                let op = if imported {
                    Op::GlobalSetImported
                } else {
                    Op::GlobalSet
                };
                let s = self.pop();
                self.emit(op, s);
                self.word(off);
            }
            O::I32Const { value } => self.push(Opnd::Const {
                bits: value as u32 as u64,
                width: 4,
            }),
            O::I64Const { value } => self.push(Opnd::Const {
                bits: value as u64,
                width: 8,
            }),
            O::F32Const { value } => self.push(Opnd::Const {
                bits: value.bits() as u64,
                width: 4,
            }),
            O::F64Const { value } => self.push(Opnd::Const {
                bits: value.bits(),
                width: 8,
            }),
            O::V128Const { value } => {
                let bits = u128::from_le_bytes(*value.bytes());
                let d = self.push_temp();
                let at = self.code.len();
                self.emit(Op::Const128, d);
                for i in 0..4 {
                    self.word((bits >> (32 * i)) as u32);
                }
                self.last_producer = Some(at);
            }
            O::RefNull { .. } => self.push(Opnd::Const { bits: 0, width: 8 }),
            O::RefIsNull => {
                let a = self.pop();
                self.produce(Op::RefIsNull, &[a], &[]);
            }
            O::RefFunc { function_index } => {
                self.produce(Op::RefFunc, &[], &[function_index]);
            }
            O::RefAsNonNull => {
                // The reference stays where it is.
                let r = self.peek();
                self.site(offset);
                self.emit(Op::RefAsNonNull, r);
            }
            O::BrOnNull { relative_depth } => {
                // The reference stays on the stack when not null.
                self.materialize_top(1);
                let r = self.slot_of(self.stack.len() - 1);
                self.pop_n(1);
                if self.branch_copies_needed(relative_depth) {
                    self.emit(Op::BrOnNonNull, r);
                    let at = self.code.len();
                    self.word(0);
                    self.branch_copies(relative_depth);
                    self.jump_to(Op::Br, 0, relative_depth);
                    self.code[at] = self.ip();
                } else {
                    self.jump_to(Op::BrOnNull, r, relative_depth);
                }
                self.push(Opnd::Temp);
            }
            O::BrOnNonNull { relative_depth } => {
                // The reference is passed to the label when not null.
                self.materialize_top(1);
                let r = self.slot_of(self.stack.len() - 1);
                if self.branch_copies_needed(relative_depth) {
                    self.emit(Op::BrOnNull, r);
                    let at = self.code.len();
                    self.word(0);
                    self.branch_copies(relative_depth);
                    self.jump_to(Op::Br, 0, relative_depth);
                    self.code[at] = self.ip();
                } else {
                    self.jump_to(Op::BrOnNonNull, r, relative_depth);
                }
                self.pop_n(1);
            }
            O::Call { function_index } => {
                let (np, nr) = self.call_arity(self.info.funcs[function_index as usize]);
                let base = self.args(np);
                self.site(offset);
                self.emit(Op::Call, base);
                self.word(function_index);
                self.results(np, nr);
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => {
                let callee = self.pop();
                let (np, nr) = self.call_arity(type_index);
                let base = self.args(np);
                // The callee index must survive the argument setup: it is
                // read before the callee's frame is built.
                self.site(offset);
                self.emit(Op::CallIndirect, base);
                self.pair(callee, table_index);
                self.word(type_index | (self.table_word(table_index) & ir::IDX64));
                self.results(np, nr);
            }
            O::CallRef { type_index } => {
                let callee = self.pop();
                let (np, nr) = self.call_arity(type_index);
                let base = self.args(np);
                self.site(offset);
                self.emit(Op::CallRef, base);
                self.pair(callee, 0);
                self.word(type_index);
                self.results(np, nr);
            }
            O::ReturnCall { function_index } => {
                let (np, _) = self.call_arity(self.info.funcs[function_index as usize]);
                self.tail_args(np);
                self.site(offset);
                self.emit(Op::ReturnCall, np);
                self.word(function_index);
                self.set_unreachable();
            }
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                let callee = self.pop();
                let (np, _) = self.call_arity(type_index);
                // The callee index goes to a slot the argument copy
                // cannot overwrite: above the arguments.
                self.materialize_top(np);
                let c = self.push_temp();
                self.emit(Op::Copy, c);
                self.pair(callee, 0);
                self.stack.pop();
                self.tail_args(np);
                self.site(offset);
                self.emit(Op::ReturnCallIndirect, np);
                self.pair(c, table_index);
                self.word(type_index | (self.table_word(table_index) & ir::IDX64));
                self.set_unreachable();
            }
            O::ReturnCallRef { type_index } => {
                let callee = self.pop();
                let (np, _) = self.call_arity(type_index);
                self.materialize_top(np);
                let c = self.push_temp();
                self.emit(Op::Copy, c);
                self.pair(callee, 0);
                self.stack.pop();
                self.tail_args(np);
                self.site(offset);
                self.emit(Op::ReturnCallRef, np);
                self.pair(c, 0);
                self.word(type_index);
                self.set_unreachable();
            }
            O::MemorySize { mem } => {
                let m = self.mem_half(mem);
                self.produce(Op::MemorySize, &[0, m], &[]);
            }
            O::MemoryGrow { mem } => {
                let d = self.pop();
                let m = self.mem_half(mem);
                self.site(offset);
                self.produce(Op::MemoryGrow, &[d, m], &[]);
            }
            O::MemoryFill { mem } => {
                let len = self.pop();
                let val = self.pop();
                let dst = self.pop();
                self.site(offset);
                self.emit(Op::MemoryFill, dst);
                self.pair(val, len);
                self.word(self.mem_word(mem));
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let len = self.pop();
                let src = self.pop();
                let dst = self.pop();
                self.site(offset);
                self.emit(Op::MemoryCopy, dst);
                self.pair(src, len);
                self.word(self.mem_word(dst_mem));
                self.word(self.mem_word(src_mem));
            }
            O::MemoryInit { data_index, mem } => {
                let len = self.pop();
                let src = self.pop();
                let dst = self.pop();
                self.site(offset);
                self.emit(Op::MemoryInit, dst);
                self.pair(src, len);
                self.word(self.mem_word(mem));
                self.word(data_index);
            }
            O::DataDrop { data_index } => {
                self.emit(Op::DataDrop, 0);
                self.word(data_index);
            }
            O::TableGet { table } => {
                let i = self.pop();
                self.site(offset);
                self.produce(Op::TableGet, &[i], &[self.table_word(table)]);
            }
            O::TableSet { table } => {
                let val = self.pop();
                let i = self.pop();
                self.site(offset);
                self.emit(Op::TableSet, i);
                self.pair(val, 0);
                self.word(self.table_word(table));
            }
            O::TableSize { table } => {
                self.produce(Op::TableSize, &[], &[self.table_word(table)]);
            }
            O::TableGrow { table } => {
                let delta = self.pop();
                let init = self.pop();
                self.site(offset);
                self.produce(Op::TableGrow, &[init, delta], &[self.table_word(table)]);
            }
            O::TableFill { table } => {
                let len = self.pop();
                let val = self.pop();
                let dst = self.pop();
                self.site(offset);
                self.emit(Op::TableFill, dst);
                self.pair(val, len);
                self.word(self.table_word(table));
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let len = self.pop();
                let src = self.pop();
                let dst = self.pop();
                self.site(offset);
                self.emit(Op::TableCopy, dst);
                self.pair(src, len);
                self.word(self.table_word(dst_table));
                self.word(self.table_word(src_table));
            }
            O::TableInit { elem_index, table } => {
                let len = self.pop();
                let src = self.pop();
                let dst = self.pop();
                self.site(offset);
                self.emit(Op::TableInit, dst);
                self.pair(src, len);
                self.word(self.table_word(table));
                self.word(elem_index);
            }
            O::ElemDrop { elem_index } => {
                self.emit(Op::ElemDrop, 0);
                self.word(elem_index);
            }
            // ---- exceptions ----
            O::Throw { tag_index } => {
                let np = self.info.tag_params(tag_index).len() as u32;
                let base = self.args(np);
                self.site(offset);
                self.emit(Op::Throw, base);
                self.word(tag_index);
                self.set_unreachable();
            }
            O::ThrowRef => {
                let r = self.pop();
                self.site(offset);
                self.emit(Op::ThrowRef, r);
                self.set_unreachable();
            }
            O::TryTable { ref try_table } => {
                let mut catches = Vec::new();
                for c in &try_table.catches {
                    catches.push(match *c {
                        wasmparser::Catch::One { tag, label } => {
                            (ir::IHANDLER_CATCH, tag, label, false)
                        }
                        wasmparser::Catch::OneRef { tag, label } => {
                            (ir::IHANDLER_CATCH, tag, label, true)
                        }
                        wasmparser::Catch::All { label } => {
                            (ir::IHANDLER_CATCH_ALL, 0, label, false)
                        }
                        wasmparser::Catch::AllRef { label } => {
                            (ir::IHANDLER_CATCH_ALL, 0, label, true)
                        }
                    });
                }
                let c = self.open(CtrlKind::TryTable, try_table.ty);
                c.catches = catches;
            }
            O::Try { blockty } => {
                let h = self.alloc_hidden();
                let c = self.open(CtrlKind::Try, blockty);
                c.exn_slot = Some(h);
            }
            O::Catch { tag_index } => self.legacy_catch(Some(tag_index)),
            O::CatchAll => self.legacy_catch(None),
            O::Delegate { relative_depth } => self.delegate(relative_depth),
            O::Rethrow { relative_depth } => {
                let i = self.ctrl.len() - 1 - relative_depth as usize;
                let h = self.ctrl[i]
                    .exn_slot
                    .expect("validated: rethrow targets a catch");
                self.site(offset);
                self.emit(Op::ThrowRef, h);
                self.set_unreachable();
            }
            // Numeric operators, loads and stores (none of them above).
            _ if ops::numeric(self, op, offset) => {}
            _ => {
                return Err(CompileError::Unsupported {
                    feature: format!("operator {op:?} in the interpreter"),
                    offset: Some(offset as u64),
                });
            }
        }
        Ok(())
    }

    fn unreachable_operator(&mut self, op: &Operator<'_>, offset: u32) -> Result<()> {
        use Operator as O;
        match op {
            O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::TryTable { .. }
            | O::Try { .. } => {
                self.dead_depth += 1;
            }
            O::Else | O::Catch { .. } | O::CatchAll if self.dead_depth == 0 => {
                return self.operator_boundary(op, offset);
            }
            O::End | O::Delegate { .. } if self.dead_depth > 0 => self.dead_depth -= 1,
            O::End | O::Delegate { .. } => return self.operator_boundary(op, offset),
            _ => {}
        }
        Ok(())
    }

    /// `else`, `catch`, `end` and `delegate` reached from dead code.
    fn operator_boundary(&mut self, op: &Operator<'_>, offset: u32) -> Result<()> {
        use Operator as O;
        match *op {
            O::Else => self.else_(),
            O::Catch { tag_index } => self.legacy_catch(Some(tag_index)),
            O::CatchAll => self.legacy_catch(None),
            O::End => self.end(offset),
            O::Delegate { relative_depth } => self.delegate(relative_depth),
            _ => unreachable!("only boundaries come here"),
        }
        Ok(())
    }

    /// The stack at a block's end: drop what the body left, push results.
    fn reset_stack(&mut self, height: u32, values: u32) {
        let keep = height as usize;
        while self.stack.len() > keep {
            self.pop_n(1);
        }
        for _ in 0..values {
            self.push(Opnd::Temp);
        }
    }

    /// The fall-through into a block's end: results into their slots.
    fn fall_into_end(&mut self) {
        let c = self.ctrl.last().expect("open block");
        if self.reachable {
            let (n, dst) = (c.results, self.stack_base + c.height);
            self.copy_top_to(n, dst);
            self.ctrl.last_mut().expect("open block").end_reached = true;
        }
    }

    fn else_(&mut self) {
        self.fall_into_end();
        let reachable_then = self.reachable;
        let c = self.ctrl.last_mut().expect("if");
        let (height, params) = (c.height, c.params);
        if reachable_then {
            self.emit(Op::Br, 0);
            let at = self.code.len();
            self.word(0);
            self.ctrl.last_mut().expect("if").patches.push(at);
        }
        let c = self.ctrl.last_mut().expect("if");
        c.kind = CtrlKind::Else;
        let patch = c.else_patch.take().expect("if has a jump to else");
        let saved = c.exn_slot.take();
        let entered = c.entered_reachable;
        self.code[patch] = self.ip();
        self.reset_stack(height, 0);
        if let Some(h) = saved {
            for k in 0..params {
                self.emit(Op::Copy, self.stack_base + height + k);
                self.pair(h + k, 0);
            }
        }
        for _ in 0..params {
            self.push(Opnd::Temp);
        }
        self.reachable = entered;
        self.no_fusion();
    }

    fn end(&mut self, offset: u32) {
        let _ = offset;
        if self.ctrl.len() == 1 {
            return self.end_function();
        }
        self.fall_into_end();
        let mut c = self.ctrl.pop().expect("validated: end matches a block");
        // Its ctrl index, which is also the handlers' depth.
        let depth = self.ctrl.len() as u32;
        if let Some(p) = c.else_patch.take() {
            // `if` without `else`: the params are the results.
            self.code[p] = self.ip();
            c.end_reached = true;
        }
        match c.kind {
            CtrlKind::TryTable => {
                let end = self.ip();
                for &(kind, tag, label, with_ref) in &c.catches {
                    // Catch labels count from outside the try_table.
                    let ti = self.ctrl.len() - 1 - label as usize;
                    let t = &self.ctrl[ti];
                    let (dst, n) = (self.stack_base + t.height, t.label_arity());
                    let exn = if with_ref { dst + n - 1 } else { ir::NO_SLOT };
                    // The frame must hold what the handler writes.
                    let reach = t.height + n;
                    self.max_height = self.max_height.max(reach);
                    let (is_loop, loop_start) = (t.kind == CtrlKind::Loop, t.start);
                    let hi = self.handlers.len();
                    self.handlers.push(InterpHandler {
                        start: c.start,
                        end,
                        kind,
                        tag,
                        target: loop_start,
                        dst,
                        exn,
                        depth,
                    });
                    if !is_loop {
                        self.handler_patches.push((hi, ti));
                        self.ctrl[ti].end_reached = true;
                    }
                }
            }
            CtrlKind::Catch => {
                for mut h in std::mem::take(&mut c.legacy_clauses) {
                    h.end = c.try_end;
                    h.depth = depth;
                    self.handlers.push(h);
                }
            }
            _ => {}
        }
        self.close_label(c);
    }

    /// A block's end is here: patch the branches and handlers to it, and
    /// continue with its results on the stack.
    fn close_label(&mut self, c: Ctrl) {
        let end_ip = self.ip();
        for &p in &c.patches {
            self.code[p] = end_ip;
        }
        let index = self.ctrl.len();
        let mut k = 0;
        while k < self.handler_patches.len() {
            let (hi, ti) = self.handler_patches[k];
            if ti == index {
                self.handlers[hi].target = end_ip;
                self.handler_patches.swap_remove(k);
            } else {
                k += 1;
            }
        }
        self.reset_stack(c.height, c.results);
        self.reachable = c.end_reached;
        self.no_fusion();
    }

    /// The function body's `end`: return what the body left; handlers that
    /// branch to the function's label land after it, with the results in
    /// the label's slots.
    fn end_function(&mut self) {
        if self.reachable {
            self.emit_return();
        }
        let c = self.ctrl.pop().expect("the function's frame");
        let end_ip = self.ip();
        let mut any = !c.patches.is_empty();
        for &p in &c.patches {
            self.code[p] = end_ip;
        }
        for (hi, ti) in std::mem::take(&mut self.handler_patches) {
            debug_assert_eq!(ti, 0);
            self.handlers[hi].target = end_ip;
            any = true;
        }
        if any {
            if c.results > 0 {
                self.emit(Op::CopyN, 0);
                self.pair(self.stack_base, c.results);
            }
            self.emit(Op::Return, 0);
        }
        self.stack.clear();
        self.reachable = false;
    }

    fn legacy_catch(&mut self, tag: Option<u32>) {
        self.fall_into_end();
        let reachable_body = self.reachable;
        if reachable_body {
            self.emit(Op::Br, 0);
            let at = self.code.len();
            self.word(0);
            self.ctrl.last_mut().expect("try").patches.push(at);
        }
        let ip = self.ip();
        let c = self.ctrl.last_mut().expect("try");
        if c.kind == CtrlKind::Try {
            c.try_end = ip;
            c.kind = CtrlKind::Catch;
        }
        let height = c.height;
        let exn = c.exn_slot.expect("try has an exn slot");
        c.legacy_clauses.push(InterpHandler {
            start: c.start,
            end: 0,
            kind: if tag.is_some() {
                ir::IHANDLER_CATCH
            } else {
                ir::IHANDLER_CATCH_ALL
            },
            tag: tag.unwrap_or(0),
            target: ip,
            dst: self.stack_base + height,
            exn,
            depth: 0,
        });
        let entered = c.entered_reachable;
        self.reset_stack(height, 0);
        if let Some(t) = tag {
            for _ in 0..self.info.tag_params(t).len() {
                self.push(Opnd::Temp);
            }
        }
        self.reachable = entered;
        self.no_fusion();
    }

    fn delegate(&mut self, relative_depth: u32) {
        self.fall_into_end();
        let c = self.ctrl.pop().expect("try");
        // The label counts from outside the try; its ctrl index bounds
        // the handlers that may catch what the body throws.
        let label = (self.ctrl.len() as u32 - 1).saturating_sub(relative_depth);
        self.handlers.push(InterpHandler {
            start: c.start,
            end: self.ip(),
            kind: ir::IHANDLER_DELEGATE,
            tag: label,
            target: 0,
            dst: 0,
            exn: ir::NO_SLOT,
            depth: self.ctrl.len() as u32,
        });
        self.close_label(c);
    }
}
