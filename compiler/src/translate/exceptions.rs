//! Exception handling: `throw`, `throw_ref`, `try_table` with its four
//! catch clauses (Wasm 3.0), and the legacy encoding `try`/`catch`/
//! `catch_all`/`delegate`/`rethrow`.
//!
//! Every open `try_table` or `try` frame owns a [`TryScope`]. Before each
//! call the translator computes the handlers that apply at that point
//! ([`prepare_call`]), innermost first, and the function environment turns
//! the call into a `try_call` whose exception table is
//! `[Context(vmctx), Tag(t, landing)…, Default(landing)]`. A catch clause
//! has one landing block taking the `exnref` (exception payload register
//! 0), shared by every call site of its scope; it is filled in only if some
//! call site used it:
//!
//! - `try_table`: at the frame's `end`, each used landing block loads the
//!   tag's payload (plus the `exnref` for the `_ref` forms) and branches
//!   to the clause's label;
//! - legacy `try`: the clauses are known in advance by looking ahead in the
//!   operator stream ([`prescan_legacy_try`]), since calls in the body come
//!   before the `catch` operators; at each `catch` the body's handlers end
//!   and translation continues in that clause's landing block, whose
//!   `exnref` `rethrow` uses. `delegate L` makes the body's calls use the
//!   handlers that apply inside frame `L`.
//!
//! Tags are matched by the runtime's unwinder (identity = tag definition
//! address, through the frame's vmctx), so an imported tag and its alias
//! match even when their indices differ.

use super::control::{block_signature, block_with_params, jump};
use super::stack::{ControlFrame, FrameKind, Stacks};
use crate::func_env::TrapKind;
use crate::func_env::{FuncEnv, Handler, trap};
use cranelift_codegen::ir::{Block, InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{BlockType, Catch, Operator, OperatorsReader, TryTable};

/// What a clause's landing block does with the exception.
#[derive(Debug)]
enum ClauseAction {
    /// `try_table`: branch to control frame `target` (an index into the
    /// control stack) with the payload and, if `with_ref`, the `exnref`.
    Branch { target: usize, with_ref: bool },
    /// Legacy `catch`/`catch_all`: the landing block starts the clause's
    /// body.
    Body,
}

#[derive(Debug)]
struct Clause {
    /// Module tag index, or `None` for the catch-all forms.
    tag: Option<u32>,
    /// Takes the `exnref`.
    landing: Block,
    /// Whether any call site lists this clause (then `landing` has
    /// predecessors and is filled in).
    used: bool,
    action: ClauseAction,
}

#[derive(Debug)]
enum ScopeKind {
    Catches(Vec<Clause>),
    /// Legacy `try … delegate L`: the body's exceptions go to the handlers
    /// that apply inside control frame `target`.
    Delegate {
        target: usize,
    },
}

/// The handlers of one `try_table` or `try` frame.
#[derive(Debug)]
pub(crate) struct TryScope {
    /// Index of the frame in the control stack.
    frame: usize,
    kind: ScopeKind,
    /// False once a legacy `try` reached its first `catch`: its clauses do
    /// not cover their own bodies.
    active: bool,
    /// Legacy `try`: the next clause a `catch` operator starts.
    next_clause: usize,
    /// Legacy `try`: the `exnref` of the clause being translated.
    caught: Option<Value>,
}

/// The clauses of a legacy `try`, found before translating its body.
#[derive(Debug, Default)]
pub(crate) struct LegacyShape {
    /// One per `catch` (`Some(tag)`) or `catch_all` (`None`), in order.
    catches: Vec<Option<u32>>,
    /// `delegate`'s relative depth, if the `try` ends with one.
    delegate: Option<u32>,
}

/// Reads ahead from just after a `try` to its matching `catch`/
/// `catch_all`/`delegate`/`end` operators. Errors are left for the
/// validator to report when translation reaches them.
pub(crate) fn prescan_legacy_try(mut reader: OperatorsReader<'_>) -> LegacyShape {
    let mut shape = LegacyShape::default();
    let mut depth = 0u32;
    while let Ok(op) = reader.read() {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => depth += 1,
            Operator::End if depth == 0 => break,
            Operator::End => depth -= 1,
            Operator::Delegate { relative_depth } if depth == 0 => {
                shape.delegate = Some(relative_depth);
                break;
            }
            Operator::Delegate { .. } => depth -= 1,
            Operator::Catch { tag_index } if depth == 0 => shape.catches.push(Some(tag_index)),
            Operator::CatchAll if depth == 0 => shape.catches.push(None),
            _ => {}
        }
    }
    shape
}

