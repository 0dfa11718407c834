//! `call`, `call_indirect`, `call_ref` and their tail-call forms
//! (`return_call*`), which reuse the caller's frame: every wasm function
//! uses Cranelift's `tail` convention, so any call can be a tail call.

use super::stack::Stacks;
use crate::func_env::FuncEnv;
use cranelift_frontend::FunctionBuilder;

/// Pushes a call's results, or ends the block after a tail call.
fn finish(stacks: &mut Stacks, results: Option<Vec<cranelift_codegen::ir::Value>>) {
    match results {
        Some(results) => stacks.values.extend(results),
        None => stacks.reachable = false,
    }
}

/// Sets the exception handlers for the call (a tail call leaves the frame
/// and its try scopes behind, so it has none).
fn prepare(stacks: &mut Stacks, env: &mut FuncEnv, tail: bool) {
    if tail {
        env.handlers.clear();
    } else {
        super::exceptions::prepare_call(stacks, env);
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
    prepare(stacks, env, tail);
    let inst = env.translate_call(builder, func, &args, tail);
    finish(stacks, inst);
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
    prepare(stacks, env, tail);
    let inst = env.translate_call_indirect(builder, table, type_index, callee, &args, tail);
    finish(stacks, inst);
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
    prepare(stacks, env, tail);
    let inst = env.translate_call_ref(builder, type_index, funcref, &args, tail);
    finish(stacks, inst);
}
