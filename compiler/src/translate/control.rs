//! Control flow: block, loop, if/else/end, br, br_if, br_table, return,
//! unreachable, and the handling of operators in unreachable code.

use super::stack::{ControlFrame, FrameKind, Stacks};
use crate::func_env::TrapKind;
use crate::func_env::{FuncEnv, trap};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{BlockType, ValType};

/// Param and result types of a block type.
pub(crate) fn block_signature(env: &FuncEnv, ty: BlockType) -> (Vec<ValType>, Vec<ValType>) {
    match ty {
        BlockType::Empty => (vec![], vec![]),
        BlockType::Type(t) => (vec![], vec![t]),
        BlockType::FuncType(idx) => {
            let ft = &env.info.types[idx as usize];
            (ft.params.clone(), ft.results.clone())
        }
    }
}

/// A new block with one parameter per type.
pub(crate) fn block_with_params(
    builder: &mut FunctionBuilder,
    env: &FuncEnv,
    tys: &[ValType],
) -> Block {
    let block = builder.create_block();
    for t in tys {
        builder.append_block_param(block, env.clif(*t));
    }
    block
}

fn args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

/// Jumps to `block` with `values` as its arguments.
pub(crate) fn jump(builder: &mut FunctionBuilder, block: Block, values: &[Value]) {
    builder.ins().jump(block, &args(values));
}

fn push_block_params(builder: &FunctionBuilder, stacks: &mut Stacks, block: Block) {
    stacks.values.extend_from_slice(builder.block_params(block));
}

pub(crate) fn translate_block(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    ty: BlockType,
) {
    let (params, results) = block_signature(env, ty);
    let destination = block_with_params(builder, env, &results);
    stacks.control.push(ControlFrame {
        kind: FrameKind::Block,
        destination,
        num_params: params.len(),
        num_results: results.len(),
        original_stack_size: stacks.values.len() - params.len(),
        exit_is_branched_to: false,
    });
}

pub(crate) fn translate_loop(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    ty: BlockType,
) {
    let (params, results) = block_signature(env, ty);
    let header = block_with_params(builder, env, &params);
    let destination = block_with_params(builder, env, &results);
    let entry_args = stacks.popn(params.len());
    jump(builder, header, &entry_args);
    builder.switch_to_block(header);
    env.interrupt_check(builder);
    push_block_params(builder, stacks, header);
    stacks.control.push(ControlFrame {
        kind: FrameKind::Loop { header },
        destination,
        num_params: params.len(),
        num_results: results.len(),
        original_stack_size: stacks.values.len() - params.len(),
        exit_is_branched_to: false,
    });
}

pub(crate) fn translate_if(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    ty: BlockType,
) {
    let cond = stacks.pop();
    let (params, results) = block_signature(env, ty);
    let then_block = builder.create_block();
    let else_block = builder.create_block();
    let destination = block_with_params(builder, env, &results);
    builder.ins().brif(cond, then_block, &[], else_block, &[]);
    builder.seal_block(then_block);
    builder.seal_block(else_block);
    builder.switch_to_block(then_block);
    stacks.control.push(ControlFrame {
        kind: FrameKind::If {
            else_block,
            params: stacks.peekn(params.len()).to_vec(),
            else_seen: false,
            head_is_reachable: true,
        },
        destination,
        num_params: params.len(),
        num_results: results.len(),
        original_stack_size: stacks.values.len() - params.len(),
        exit_is_branched_to: false,
    });
}

pub(crate) fn translate_else(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let reachable = stacks.reachable;
    let frame = stacks.control.last_mut().expect("else inside an if");
    let FrameKind::If {
        else_block,
        ref params,
        ref mut else_seen,
        head_is_reachable,
    } = frame.kind
    else {
        unreachable!("validated wasm has else only in if");
    };
    *else_seen = true;
    let params = params.clone();
    if reachable {
        let results = &stacks.values[stacks.values.len() - frame.num_results..];
        let results = args(results);
        builder.ins().jump(frame.destination, &results);
        frame.exit_is_branched_to = true;
    }
    let base = frame.original_stack_size;
    stacks.values.truncate(base);
    if head_is_reachable {
        stacks.values.extend_from_slice(&params);
        builder.switch_to_block(else_block);
        stacks.reachable = true;
    } else {
        stacks.reachable = false;
    }
}

pub(crate) fn translate_end(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let frame = stacks.control.pop().expect("end closes a frame");
    let mut exit_reachable = frame.exit_is_branched_to;
    if stacks.reachable {
        let results = stacks.peekn(frame.num_results).to_vec();
        jump(builder, frame.destination, &results);
        exit_reachable = true;
    }
    match frame.kind {
        FrameKind::If {
            else_block,
            params,
            else_seen: false,
            head_is_reachable: true,
        } => {
            // No else: the false edge forwards the params as results.
            builder.switch_to_block(else_block);
            jump(builder, frame.destination, &params);
            exit_reachable = true;
        }
        FrameKind::Loop { header } => builder.seal_block(header),
        _ => {}
    }
    stacks.values.truncate(frame.original_stack_size);
    if exit_reachable {
        builder.switch_to_block(frame.destination);
        builder.seal_block(frame.destination);
        push_block_params(builder, stacks, frame.destination);
        stacks.reachable = true;
    } else {
        stacks.reachable = false;
    }
}

