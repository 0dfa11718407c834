//! `call`, `call_indirect`, `call_ref` and their tail-call forms
//! (`return_call*`), which reuse the caller's frame: every wasm function
//! uses Cranelift's `tail` convention, so any call can be a tail call.

use super::control::push_results;
use super::stack::Stacks;
use crate::func_env::FuncEnv;
use cranelift_frontend::FunctionBuilder;

/// Pushes a call's results, or ends the block after a tail call.
fn finish(
    builder: &FunctionBuilder,
    stacks: &mut Stacks,
    inst: Option<cranelift_codegen::ir::Inst>,
) {
    match inst {
        Some(inst) => push_results(builder, stacks, inst),
        None => stacks.reachable = false,
    }
}

pub(crate) fn translate_call(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    func: u32,
    tail: bool,
) {
    let n = env.info.func_type(func).params.len();
    let args = stacks.popn(n);
    let inst = env.translate_call(builder, func, &args, tail);
    finish(builder, stacks, inst);
}

pub(crate) fn translate_call_indirect(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    table: u32,
    type_index: u32,
    tail: bool,
) {
    let callee = stacks.pop();
    let n = env.info.types[type_index as usize].params.len();
    let args = stacks.popn(n);
    let inst = env.translate_call_indirect(builder, table, type_index, callee, &args, tail);
    finish(builder, stacks, inst);
}

pub(crate) fn translate_call_ref(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    type_index: u32,
    tail: bool,
) {
    let funcref = stacks.pop();
    let n = env.info.types[type_index as usize].params.len();
    let args = stacks.popn(n);
    let inst = env.translate_call_ref(builder, type_index, funcref, &args, tail);
    finish(builder, stacks, inst);
}
