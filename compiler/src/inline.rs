//! Inlining of small leaf functions into their direct callers.
//!
//! An AOT compiler sees the whole module, so it can afford what a lazy JIT
//! cannot: before compiling anything, translate every small function
//! (wasm body of at most [`MAX_BODY_BYTES`]) and keep those whose CLIF is
//! short ([`MAX_INSTS`]) and makes no calls at all. Then, while compiling
//! each function, every direct `call` of such a function is replaced by its
//! body (Cranelift's "inlining as a library", `Context::inline`).
//!
//! Only leaf callees are inlined, so inlining never cascades and never
//! recurses; a caller stops accepting bodies after [`CALLER_BUDGET`]
//! inlined instructions, which bounds compile time and code growth.
//!
//! Backtraces stay exact: [`locate_inlined`] gives every inlined
//! instruction a source location naming both its wasm offset in the callee
//! and the offset of the call it replaced; a trap site there records both
//! (`TrapRec::inline_call`), and the runtime finds the callee by the body
//! range containing the offset (`FuncRec::body_start/len`) and reports it
//! as a frame of its own above the caller's frame at the call.

use crate::compile::Worker;
use crate::module_info::{DefinedFuncIndex, ModuleInfo};
use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName, Opcode};
use cranelift_codegen::isa::TargetIsa;
use cranelift_entity::EntityRef;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;

/// Largest wasm body (bytes, locals included) considered for inlining.
const MAX_BODY_BYTES: usize = 64;
/// Largest translated body (CLIF instructions) that is inlined.
const MAX_INSTS: usize = 40;
/// Instructions a caller may receive from inlined bodies.
const CALLER_BUDGET: usize = 2_000;

/// The bodies that may be inlined, by `FuncId` (as `u32`).
pub(crate) struct Candidates {
    bodies: HashMap<u32, ir::Function>,
}

impl Candidates {
    pub(crate) fn is_empty(&self) -> bool {
        self.bodies.is_empty()
    }

    pub(crate) fn none() -> Candidates {
        Candidates {
            bodies: HashMap::new(),
        }
    }

    /// Translates every small defined function and keeps the short leaves.
    pub(crate) fn collect(
        info: &ModuleInfo<'_>,
        isa: &dyn TargetIsa,
        stubs: (&[u32], u32),
        options: &crate::Options,
    ) -> Candidates {
        let (func_ids, _) = stubs;
        let bodies: Vec<(u32, ir::Function)> = (0..info.num_defined_funcs())
            .into_par_iter()
            .map(DefinedFuncIndex::from_u32)
            .filter(|d| {
                let r = info.bodies[*d].body.range();
                (r.end - r.start) as usize <= MAX_BODY_BYTES
            })
            .map_init(Worker::new, |worker, d| {
                let func = worker
                    .translate_function(info, isa, stubs, options, d)
                    .ok()?;
                is_short_leaf(&func).then(|| (func_ids[d.index()], func))
            })
            .flatten()
            .collect();
        Candidates {
            bodies: bodies.into_iter().collect(),
        }
    }
}

/// Whether `func` makes no calls and has at most `MAX_INSTS` instructions.
fn is_short_leaf(func: &ir::Function) -> bool {
    let mut n = 0;
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            n += 1;
            if n > MAX_INSTS || func.dfg.insts[inst].opcode().is_call() {
                return false;
            }
        }
    }
    true
}

/// Decides, call by call, what to inline into one caller.
pub(crate) struct Inliner<'a> {
    pub(crate) candidates: &'a Candidates,
    /// `FuncId` of the caller (never inlined into itself).
    pub(crate) caller: u32,
    /// Instructions inlined so far into this caller.
    pub(crate) inlined: usize,
    /// The calls inlined, in the order the inliner processed them, with
    /// the callee's `FuncId`.
    pub(crate) sites: Vec<(ir::Inst, u32)>,
}

impl<'a> Inliner<'a> {
    pub(crate) fn new(candidates: &'a Candidates, caller: u32) -> Self {
        Inliner {
            candidates,
            caller,
            inlined: 0,
            sites: Vec::new(),
        }
    }
}

impl Inline for Inliner<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        call_inst: ir::Inst,
        opcode: Opcode,
        callee: ir::FuncRef,
        _call_args: &[ir::Value],
    ) -> InlineCommand<'_> {
        if opcode != Opcode::Call {
            return InlineCommand::KeepCall;
        }
        let ExternalName::User(name) = caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        let id = caller.params.user_named_funcs()[name].index;
        match self.candidates.bodies.get(&id) {
            Some(body) if id != self.caller => {
                let size = body.dfg.num_insts();
                if self.inlined + size > CALLER_BUDGET {
                    return InlineCommand::KeepCall;
                }
                self.inlined += size;
                self.sites.push((call_inst, id));
                InlineCommand::Inline {
                    callee: Cow::Borrowed(body),
                    visit_callee: false,
                }
            }
            _ => InlineCommand::KeepCall,
        }
    }
}