pub(crate) fn translate_br(builder: &mut FunctionBuilder, stacks: &mut Stacks, depth: u32) {
    let frame = stacks.frame_mut(depth);
    frame.exit_is_branched_to |= !frame.is_loop();
    let (dest, arity) = (frame.br_destination(), frame.br_arity());
    let values = stacks.peekn(arity).to_vec();
    jump(builder, dest, &values);
    stacks.reachable = false;
}

pub(crate) fn translate_br_if(builder: &mut FunctionBuilder, stacks: &mut Stacks, depth: u32) {
    let cond = stacks.pop();
    let frame = stacks.frame_mut(depth);
    frame.exit_is_branched_to |= !frame.is_loop();
    let (dest, arity) = (frame.br_destination(), frame.br_arity());
    let values = args(stacks.peekn(arity));
    let next = builder.create_block();
    builder.ins().brif(cond, dest, &values, next, &[]);
    builder.seal_block(next);
    builder.switch_to_block(next);
}

/// `br_on_null`: branch (keeping the label's values) when the reference on
/// top is null; otherwise continue with it.
pub(crate) fn translate_br_on_null(builder: &mut FunctionBuilder, stacks: &mut Stacks, depth: u32) {
    let r = stacks.pop();
    let frame = stacks.frame_mut(depth);
    frame.exit_is_branched_to |= !frame.is_loop();
    let (dest, arity) = (frame.br_destination(), frame.br_arity());
    let values = args(stacks.peekn(arity));
    let next = builder.create_block();
    builder.ins().brif(r, next, &[], dest, &values);
    builder.seal_block(next);
    builder.switch_to_block(next);
    stacks.push(r);
}

/// `br_on_non_null`: branch with the reference when it is not null;
/// otherwise drop it and continue.
pub(crate) fn translate_br_on_non_null(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    depth: u32,
) {
    let frame = stacks.frame_mut(depth);
    frame.exit_is_branched_to |= !frame.is_loop();
    let (dest, arity) = (frame.br_destination(), frame.br_arity());
    // The label's values include the reference itself, on top.
    let values = args(stacks.peekn(arity));
    let r = stacks.pop();
    let next = builder.create_block();
    builder.ins().brif(r, dest, &values, next, &[]);
    builder.seal_block(next);
    builder.switch_to_block(next);
}

pub(crate) fn translate_br_table(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    targets: &wasmparser::BrTable<'_>,
) {
    let index = stacks.pop();
    let depths: Vec<u32> = targets
        .targets()
        .collect::<Result<_, _>>()
        .expect("validated br_table");
    let default = targets.default();
    let arity = stacks.frame_mut(default).br_arity();
    let values = stacks.peekn(arity).to_vec();

    // Each distinct target gets one edge: the destination itself when no
    // values travel, or a small block that jumps there with them.
    let mut edges: std::collections::HashMap<u32, Block> = Default::default();
    let mut edge_for = |builder: &mut FunctionBuilder, stacks: &mut Stacks, depth: u32| -> Block {
        if let Some(b) = edges.get(&depth) {
            return *b;
        }
        let frame = stacks.frame_mut(depth);
        frame.exit_is_branched_to |= !frame.is_loop();
        let dest = frame.br_destination();
        let block = if arity == 0 {
            dest
        } else {
            builder.create_block()
        };
        edges.insert(depth, block);
        block
    };
    let default_block = edge_for(builder, stacks, default);
    let table: Vec<_> = depths
        .iter()
        .map(|d| {
            let b = edge_for(builder, stacks, *d);
            builder.func.dfg.block_call(b, &[])
        })
        .collect();
    let default_call = builder.func.dfg.block_call(default_block, &[]);
    let jt = builder.create_jump_table(JumpTableData::new(default_call, &table));
    builder.ins().br_table(index, jt);

    if arity > 0 {
        let mut pending: Vec<(u32, Block)> = edges.into_iter().collect();
        pending.sort_by_key(|(d, _)| *d);
        for (depth, block) in pending {
            let dest = stacks.frame_mut(depth).br_destination();
            builder.switch_to_block(block);
            builder.seal_block(block);
            jump(builder, dest, &values);
        }
    }
    stacks.reachable = false;
}

pub(crate) fn translate_return(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let arity = stacks.control[0].num_results;
    let values = stacks.peekn(arity).to_vec();
    builder.ins().return_(&values);
    stacks.reachable = false;
}

pub(crate) fn translate_unreachable(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    builder.ins().trap(trap(TrapKind::Unreachable));
    stacks.reachable = false;
}

/// Operators met in unreachable code only matter for nesting.
pub(crate) fn translate_unreachable_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    op: &wasmparser::Operator<'_>,
) {
    use wasmparser::Operator;
    match op {
        Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::If { .. }
        | Operator::TryTable { .. }
        | Operator::Try { .. } => {
            // A placeholder frame: nothing inside can become reachable
            // except through its own branches, which are unreachable too.
            let destination = builder.create_block();
            let else_block = builder.create_block();
            stacks.control.push(ControlFrame {
                kind: FrameKind::If {
                    else_block,
                    params: vec![],
                    else_seen: false,
                    head_is_reachable: false,
                },
                destination,
                num_params: 0,
                num_results: 0,
                original_stack_size: stacks.values.len(),
                exit_is_branched_to: false,
            });
        }
        // A placeholder frame's legacy `catch` arms stay unreachable like
        // an `else`; `delegate` closes it like `end`.
        Operator::Else | Operator::Catch { .. } | Operator::CatchAll => {
            translate_else(builder, stacks)
        }
        Operator::End | Operator::Delegate { .. } => translate_end(builder, stacks),
        _ => {}
    }
}