/// Whether `op` continues or closes the innermost frame as a try scope
/// (these operators must reach [`translate_scope_operator`] even in
/// unreachable code, since a landing block may make code reachable again).
pub(crate) fn is_scope_operator(stacks: &Stacks, op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::End | Operator::Catch { .. } | Operator::CatchAll | Operator::Delegate { .. }
    ) && stacks
        .control
        .last()
        .is_some_and(|f| matches!(f.kind, FrameKind::Try))
}

/// The handlers that apply to a call at this point, innermost first; marks
/// their clauses used. Sets them in `env` for the next call.
pub(crate) fn prepare_call(stacks: &mut Stacks, env: &mut FuncEnv) {
    env.handlers.clear();
    let mut cutoff = usize::MAX;
    for scope in stacks.try_scopes.iter_mut().rev() {
        if !scope.active || scope.frame > cutoff {
            continue;
        }
        match &mut scope.kind {
            ScopeKind::Delegate { target } => cutoff = *target,
            ScopeKind::Catches(clauses) => {
                for c in clauses.iter_mut() {
                    c.used = true;
                    env.handlers.push(Handler {
                        tag: c.tag,
                        block: c.landing,
                    });
                    if c.tag.is_none() {
                        // A catch-all ends the search: nothing outer is
                        // ever reached.
                        return;
                    }
                }
            }
        }
    }
}

fn push_try_frame(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    ty: BlockType,
    kind: ScopeKind,
) {
    let (params, results) = block_signature(env, ty);
    let destination = block_with_params(builder, env, &results);
    stacks.control.push(ControlFrame {
        kind: FrameKind::Try,
        destination,
        num_params: params.len(),
        num_results: results.len(),
        original_stack_size: stacks.values.len() - params.len(),
        exit_is_branched_to: false,
    });
    stacks.try_scopes.push(TryScope {
        frame: stacks.control.len() - 1,
        kind,
        active: true,
        next_clause: 0,
        caught: None,
    });
}

fn landing_block(builder: &mut FunctionBuilder, env: &FuncEnv) -> Block {
    let block = builder.create_block();
    builder.append_block_param(block, env.ptr);
    builder.set_cold_block(block);
    block
}

