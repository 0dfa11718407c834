//! Bulk memory: `memory.copy`, `memory.fill`, `memory.init`, `data.drop`.
//!
//! Each is a libcall that bounds-checks the whole range first and traps
//! (through `TRAP_RAISED`) without writing anything when it does not fit.

use super::stack::Stacks;
use crate::func_env::FuncEnv;
use crate::func_env::Libcall;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use cranelift_frontend::FunctionBuilder;

/// Widens an i32 operand to i64 (64-bit memories' operands already are).
pub(crate) fn to_i64(builder: &mut FunctionBuilder, v: Value) -> Value {
    if builder.func.dfg.value_type(v) == types::I64 {
        v
    } else {
        builder.ins().uextend(types::I64, v)
    }
}

fn i32_const(builder: &mut FunctionBuilder, v: u32) -> Value {
    builder.ins().iconst(types::I32, i64::from(v))
}

pub(crate) fn translate_memory_copy(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    dst_mem: u32,
    src_mem: u32,
) {
    let (dst, src, len) = stacks.pop3();
    let args = [
        i32_const(builder, dst_mem),
        i32_const(builder, src_mem),
        to_i64(builder, dst),
        to_i64(builder, src),
        to_i64(builder, len),
    ];
    env.call_libcall_checked(builder, Libcall::memory_copy, &args);
}

pub(crate) fn translate_memory_fill(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    memory: u32,
) {
    let (dst, val, len) = stacks.pop3();
    let args = [
        i32_const(builder, memory),
        to_i64(builder, dst),
        val,
        to_i64(builder, len),
    ];
    env.call_libcall_checked(builder, Libcall::memory_fill, &args);
}

pub(crate) fn translate_memory_init(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    memory: u32,
    data: u32,
) {
    let (dst, src, len) = stacks.pop3();
    let args = [
        i32_const(builder, memory),
        i32_const(builder, data),
        to_i64(builder, dst),
        src,
        len,
    ];
    env.call_libcall_checked(builder, Libcall::memory_init, &args);
}

pub(crate) fn translate_data_drop(builder: &mut FunctionBuilder, env: &mut FuncEnv, data: u32) {
    let d = i32_const(builder, data);
    env.call_libcall(builder, Libcall::data_drop, &[d]);
}
