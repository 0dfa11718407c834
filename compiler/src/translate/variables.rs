//! Locals, globals, `drop` and `select`.

use super::stack::Stacks;
use crate::func_env::FuncEnv;
use cranelift_codegen::ir::InstBuilder;
use cranelift_frontend::{FunctionBuilder, Variable};

pub(crate) fn translate_local_get(builder: &mut FunctionBuilder, stacks: &mut Stacks, index: u32) {
    let v = builder.use_var(Variable::from_u32(index));
    stacks.push(v);
}

pub(crate) fn translate_local_set(builder: &mut FunctionBuilder, stacks: &mut Stacks, index: u32) {
    let v = stacks.pop();
    builder.def_var(Variable::from_u32(index), v);
}

pub(crate) fn translate_local_tee(builder: &mut FunctionBuilder, stacks: &mut Stacks, index: u32) {
    let v = *stacks.peekn(1).first().expect("validated local.tee");
    builder.def_var(Variable::from_u32(index), v);
}

pub(crate) fn translate_global_get(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    index: u32,
) {
    let v = env.global_get(builder, index);
    stacks.push(v);
}

pub(crate) fn translate_global_set(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    index: u32,
) {
    let v = stacks.pop();
    env.global_set(builder, index, v);
}

pub(crate) fn translate_drop(stacks: &mut Stacks) {
    stacks.pop();
}

/// `select` and typed `select`: the condition is the top i32.
pub(crate) fn translate_select(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let (a, b, cond) = stacks.pop3();
    let v = builder.ins().select(cond, a, b);
    stacks.push(v);
}