pub(crate) fn translate_try_table(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    table: &TryTable,
) {
    // Catch labels are relative to the frames around the `try_table`.
    let outer = stacks.control.len() - 1;
    let clauses = table
        .catches
        .iter()
        .map(|c| {
            let (tag, label, with_ref) = match *c {
                Catch::One { tag, label } => (Some(tag), label, false),
                Catch::OneRef { tag, label } => (Some(tag), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            Clause {
                tag,
                landing: landing_block(builder, env),
                used: false,
                action: ClauseAction::Branch {
                    target: outer - label as usize,
                    with_ref,
                },
            }
        })
        .collect();
    push_try_frame(builder, stacks, env, table.ty, ScopeKind::Catches(clauses));
}

pub(crate) fn translate_try(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    ty: BlockType,
) {
    let shape = stacks.legacy_try.take().unwrap_or_default();
    let kind = match shape.delegate {
        // The label counts from the frames around the `try`.
        Some(depth) => ScopeKind::Delegate {
            target: (stacks.control.len() - 1).saturating_sub(depth as usize),
        },
        None => ScopeKind::Catches(
            shape
                .catches
                .iter()
                .map(|tag| Clause {
                    tag: *tag,
                    landing: landing_block(builder, env),
                    used: false,
                    action: ClauseAction::Body,
                })
                .collect(),
        ),
    };
    push_try_frame(builder, stacks, env, ty, kind);
}

pub(crate) fn translate_throw(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    tag: u32,
) {
    let n = env.info.tag_params(tag).len();
    let payload = stacks.popn(n);
    let exn = env.translate_exn_new(builder, tag, &payload);
    throw(builder, stacks, env, exn);
}

pub(crate) fn translate_throw_ref(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
) {
    let exn = stacks.pop();
    builder.ins().trapz(exn, trap(TrapKind::NullReference));
    throw(builder, stacks, env, exn);
}

/// Legacy `rethrow L`: throws again the exception caught by the `catch`
/// clause that label `L` is in.
pub(crate) fn translate_rethrow(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    depth: u32,
) {
    let frame = stacks.control.len() - 1 - depth as usize;
    let exn = stacks
        .try_scopes
        .iter()
        .find(|s| s.frame == frame)
        .and_then(|s| s.caught)
        .expect("validated rethrow targets a reachable catch clause");
    throw(builder, stacks, env, exn);
}

fn throw(builder: &mut FunctionBuilder, stacks: &mut Stacks, env: &mut FuncEnv, exn: Value) {
    prepare_call(stacks, env);
    env.translate_throw_ref(builder, exn);
    stacks.reachable = false;
}

/// `end`, `catch`, `catch_all` or `delegate` of the innermost frame, a
/// `try_table` or `try` (see [`is_scope_operator`]).
pub(crate) fn translate_scope_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    op: &Operator<'_>,
) {
    // Leave the current arm: its results go to the frame's destination.
    let frame = stacks.control.last_mut().expect("a try frame is open");
    if stacks.reachable {
        let results = stacks.values[stacks.values.len() - frame.num_results..].to_vec();
        jump(builder, frame.destination, &results);
        frame.exit_is_branched_to = true;
        stacks.reachable = false;
    }
    match op {
        Operator::Catch { .. } | Operator::CatchAll => start_catch(builder, stacks, env),
        _ => {
            let scope = stacks.try_scopes.pop().expect("the try frame's scope");
            if let ScopeKind::Catches(clauses) = scope.kind {
                for clause in clauses.iter().filter(|c| c.used) {
                    if let ClauseAction::Branch { target, with_ref } = clause.action {
                        fill_branch_landing(builder, stacks, env, clause, target, with_ref);
                    }
                }
            }
            // Every arm jumped to the destination already; this pops the
            // frame and continues there if anything reached it.
            super::control::translate_end(builder, stacks);
        }
    }
}

fn fill_branch_landing(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    clause: &Clause,
    target: usize,
    with_ref: bool,
) {
    builder.switch_to_block(clause.landing);
    builder.seal_block(clause.landing);
    let exn = builder.block_params(clause.landing)[0];
    let mut values = match clause.tag {
        Some(tag) => env.exn_payload(builder, tag, exn),
        None => Vec::new(),
    };
    if with_ref {
        values.push(exn);
    }
    let frame = &mut stacks.control[target];
    frame.exit_is_branched_to |= !frame.is_loop();
    let dest = frame.br_destination();
    jump(builder, dest, &values);
}

/// Legacy `catch`/`catch_all`: the body's handlers end; continue in the
/// next clause's landing block (unreachable if no call site used it).
fn start_catch(builder: &mut FunctionBuilder, stacks: &mut Stacks, env: &FuncEnv) {
    let base = stacks
        .control
        .last()
        .expect("try frame")
        .original_stack_size;
    stacks.values.truncate(base);
    let scope = stacks.try_scopes.last_mut().expect("the try frame's scope");
    scope.active = false;
    scope.caught = None;
    let ScopeKind::Catches(clauses) = &scope.kind else {
        unreachable!("validated `catch` never follows a delegating try")
    };
    let Some(clause) = clauses.get(scope.next_clause) else {
        unreachable!("the look-ahead found every catch clause")
    };
    let (used, landing, tag) = (clause.used, clause.landing, clause.tag);
    scope.next_clause += 1;
    if !used {
        return;
    }
    builder.switch_to_block(landing);
    builder.seal_block(landing);
    let exn = builder.block_params(landing)[0];
    scope.caught = Some(exn);
    if let Some(tag) = tag {
        let payload = env.exn_payload(builder, tag, exn);
        stacks.values.extend(payload);
    }
    stacks.reachable = true;
}
