//! Tables and references: `table.get/set/size/grow/fill/copy/init`,
//! `elem.drop`, `ref.null`, `ref.is_null`, `ref.func`.
//!
//! References are pointer-sized integers (null = 0): a `VMFuncRef`
//! address for functions, a store handle for `externref`.

use super::bulk::to_i64;
use super::stack::Stacks;
use crate::func_env::{FuncEnv, trap};
use crate::func_env::{Libcall, TrapKind};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, condcodes::IntCC, types};
use cranelift_frontend::FunctionBuilder;

fn i32_const(builder: &mut FunctionBuilder, v: u32) -> Value {
    builder.ins().iconst(types::I32, i64::from(v))
}

/// The table's index type: i64 for table64, else i32.
fn index_result(builder: &mut FunctionBuilder, env: &FuncEnv, table: u32, v: Value) -> Value {
    if env.table_is_64(table) {
        v
    } else {
        builder.ins().ireduce(types::I32, v)
    }
}

pub(crate) fn translate_table_get(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    table: u32,
) {
    let index = stacks.pop();
    let addr =
        env.table_element_addr_checked(builder, table, index, trap(TrapKind::TableOutOfBounds));
    let v = builder
        .ins()
        .load(env.ptr, MemFlagsData::trusted(), addr, 0);
    stacks.push(v);
}

pub(crate) fn translate_table_set(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    table: u32,
) {
    let (index, value) = stacks.pop2();
    let addr =
        env.table_element_addr_checked(builder, table, index, trap(TrapKind::TableOutOfBounds));
    builder.ins().store(MemFlagsData::trusted(), value, addr, 0);
}

pub(crate) fn translate_table_size(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    table: u32,
) {
    let len = env.table_length(builder, table);
    let v = index_result(builder, env, table, len);
    stacks.push(v);
}

pub(crate) fn translate_table_grow(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    table: u32,
) {
    let (init, delta) = stacks.pop2();
    let t = i32_const(builder, table);
    let delta = to_i64(builder, delta);
    let old = env
        .call_libcall(builder, Libcall::table_grow, &[t, init, delta])
        .expect("table_grow returns the old size");
    let v = index_result(builder, env, table, old);
    stacks.push(v);
}

pub(crate) fn translate_table_fill(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    table: u32,
) {
    let (dst, val, len) = stacks.pop3();
    let args = [
        i32_const(builder, table),
        to_i64(builder, dst),
        val,
        to_i64(builder, len),
    ];
    env.call_libcall_checked(builder, Libcall::table_fill, &args);
}

pub(crate) fn translate_table_copy(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    dst_table: u32,
    src_table: u32,
) {
    let (dst, src, len) = stacks.pop3();
    let args = [
        i32_const(builder, dst_table),
        i32_const(builder, src_table),
        to_i64(builder, dst),
        to_i64(builder, src),
        to_i64(builder, len),
    ];
    env.call_libcall_checked(builder, Libcall::table_copy, &args);
}

pub(crate) fn translate_table_init(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    table: u32,
    elem: u32,
) {
    let (dst, src, len) = stacks.pop3();
    let args = [
        i32_const(builder, table),
        i32_const(builder, elem),
        to_i64(builder, dst),
        src,
        len,
    ];
    env.call_libcall_checked(builder, Libcall::table_init, &args);
}

pub(crate) fn translate_elem_drop(builder: &mut FunctionBuilder, env: &mut FuncEnv, elem: u32) {
    let e = i32_const(builder, elem);
    env.call_libcall(builder, Libcall::elem_drop, &[e]);
}

pub(crate) fn translate_ref_null(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
) {
    let v = builder.ins().iconst(env.ptr, 0);
    stacks.push(v);
}

pub(crate) fn translate_ref_is_null(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let r = stacks.pop();
    let b = builder.ins().icmp_imm_s(IntCC::Equal, r, 0);
    let v = builder.ins().uextend(types::I32, b);
    stacks.push(v);
}

pub(crate) fn translate_ref_func(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    func: u32,
) {
    let v = env.translate_ref_func(builder, func);
    stacks.push(v);
}

pub(crate) fn translate_ref_as_non_null(builder: &mut FunctionBuilder, stacks: &mut Stacks) {
    let r = *stacks.peekn(1).first().expect("validated ref.as_non_null");
    builder.ins().trapz(r, trap(TrapKind::NullReference));
}