/// Source locations with this bit set are not wasm offsets but indices
/// into the function's [`InlineLocs`] table.
pub(crate) const INLINE_TAG: u32 = 1 << 31;

/// (wasm offset in the callee, wasm offset of the call in the caller) for
/// each distinct location of an inlined instruction; a tagged source
/// location indexes it.
pub(crate) type InlineLocs = Vec<(u32, u32)>;

/// Decodes a source location into (wasm offset, inlined-at call offset or
/// `NO_INDEX`).
pub(crate) fn decode_loc(bits: u32, table: &InlineLocs) -> (u32, u32) {
    if bits & INLINE_TAG != 0
        && let Some(&(at, call)) = table.get((bits & !INLINE_TAG) as usize)
    {
        return (at, call);
    }
    (bits, smelt_runtime::abi::NO_INDEX)
}

/// After inlining, gives every inlined instruction a source location that
/// names both its wasm offset in the callee and the call it replaced
/// (tagged with [`INLINE_TAG`], an index into the returned table), so a
/// trap inside an inlined callee is reported with the callee's frame on
/// top of the caller's, as if no inlining had happened.
///
/// The inliner creates one instruction per callee instruction, visiting
/// the callee's blocks in depth-first pre-order, call site after call site
/// in the order it decided them (`inliner.sites`), numbering them from
/// `first_new` on; a callee `return` becomes a `jump`. If the instructions
/// do not line up like that (a Cranelift change), every inlined instruction
/// gets the location of the call it replaced instead, so traps are then
/// reported at the call in the caller.
pub(crate) fn locate_inlined(
    func: &mut ir::Function,
    first_new: usize,
    call_locs: &HashMap<ir::Inst, ir::SourceLoc>,
    inliner: &Inliner<'_>,
) -> InlineLocs {
    let mut table: InlineLocs = Vec::new();
    let mut index: HashMap<(u32, u32), u32> = HashMap::new();
    let mut next = first_new;
    let mut exact = true;
    let mut assigned: Vec<(ir::Inst, ir::SourceLoc)> = Vec::new();
    for (call_inst, id) in &inliner.sites {
        let callee = &inliner.candidates.bodies[id];
        let call_loc = call_locs.get(call_inst).copied().unwrap_or_default();
        let mut dfs = cranelift_codegen::traversals::Dfs::new();
        for block in dfs.pre_order_iter(callee) {
            for callee_inst in callee.layout.block_insts(block) {
                let new_inst = ir::Inst::from_u32(next as u32);
                next += 1;
                let want = callee.dfg.insts[callee_inst].opcode();
                let got = (next <= func.dfg.num_insts()).then(|| func.dfg.insts[new_inst].opcode());
                let lines_up =
                    got == Some(want) || (want == Opcode::Return && got == Some(Opcode::Jump));
                exact &= lines_up;
                let loc = callee.srcloc(callee_inst);
                let tagged = if loc.is_default()
                    || call_loc.is_default()
                    || (loc.bits() | call_loc.bits()) & INLINE_TAG != 0
                {
                    // No callee location, or offsets too large to tag
                    // (a module over 2 GiB): report at the call.
                    call_loc
                } else {
                    let key = (loc.bits(), call_loc.bits());
                    let k = *index.entry(key).or_insert_with(|| {
                        table.push(key);
                        table.len() as u32 - 1
                    });
                    ir::SourceLoc::new(INLINE_TAG | k)
                };
                assigned.push((new_inst, tagged));
            }
        }
    }
    if exact && next == func.dfg.num_insts() {
        for (inst, loc) in assigned {
            func.set_srcloc(inst, loc);
        }
        table
    } else {
        locate_at_calls(func, first_new, call_locs);
        Vec::new()
    }
}

/// The source location of every direct call, keyed by instruction.
pub(crate) fn call_locations(func: &ir::Function) -> HashMap<ir::Inst, ir::SourceLoc> {
    let mut locs = HashMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if func.dfg.insts[inst].opcode() == Opcode::Call {
                locs.insert(inst, func.srcloc(inst));
            }
        }
    }
    locs
}

/// Gives the instructions created by inlining (index `first_new` and up)
/// the location of the call they replaced. The inliner turns each inlined
/// call into a jump (same instruction) and places the callee's blocks right
/// after it in the layout, so the last call seen in layout order is the one
/// an inlined instruction came from.
fn locate_at_calls(
    func: &mut ir::Function,
    first_new: usize,
    call_locs: &HashMap<ir::Inst, ir::SourceLoc>,
) {
    let mut current = ir::SourceLoc::default();
    let insts: Vec<ir::Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    for inst in insts {
        if let Some(loc) = call_locs.get(&inst) {
            current = *loc;
        } else if inst.as_u32() as usize >= first_new && func.srcloc(inst).is_default() {
            func.set_srcloc(inst, current);
        }
    }
}
