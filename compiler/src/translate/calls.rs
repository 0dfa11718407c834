//! `call` and `call_indirect`.

use super::control::push_results;
use super::stack::Stacks;
use crate::func_env::FuncEnv;
use cranelift_frontend::FunctionBuilder;

pub(crate) fn translate_call(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    func: u32,
) {
    let n = env.info.func_type(func).params.len();
    let args = stacks.popn(n);
    let inst = env.translate_call(builder, func, &args);
    push_results(builder, stacks, inst);
}

pub(crate) fn translate_call_indirect(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    table: u32,
    type_index: u32,
) {
    let callee = stacks.pop();
    let n = env.info.types[type_index as usize].params.len();
    let args = stacks.popn(n);
    let inst = env.translate_call_indirect(builder, table, type_index, callee, &args);
    push_results(builder, stacks, inst);
}
